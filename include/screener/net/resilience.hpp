#pragma once
// The pieces that keep a run polite to a vendor and alive through its faults: a token-bucket
// rate limiter, a circuit breaker and the retry policy. Each is plain logic over explicit time
// points, so unit tests drive them without sleeping; VendorChannel (vendor_channel.hpp) wires
// them together around an HttpClient.

#include "screener/net/http_client.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <random>

namespace screener::net {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// Token bucket in its scheduling form (GCRA): each reserve() returns the time the caller may
// send. At most `burst` requests go at once, then one per 1/rate seconds, so any window of W
// seconds holds at most burst + W * rate sends. Thread-safe.
class RateLimiter {
public:
    RateLimiter(double requests_per_second, int burst);
    SteadyTime reserve(SteadyTime now);
    // Holds every send until `until` (a 429's Retry-After, or the vendor saying its remaining
    // allowance is spent until a reset time).
    void pause_until(SteadyTime until);
    double rate() const { return m_rate; }

private:
    std::mutex m_mutex;
    double m_rate;
    int m_burst;
    std::chrono::steady_clock::duration m_interval;
    std::optional<SteadyTime> m_tat; // theoretical arrival time of the next request
};

// Opens after `failure_threshold` consecutive failures; after `cooldown` lets one probe through
// (half-open): its success closes the circuit, its failure opens it again. Thread-safe.
class CircuitBreaker {
public:
    enum class State { Closed, Open, HalfOpen };
    CircuitBreaker(int failure_threshold, std::chrono::steady_clock::duration cooldown);
    // May a request go now? In half-open only the one probe may.
    bool allow(SteadyTime now);
    void record_success();
    void record_failure(SteadyTime now);
    State state() const;
    int consecutive_failures() const;

private:
    mutable std::mutex m_mutex;
    int m_threshold;
    std::chrono::steady_clock::duration m_cooldown;
    State m_state = State::Closed;
    int m_failures = 0;
    SteadyTime m_opened_at{};
    bool m_probe_in_flight = false;
};

const char* to_string(CircuitBreaker::State state);

struct RetryPolicy {
    int max_attempts = 4; // first try included
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{30000};
    // A Retry-After longer than this is not waited for: the attempt fails now.
    std::chrono::milliseconds max_retry_after{120000};
};

// Connection errors, timeouts, resets, 408, 429 and 5xx are worth another attempt; other
// statuses (4xx: auth, bad request, not found) are answers.
bool is_retryable(const HttpResponse& response);
// A failure the circuit breaker counts: the vendor is down or broken (transport errors, 5xx),
// not a rate limit or an answer about the request.
bool is_vendor_failure(const HttpResponse& response);
// Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3); also MarketData's
// X-Api-Ratelimit-Reset is handled by the channel. nullopt when absent or unparsable; a date in
// the past is zero.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, WallTime now);
// Exponential backoff with jitter for attempt n (1 = the first retry): a uniform draw in
// [d/2, d] with d = min(max_delay, base_delay * 2^(n-1)).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, std::mt19937_64& rng);

} // namespace screener::net
