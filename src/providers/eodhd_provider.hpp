#pragma once
// The EODHD client (see eodhd_provider.cpp).

#include "live_vendor.hpp"
#include "screener/core/calendar.hpp"

namespace screener::providers {

class EodhdProvider final : public LiveProvider {
public:
    EodhdProvider(const config::Config& config, const ProviderServices& services);

    std::string name() const override { return "eodhd"; }
    std::vector<StockSnapshot> exchange_snapshot(Date as_of) override;
    std::vector<Bar> daily_history(const std::string& symbol, Date from, Date to) override;
    std::vector<Date> expirations(const std::string& symbol) override;
    // GET /real-time/{FIRST}.US?s=... in batches of 20 tickers (1 call per ticker).
    std::vector<StockQuote> quotes(const std::vector<std::string>& symbols) override;
    OptionChain option_chain(const std::string& symbol, const ChainRequest& request) override;
    std::vector<EarningsEvent> earnings_calendar(Date from, Date to) override;
    // GET /fundamentals/{TICKER}?filter=Highlights,SplitsDividends: 10 calls, kept until the
    // next close.
    std::optional<DividendInfo> dividends(const std::string& symbol) override;

    double credits_spent() const override;
    std::optional<double> credits_left() const override;
    std::string unavailable_reason() const override;

private:
    // Every page of the marketplace contracts of `symbol` expiring in [from, to].
    std::vector<OptionContract> contracts(const std::string& symbol, Date from, Date to,
                                          const ChainRequest* narrow, const std::string& fields);
    Date new_york_today() const;

    std::string m_exchange;
    // The marketplace (options) pool: its own allowance, budget and api_calls name
    // ("eodhd_marketplace"); same key and host.
    LiveVendor m_marketplace;
};

} // namespace screener::providers
