#pragma once
// VendorChannel: the one path every request to one vendor takes.
//
//   cache lookup -> circuit breaker -> concurrency slot -> rate limiter -> HttpClient::send
//     -> retry (backoff + jitter, Retry-After) on connection errors, 408, 429, 5xx
//     -> rate-limit headers fed back -> response cached -> every attempt reported as an ApiCall
//
// Thread-safe: the pipeline's workers share one channel per vendor, so `max_in_flight` and the
// rate hold for the whole run. The URL may carry the vendor's token; it never leaves this class
// unredacted (cache keys, ApiCall endpoints and error messages use templates or redacted text).

#include "screener/core/types.hpp"
#include "screener/net/http_client.hpp"
#include "screener/net/resilience.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace screener::net {

// Raw response bodies kept between runs (the store's http_cache table) so a same-day rerun spends
// no credits. Keys never contain credentials.
class ResponseCache {
public:
    virtual ~ResponseCache() = default;
    virtual std::optional<std::string> get(const std::string& key, WallTime now) = 0;
    virtual void put(const std::string& key, const std::string& body, WallTime fetched,
                     WallTime expires) = 0;
};

using ApiCallObserver = std::function<void(const ApiCall&)>;

struct VendorLimits {
    std::string vendor;              // "eodhd", "marketdata": names the ApiCall rows
    double requests_per_second = 10; // <= 0: no rate limit
    int burst = 1;
    int max_in_flight = 4;
    RetryPolicy retry;
    int breaker_failures = 5;
    std::chrono::milliseconds breaker_cooldown{60000};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{30000};
};

struct Fetch {
    HttpRequest request;
    std::string endpoint; // template for api_calls/logs, e.g. "/v1/options/chain/{symbol}/"
    std::string symbol;   // "" for calls not about one symbol
    // Credits an answer costs; called for responses the vendor bills (2xx); 0 when unset.
    std::function<double(const HttpResponse&)> credits;
    // Cache: a key (no credentials) and how long a good answer stays valid; no key, no caching.
    std::string cache_key;
    WallTime cache_until{};
    // Statuses that are answers worth caching besides 2xx (MarketData's 404 no_data).
    std::function<bool(const HttpResponse&)> cacheable;
};

struct FetchResult {
    HttpResponse response; // the last attempt's response (status 200 with the body on a cache hit)
    bool from_cache = false;
    int attempts = 0;
    double credits = 0;
};

// The vendor cannot be asked at all: its circuit is open, or it refused our credentials.
class VendorUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class VendorChannel {
public:
    VendorChannel(VendorLimits limits, HttpClient& http, ResponseCache* cache = nullptr,
                  ApiCallObserver observer = {});

    // Returns the final response (after retries), which may still be an HTTP error for the
    // caller to judge (404, 400, a 5xx that outlasted the retries). Throws VendorUnavailable when
    // the circuit is open or an earlier answer was 401/403.
    FetchResult fetch(const Fetch& fetch);

    double credits_spent() const;
    long long calls_made() const { return m_calls.load(); }
    long long cache_hits() const { return m_cache_hits.load(); }
    CircuitBreaker::State circuit_state() const { return m_breaker.state(); }
    // Why the channel refuses to send ("" while it does): circuit open, credentials refused.
    std::string unavailable_reason() const;

private:
    void acquire_slot();
    void release_slot();
    void learn_from_headers(const HttpResponse& response);
    void report(const Fetch& fetch, const HttpResponse& response, double credits, bool cache_hit);

    VendorLimits m_limits;
    HttpClient& m_http;
    ResponseCache* m_cache;
    ApiCallObserver m_observer;
    RateLimiter m_limiter;
    CircuitBreaker m_breaker;

    mutable std::mutex m_mutex;
    std::condition_variable m_slot_freed;
    int m_in_flight = 0;
    double m_credits = 0;
    std::string m_refused;                         // set on 401/403
    std::mt19937_64 m_rng{std::random_device{}()}; // jitter differs between runs and hosts
    std::atomic<long long> m_calls{0};
    std::atomic<long long> m_cache_hits{0};
};

} // namespace screener::net
