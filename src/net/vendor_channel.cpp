#include "screener/net/vendor_channel.hpp"

#include <charconv>
#include <fmt/format.h>
#include <thread>

namespace screener::net {

namespace {

std::optional<long long> header_integer(const HttpResponse& response, std::string_view name) {
    std::string value = response.header(name);
    long long number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || error != std::errc()) {
        return std::nullopt;
    }
    return number;
}

bool is_success(int status) {
    return status >= 200 && status < 300;
}

} // namespace

VendorChannel::VendorChannel(VendorLimits limits, HttpClient& http, ResponseCache* cache,
                             ApiCallObserver observer)
    : m_limits(std::move(limits)), m_http(http), m_cache(cache), m_observer(std::move(observer)),
      m_limiter(m_limits.requests_per_second, m_limits.burst),
      m_breaker(m_limits.breaker_failures, m_limits.breaker_cooldown) {}

double VendorChannel::credits_spent() const {
    std::lock_guard lock(m_mutex);
    return m_credits;
}

std::string VendorChannel::unavailable_reason() const {
    {
        std::lock_guard lock(m_mutex);
        if (!m_refused.empty()) {
            return m_refused;
        }
    }
    if (m_breaker.state() != CircuitBreaker::State::Closed) {
        return fmt::format("{}: circuit {} after {} consecutive failures", m_limits.vendor,
                           to_string(m_breaker.state()), m_breaker.consecutive_failures());
    }
    return {};
}

void VendorChannel::acquire_slot() {
    std::unique_lock lock(m_mutex);
    int cap = std::max(1, m_limits.max_in_flight);
    m_slot_freed.wait(lock, [&] { return m_in_flight < cap; });
    ++m_in_flight;
}

void VendorChannel::release_slot() {
    {
        std::lock_guard lock(m_mutex);
        --m_in_flight;
    }
    m_slot_freed.notify_one();
}

void VendorChannel::learn_from_headers(const HttpResponse& response) {
    // MarketData.app: X-Api-Ratelimit-Remaining with X-Api-Ratelimit-Reset (UTC epoch seconds).
    // EODHD: X-Ratelimit-Remaining per minute. When the vendor says the allowance is spent, hold
    // sends until it resets rather than collecting 429s.
    auto remaining = header_integer(response, "x-api-ratelimit-remaining");
    auto reset = header_integer(response, "x-api-ratelimit-reset");
    if (!remaining) {
        remaining = header_integer(response, "x-ratelimit-remaining");
    }
    if (!remaining || *remaining > 0) {
        return;
    }
    auto wait = std::chrono::milliseconds(60000); // EODHD's window is one minute
    if (reset) {
        auto until = std::chrono::system_clock::from_time_t(static_cast<time_t>(*reset));
        wait = std::max(
            std::chrono::milliseconds(0),
            std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::system_clock::now()));
    }
    if (wait > m_limits.retry.max_retry_after) {
        std::lock_guard lock(m_mutex);
        if (m_refused.empty()) {
            m_refused = fmt::format("{}: allowance spent until the vendor's reset in {} s",
                                    m_limits.vendor, wait.count() / 1000);
        }
        return;
    }
    m_limiter.pause_until(std::chrono::steady_clock::now() + wait);
}

void VendorChannel::report(const Fetch& fetch, const HttpResponse& response, double credits,
                           bool cache_hit) {
    if (!m_observer) {
        return;
    }
    ApiCall call;
    call.provider = m_limits.vendor;
    call.endpoint = fetch.endpoint;
    call.symbol = fetch.symbol;
    call.status = response.status;
    call.duration_ms = response.seconds * 1000.0;
    call.bytes = cache_hit ? static_cast<std::int64_t>(response.body.size()) : response.wire_bytes;
    call.credits = credits;
    call.cache_hit = cache_hit;
    m_observer(call);
}

FetchResult VendorChannel::fetch(const Fetch& fetch) {
    FetchResult result;
    if (m_cache != nullptr && !fetch.cache_key.empty()) {
        if (auto body = m_cache->get(fetch.cache_key, std::chrono::system_clock::now())) {
            result.from_cache = true;
            result.response.status = 200;
            result.response.body = std::move(*body);
            ++m_cache_hits;
            report(fetch, result.response, 0, true);
            return result;
        }
    }

    HttpRequest request = fetch.request;
    request.connect_timeout = m_limits.connect_timeout;
    request.total_timeout = m_limits.total_timeout;
    const int max_attempts = std::max(1, m_limits.retry.max_attempts);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        {
            std::lock_guard lock(m_mutex);
            if (!m_refused.empty()) {
                throw VendorUnavailable(m_refused);
            }
        }
        if (!m_breaker.allow(std::chrono::steady_clock::now())) {
            throw VendorUnavailable(unavailable_reason());
        }
        acquire_slot();
        std::this_thread::sleep_until(m_limiter.reserve(std::chrono::steady_clock::now()));
        HttpResponse response = m_http.send(request);
        release_slot();
        ++m_calls;
        result.attempts = attempt;

        learn_from_headers(response);
        double credits = 0;
        if (response.transport == TransportError::None && is_success(response.status) &&
            fetch.credits) {
            credits = fetch.credits(response);
        }
        {
            std::lock_guard lock(m_mutex);
            m_credits += credits;
        }
        result.credits += credits;
        report(fetch, response, credits, false);

        if (response.status == 401 || response.status == 403) {
            m_breaker.record_success(); // the vendor is up; it refuses us
            std::string reason = fmt::format("{} refused the credentials (HTTP {}) at {}",
                                             m_limits.vendor, response.status, fetch.endpoint);
            {
                std::lock_guard lock(m_mutex);
                if (m_refused.empty()) {
                    m_refused = reason;
                }
            }
            throw VendorUnavailable(reason);
        }
        if (is_vendor_failure(response)) {
            m_breaker.record_failure(std::chrono::steady_clock::now());
        } else {
            m_breaker.record_success();
        }

        bool retry = is_retryable(response) && attempt < max_attempts;
        std::chrono::milliseconds delay{0};
        if (retry) {
            {
                std::lock_guard lock(m_mutex);
                delay = backoff_delay(m_limits.retry, attempt, m_rng);
            }
            std::string retry_after = response.header("retry-after");
            if (!retry_after.empty()) {
                if (auto wait = parse_retry_after(retry_after, std::chrono::system_clock::now())) {
                    if (*wait > m_limits.retry.max_retry_after) {
                        retry = false; // not worth holding the run for
                    } else {
                        delay = *wait;
                        if (response.status == 429) {
                            // The vendor's limit is shared by every worker: all of them wait.
                            m_limiter.pause_until(std::chrono::steady_clock::now() + *wait);
                        }
                    }
                }
            }
        }
        if (!retry) {
            bool cacheable = is_success(response.status) ||
                             (fetch.cacheable && response.transport == TransportError::None &&
                              fetch.cacheable(response));
            if (m_cache != nullptr && !fetch.cache_key.empty() && cacheable &&
                response.transport == TransportError::None) {
                m_cache->put(fetch.cache_key, response.body, std::chrono::system_clock::now(),
                             fetch.cache_until);
            }
            result.response = std::move(response);
            return result;
        }
        std::this_thread::sleep_for(delay);
    }
    return result; // not reached: the last attempt never retries
}

} // namespace screener::net
