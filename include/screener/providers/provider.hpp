#pragma once
// What the pipeline needs from a market-data vendor. A new vendor is one new file implementing
// this interface plus one line in providers/registry.cpp.
//
// Every method throws DataError (naming symbol and endpoint) on malformed or failed data; the
// pipeline records that as a per-symbol error and goes on.

#include "screener/core/types.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace screener::config {
struct Config;
}

namespace screener::providers {

struct ChainRequest {
    Date as_of{};
    int dte_min = 0; // expirations between as_of + dte_min and as_of + dte_max, inclusive
    int dte_max = 60;
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
    // Contracts of every expiration inside the request's DTE window.
    virtual OptionChain option_chain(const std::string& symbol, const ChainRequest& request) = 0;
    // Earnings announcements between from and to inclusive, for every symbol the vendor knows.
    virtual std::vector<EarningsEvent> earnings_calendar(Date from, Date to) = 0;

protected:
    void report_call(const ApiCall& call) const {
        if (m_observer) {
            m_observer(call);
        }
    }

private:
    CallObserver m_observer;
};

// Builds the provider registered under `name` ("sample", ...); ConfigError for unknown names.
std::unique_ptr<Provider> make_provider(const std::string& name, const config::Config& config);

} // namespace screener::providers
