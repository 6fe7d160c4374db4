#pragma once
// What the pipeline needs from a market-data vendor. A new vendor is one new file implementing
// this interface plus one line in providers/registry.cpp.
//
// Every method throws DataError (naming symbol and endpoint) on malformed or failed data; the
// pipeline records that as a per-symbol error and goes on.

#include "screener/core/types.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace screener::config {
struct Config;
}
namespace screener::net {
class HttpClient;
class ResponseCache;
} // namespace screener::net

namespace screener::providers {

// What the profile can use of a chain, so a vendor that filters server-side (and bills per
// contract) sends only that.
struct ChainRequest {
    Date as_of{};
    int dte_min = 0; // expirations between as_of + dte_min and as_of + dte_max, inclusive
    int dte_max = 60;
    std::optional<OptionType> side; // only calls or only puts; none: both
    bool otm_only = false;          // every enabled strategy trades out-of-the-money legs only
    // Contracts no enabled strategy could use (the vendor filters them where it can, so they are
    // not paid for): |delta| below delta_floor, open interest or volume below the minimums.
    std::optional<double> delta_floor;
    double min_open_interest = 0;
    double min_volume = 0;
    // A narrow sample (vendor reconciliation): one expiration and a strike range.
    std::optional<Date> expiration;
    std::optional<double> strike_min, strike_max;
};

// Thrown when the next request would take a vendor past its daily credit budget: the run
// stops fetching from that vendor and finishes with what it has.
class BudgetExhausted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Receives every request a provider makes; the pipeline logs it and stores it in api_calls.
using CallObserver = std::function<void(const ApiCall&)>;

class Provider {
public:
    virtual ~Provider() = default;
    void set_call_observer(CallObserver observer) { m_observer = std::move(observer); }
    virtual std::string name() const = 0;
    // The session the data describes when fixed (the bundled sample); nullopt for live vendors.
    virtual std::optional<Date> snapshot_date() const { return std::nullopt; }
    // End-of-day snapshot of a whole exchange in one bulk call: the universe to prefilter.
    virtual std::vector<StockSnapshot> exchange_snapshot(Date as_of) = 0;
    // Daily bars from..to inclusive, oldest first.
    virtual std::vector<Bar> daily_history(const std::string& symbol, Date from, Date to) = 0;
    virtual std::vector<Date> expirations(const std::string& symbol) = 0;
    // Latest quotes of `symbols`, batched into as few requests as the vendor allows; a symbol
    // the vendor does not know is left out.
    virtual std::vector<StockQuote> quotes(const std::vector<std::string>& symbols) = 0;
    // Contracts of every expiration inside the request's DTE window.
    virtual OptionChain option_chain(const std::string& symbol, const ChainRequest& request) = 0;
    // Earnings announcements between from and to inclusive, for every symbol the vendor knows.
    virtual std::vector<EarningsEvent> earnings_calendar(Date from, Date to) = 0;

    // Dividend facts of `symbol`; nullopt when the vendor does not offer them.
    virtual std::optional<DividendInfo> dividends(const std::string& /*symbol*/) {
        return std::nullopt;
    }

    // Accounting of a live vendor over this run (the sample spends nothing).
    virtual double credits_spent() const { return 0; }
    // Credits this vendor may still spend today (daily budget minus what the store recorded
    // before the run and what this run spent); nullopt when it has no budget.
    virtual std::optional<double> credits_left() const { return std::nullopt; }
    // Why the vendor cannot be asked any more ("" while it can): circuit open, key refused,
    // allowance spent.
    virtual std::string unavailable_reason() const { return {}; }

protected:
    void report_call(const ApiCall& call) const {
        if (m_observer) {
            m_observer(call);
        }
    }

private:
    CallObserver m_observer;
};

// What live vendors share in a run: one HTTP client (one connection pool), the response cache
// (the store's http_cache), and the credits each vendor already spent today.
struct ProviderServices {
    net::HttpClient* http = nullptr;
    net::ResponseCache* cache = nullptr;
    // Credits recorded for a vendor since a time (the store's api_calls), for the daily budget.
    std::function<double(const std::string& vendor, std::chrono::system_clock::time_point since)>
        spent_since;
};

// Builds the provider registered under `name` ("sample", "eodhd", "marketdata"); ConfigError
// for unknown names, a missing API key or a live vendor without an HTTP client.
std::unique_ptr<Provider> make_provider(const std::string& name, const config::Config& config,
                                        const ProviderServices& services = {});

} // namespace screener::providers
