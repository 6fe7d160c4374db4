#include "live_vendor.hpp"

#include "screener/core/calendar.hpp"
#include "screener/core/error.hpp"
#include "screener/providers/vendor_json.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace screener::providers {

std::string url_encode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        }
    }
    return out;
}

std::string query_string(const QueryParams& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out += key;
        out.push_back('=');
        out += url_encode(value);
    }
    return out;
}

std::chrono::system_clock::time_point next_market_close(std::chrono::system_clock::time_point now) {
    const auto now_unix =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    Date day = new_york_date(now_unix);
    if (!is_trading_day(day) || market_close_unix(day) <= now_unix) {
        day = next_trading_day(day);
    }
    return std::chrono::system_clock::time_point(std::chrono::seconds(market_close_unix(day)));
}

net::VendorLimits vendor_limits(const std::string& vendor, const config::VendorConfig& config) {
    using std::chrono::milliseconds;
    auto ms = [](double value) { return milliseconds(static_cast<long long>(value)); };
    net::VendorLimits limits;
    limits.vendor = vendor;
    limits.requests_per_second = config.requests_per_minute / 60.0;
    limits.burst = config.burst;
    limits.max_in_flight = config.max_in_flight;
    limits.retry.max_attempts = config.max_attempts;
    limits.retry.base_delay = ms(config.retry_base_ms);
    limits.retry.max_delay = ms(config.retry_max_ms);
    limits.retry.max_retry_after = ms(config.max_retry_after_s * 1000);
    limits.breaker_failures = config.breaker_failures;
    limits.breaker_cooldown = ms(config.breaker_cooldown_s * 1000);
    limits.connect_timeout = ms(config.connect_timeout_s * 1000);
    limits.total_timeout = ms(config.timeout_s * 1000);
    return limits;
}

LiveVendor::LiveVendor(std::string vendor, const config::VendorConfig& config,
                       const ProviderServices& services,
                       std::function<void(net::HttpRequest&, const std::string&)> add_credentials,
                       std::function<Clock::time_point(Clock::time_point)> day_start,
                       net::ApiCallObserver observer)
    : m_vendor(std::move(vendor)), m_base_url(config.base_url), m_key(config.api_key),
      m_budget(config.daily_credit_budget), m_spent_since(services.spent_since),
      m_day_start(std::move(day_start)), m_add_credentials(std::move(add_credentials)) {
    if (services.http == nullptr) {
        throw ConfigError(fmt::format("provider '{}' needs network access, which this command "
                                      "does not set up",
                                      m_vendor));
    }
    if (m_key.empty()) {
        throw ConfigError(fmt::format("providers.{}: no API key (set the environment variable "
                                      "named in providers.{}.api_key, or api_key_file)",
                                      m_vendor, m_vendor));
    }
    m_channel = std::make_unique<net::VendorChannel>(
        vendor_limits(m_vendor, config), *services.http, services.cache, std::move(observer));
}

std::chrono::system_clock::time_point LiveVendor::now() const {
    return std::chrono::system_clock::now();
}

double LiveVendor::spent_before_run() const {
    std::call_once(m_spent_once, [&] {
        m_spent_before = m_spent_since ? m_spent_since(m_vendor, m_day_start(now())) : 0.0;
    });
    return m_spent_before;
}

std::optional<double> LiveVendor::credits_left() const {
    if (m_budget <= 0) {
        return std::nullopt;
    }
    const double before = spent_before_run();
    std::lock_guard lock(m_budget_mutex);
    return remaining(before);
}

double LiveVendor::remaining(double spent_before) const {
    return std::max(0.0, m_budget - spent_before - m_channel->credits_spent() - m_reserved);
}

std::chrono::system_clock::time_point utc_day_start(std::chrono::system_clock::time_point now) {
    return std::chrono::floor<std::chrono::days>(now);
}

std::chrono::system_clock::time_point
new_york_0930_start(std::chrono::system_clock::time_point now) {
    const auto now_unix =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    Date day = new_york_date(now_unix);
    std::int64_t start = new_york_to_unix(day, 9, 30);
    if (start > now_unix) {
        start = new_york_to_unix(add_days(day, -1), 9, 30);
    }
    return std::chrono::system_clock::time_point(std::chrono::seconds(start));
}

namespace {

// "scheme://host[:port]" of a URL.
std::string origin_of(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return {};
    }
    const auto path = url.find('/', scheme + 3);
    return url.substr(0, path);
}

