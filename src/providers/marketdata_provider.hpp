#pragma once
// The MarketData.app client (see marketdata_provider.cpp).

#include "live_vendor.hpp"

namespace screener::providers {

class MarketDataProvider final : public LiveProvider {
public:
    MarketDataProvider(const config::Config& config, const ProviderServices& services);

    std::string name() const override { return "marketdata"; }
    // Bulk candles with snapshot=true: the universe's last bars, billed per symbol (a backup).
    std::vector<StockSnapshot> exchange_snapshot(Date as_of) override;
    std::vector<Bar> daily_history(const std::string& symbol, Date from, Date to) override;
    std::vector<Date> expirations(const std::string& symbol) override;
    // GET /v1/stocks/quotes/?symbols=... in batches of 100 (1 credit per symbol returned).
    std::vector<StockQuote> quotes(const std::vector<std::string>& symbols) override;
    OptionChain option_chain(const std::string& symbol, const ChainRequest& request) override;
    // Per-symbol only at this vendor (a premium endpoint): DataError for the whole calendar.
    std::vector<EarningsEvent> earnings_calendar(Date from, Date to) override;

private:
    double m_chain_credits_seen = 0; // largest chain bill so far: the estimate for the next one
    std::mutex m_mutex;
};

} // namespace screener::providers
