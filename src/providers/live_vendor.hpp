#pragma once
// What the live vendor clients (eodhd_provider.cpp, marketdata_provider.cpp) share: one
// VendorChannel per vendor built from its config, URL building with the vendor's own query
// conventions, cache lifetimes, the daily credit budget, and turning a failed answer into a
// DataError that names vendor, endpoint and symbol (never the token).

#include "screener/config/config.hpp"
#include "screener/net/vendor_channel.hpp"
#include "screener/providers/provider.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace screener::providers {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes a query value (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);
// "k=v&k=v"; keys are sent as written (EODHD's filter[...] keys must keep their brackets).
std::string query_string(const QueryParams& params);
// The first close (16:00 ET, 13:00 on early closes) strictly after `now`: end-of-day data
// fetched now stays valid until then.
std::chrono::system_clock::time_point next_market_close(std::chrono::system_clock::time_point now);

struct VendorRequest {
    std::string path;     // appended to base_url, e.g. "/eod/AAPL.US"
    QueryParams query;    // without credentials
    std::string endpoint; // template for api_calls, e.g. "/eod/{symbol}"
    std::string symbol;   // "" when the call is not about one symbol
    // Credits of a billed answer; unset: `fixed_credits`.
    std::function<double(const net::HttpResponse&)> credits;
    double fixed_credits = 1;
    // How long a good answer may be reused; zero duration: not cached.
    std::chrono::system_clock::duration cache_for{};
    bool cache_until_close = false; // end-of-day data: reuse until the next close
    // Statuses besides 2xx that are answers for the parser (MarketData's 404 no_data).
    std::vector<int> answer_statuses;
    // A full URL the vendor gave us (pagination links.next) instead of base_url + path + query;
    // must be on the base URL's origin, else the token would leave for another host.
    std::string absolute_url;
};

class LiveVendor {
public:
    using Clock = std::chrono::system_clock;
    // `add_credentials` puts the key on the request (query parameter or header); `day_start`
    // gives the start of the vendor's credit day containing a time (its reset rule).
    LiveVendor(std::string vendor, const config::VendorConfig& config,
               const ProviderServices& services,
               std::function<void(net::HttpRequest&, const std::string& key)> add_credentials,
               std::function<Clock::time_point(Clock::time_point)> day_start,
               net::ApiCallObserver observer);

    // The body of a 2xx (or listed answer) response. DataError for any other status,
    // VendorUnavailable when the vendor cannot be asked, BudgetExhausted when the budget is
    // spent (checked with `expected_credits` before sending).
    std::string get(const VendorRequest& request, double expected_credits = 0);

    const std::string& vendor() const { return m_vendor; }
    const std::string& base_url() const { return m_base_url; }
    double credits_spent() const { return m_channel->credits_spent(); }
    std::optional<double> credits_left() const;
    std::string unavailable_reason() const { return m_channel->unavailable_reason(); }
    std::chrono::system_clock::time_point now() const;

private:
    // What api_calls recorded for this vendor since the start of its credit day, read once.
    double spent_before_run() const;
    // Budget minus what was spent before the run, in it, and is reserved; m_budget_mutex held.
    double remaining(double spent_before) const;

private:
    std::string m_vendor;
    std::string m_base_url;
    std::string m_key;
    double m_budget;
    std::function<double(const std::string&, Clock::time_point)> m_spent_since;
    std::function<Clock::time_point(Clock::time_point)> m_day_start;
    // Read from the store on first use: the store is attached after the providers are built.
    mutable std::once_flag m_spent_once;
    mutable double m_spent_before = 0;
    // Credits promised to requests in flight, so concurrent workers cannot all pass the budget
    // check on the same remainder.
    mutable std::mutex m_budget_mutex;
    mutable double m_reserved = 0;
    std::function<void(net::HttpRequest&, const std::string&)> m_add_credentials;
    std::unique_ptr<net::VendorChannel> m_channel;
};

// Credit days: EODHD counts per UTC day; MarketData.app resets at 09:30 New York time.
std::chrono::system_clock::time_point utc_day_start(std::chrono::system_clock::time_point now);
std::chrono::system_clock::time_point
new_york_0930_start(std::chrono::system_clock::time_point now);

// A Provider backed by one LiveVendor: the accounting every live vendor reports the same way.
class LiveProvider : public Provider {
public:
    double credits_spent() const override { return m_vendor.credits_spent(); }
    std::optional<double> credits_left() const override { return m_vendor.credits_left(); }
    std::string unavailable_reason() const override { return m_vendor.unavailable_reason(); }

protected:
    LiveProvider(
        std::string vendor, const config::Config& config, const config::VendorConfig& vendor_config,
        const ProviderServices& services,
        std::function<void(net::HttpRequest&, const std::string& key)> add_credentials,
        std::function<LiveVendor::Clock::time_point(LiveVendor::Clock::time_point)> day_start)
        : m_vendor(std::move(vendor), vendor_config, services, std::move(add_credentials),
                   std::move(day_start), [this](const ApiCall& call) { report_call(call); }),
          m_chain_ttl(std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::duration<double, std::ratio<3600>>(config.providers.chain_cache_hours))),
          m_cache_history(config.providers.cache_history) {}

    LiveVendor m_vendor;
    std::chrono::system_clock::duration m_chain_ttl; // chains and expirations
    bool m_cache_history;                            // end-of-day data until the next close
};

// The vendor limits of a VendorConfig, as the channel takes them.
net::VendorLimits vendor_limits(const std::string& vendor, const config::VendorConfig& config);

} // namespace screener::providers