// The URL without the query parameters named in `names` (a vendor's next-page link may echo
// the token back; it must not reach the cache key, and add_credentials adds it again).
std::string without_params(const std::string& url, std::initializer_list<std::string_view> names) {
    const auto question = url.find('?');
    if (question == std::string::npos) {
        return url;
    }
    std::string out = url.substr(0, question);
    std::string_view query(url);
    query.remove_prefix(question + 1);
    char separator = '?';
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        const std::string_view key = item.substr(0, item.find('='));
        if (!item.empty() && std::find(names.begin(), names.end(), key) == names.end()) {
            out.push_back(separator);
            out.append(item);
            separator = '&';
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return out;
}

} // namespace

std::string LiveVendor::get(const VendorRequest& request, double expected_credits) {
    // Check and reserve in one step, so concurrent workers cannot all pass on one remainder;
    // the reservation is released when the call has been billed.
    double reserved = 0;
    if (m_budget > 0) {
        const double before = spent_before_run();
        std::lock_guard lock(m_budget_mutex);
        const double left = remaining(before);
        if (expected_credits > left) {
            throw BudgetExhausted(fmt::format("{}: daily credit budget {:.0f} would be exceeded "
                                              "({:.0f} left, next call needs about {:.0f})",
                                              m_vendor, m_budget, left, expected_credits));
        }
        reserved = expected_credits;
        m_reserved += reserved;
    }
    struct Release {
        const LiveVendor& vendor;
        double amount;
        ~Release() {
            std::lock_guard lock(vendor.m_budget_mutex);
            vendor.m_reserved -= amount;
        }
    } release{*this, reserved};
    const std::string context =
        request.symbol.empty()
            ? fmt::format("{} {}", m_vendor, request.endpoint)
            : fmt::format("{} {} {}", m_vendor, request.endpoint, request.symbol);
    net::Fetch fetch;
    std::string cache_url; // the URL without credentials: the cache key
    if (!request.absolute_url.empty()) {
        if (origin_of(request.absolute_url) != origin_of(m_base_url)) {
            throw DataError(
                fmt::format("{}: the vendor's next-page link points to another host "
                            "({}); not followed",
                            context, vendor_json::sanitize(origin_of(request.absolute_url), 80)));
        }
        cache_url = without_params(request.absolute_url, {"api_token", "fmt"});
    } else {
        cache_url = m_base_url + request.path;
        const std::string query = query_string(request.query);
        if (!query.empty()) {
            cache_url += "?" + query;
        }
    }
    fetch.request.url = cache_url;
    m_add_credentials(fetch.request, m_key);
    fetch.endpoint = request.endpoint;
    fetch.symbol = request.symbol;
    if (request.credits) {
        fetch.credits = request.credits;
    } else {
        const double fixed = request.fixed_credits;
        fetch.credits = [fixed](const net::HttpResponse&) { return fixed; };
    }
    const auto now = this->now();
    if (request.cache_until_close) {
        fetch.cache_key = m_vendor + " " + cache_url;
        fetch.cache_until = next_market_close(now);
    } else if (request.cache_for > std::chrono::system_clock::duration::zero()) {
        fetch.cache_key = m_vendor + " " + cache_url;
        fetch.cache_until = now + request.cache_for;
    }
    const std::vector<int> answers = request.answer_statuses;
    if (!answers.empty()) {
        fetch.cacheable = [answers](const net::HttpResponse& response) {
            return std::find(answers.begin(), answers.end(), response.status) != answers.end();
        };
    }

    net::FetchResult result = m_channel->fetch(fetch);
    net::HttpResponse& response = result.response;
    if (response.transport != net::TransportError::None) {
        throw DataError(fmt::format("{}: {} after {} attempt(s): {}", context,
                                    net::to_string(response.transport), result.attempts,
                                    response.transport_message));
    }
    const bool success = response.status >= 200 && response.status < 300;
    const bool answer = std::find(answers.begin(), answers.end(), response.status) != answers.end();
    if (!success && !answer) {
        const std::string message = fmt::format(
            "{}: HTTP {} after {} attempt(s): {}", context, response.status, result.attempts,
            response.body.empty() ? std::string("(empty body)")
                                  : vendor_json::sanitize(response.body, 160));
        if (response.status == 404) {
            throw NotFoundError(message);
        }
        throw DataError(message);
    }
    return std::move(response.body);
}

} // namespace screener::providers
