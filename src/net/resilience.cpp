#include "screener/net/resilience.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <curl/curl.h>
#include <string>

namespace screener::net {

RateLimiter::RateLimiter(double requests_per_second, int burst)
    : m_rate(requests_per_second), m_burst(std::max(1, burst)),
      m_interval(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(requests_per_second > 0 ? 1.0 / requests_per_second
                                                                : 0.0))) {}

SteadyTime RateLimiter::reserve(SteadyTime now) {
    std::lock_guard lock(m_mutex);
    if (m_rate <= 0) {
        return m_tat && *m_tat > now ? *m_tat : now; // unlimited, but pauses still hold
    }
    SteadyTime tat = m_tat ? std::max(*m_tat, now) : now;
    SteadyTime send_at = std::max(now, tat - (m_burst - 1) * m_interval);
    m_tat = std::max(tat, send_at) + m_interval;
    return send_at;
}

void RateLimiter::pause_until(SteadyTime until) {
    std::lock_guard lock(m_mutex);
    if (m_rate <= 0) {
        m_tat = m_tat ? std::max(*m_tat, until) : until;
        return;
    }
    // The next send_at becomes `until` at the earliest, with no burst credit saved up.
    SteadyTime earliest = until + (m_burst - 1) * m_interval;
    m_tat = m_tat ? std::max(*m_tat, earliest) : earliest;
}

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::steady_clock::duration cooldown)
    : m_threshold(std::max(1, failure_threshold)), m_cooldown(cooldown) {}

bool CircuitBreaker::allow(SteadyTime now) {
    std::lock_guard lock(m_mutex);
    switch (m_state) {
    case State::Closed:
        return true;
    case State::Open:
        if (now - m_opened_at < m_cooldown) {
            return false;
        }
        m_state = State::HalfOpen;
        m_probe_in_flight = true;
        return true;
    case State::HalfOpen:
        if (m_probe_in_flight) {
            return false;
        }
        m_probe_in_flight = true;
        return true;
    }
    return false;
}

void CircuitBreaker::record_success() {
    std::lock_guard lock(m_mutex);
    m_state = State::Closed;
    m_failures = 0;
    m_probe_in_flight = false;
}

void CircuitBreaker::record_failure(SteadyTime now) {
    std::lock_guard lock(m_mutex);
    ++m_failures;
    if (m_state == State::HalfOpen || m_failures >= m_threshold) {
        m_state = State::Open;
        m_opened_at = now;
    }
    m_probe_in_flight = false;
}

CircuitBreaker::State CircuitBreaker::state() const {
    std::lock_guard lock(m_mutex);
    return m_state;
}

int CircuitBreaker::consecutive_failures() const {
    std::lock_guard lock(m_mutex);
    return m_failures;
}

const char* to_string(CircuitBreaker::State state) {
    switch (state) {
    case CircuitBreaker::State::Closed:
        return "closed";
    case CircuitBreaker::State::Open:
        return "open";
    case CircuitBreaker::State::HalfOpen:
        return "half-open";
    }
    return "closed";
}

bool is_retryable(const HttpResponse& response) {
    if (response.transport != TransportError::None) {
        return true;
    }
    return response.status == 408 || response.status == 429 || response.status >= 500;
}

bool is_vendor_failure(const HttpResponse& response) {
    return response.transport != TransportError::None || response.status >= 500;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, WallTime now) {
    auto begin = value.find_first_not_of(" \t");
    if (begin == std::string_view::npos) {
        return std::nullopt;
    }
    value = value.substr(begin, value.find_last_not_of(" \t") - begin + 1);
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        long long seconds = 0;
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error != std::errc() || end != value.data() + value.size()) {
            return std::nullopt; // absurdly large
        }
        return std::chrono::milliseconds(std::min<long long>(seconds, 86400LL * 365) * 1000);
    }
    // An HTTP date: IMF-fixdate, or the obsolete RFC 850 and asctime forms; curl_getdate reads
    // all three.
    std::string text(value);
    time_t when = curl_getdate(text.c_str(), nullptr);
    if (when == -1) {
        return std::nullopt;
    }
    auto delta = std::chrono::system_clock::from_time_t(when) - now;
    if (delta <= std::chrono::system_clock::duration::zero()) {
        return std::chrono::milliseconds(0);
    }
    return std::chrono::ceil<std::chrono::milliseconds>(delta);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                        std::mt19937_64& rng) {
    double base = static_cast<double>(policy.base_delay.count());
    double cap = static_cast<double>(policy.max_delay.count());
    double full = std::min(cap, base * std::ldexp(1.0, std::clamp(retry, 1, 40) - 1));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::chrono::milliseconds(static_cast<long long>(std::llround(full * jitter(rng))));
}

} // namespace screener::net
