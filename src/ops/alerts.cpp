#include "screener/ops/alerts.hpp"

#include "screener/core/json_text.hpp"
#include "screener/store/sqlite_store.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <optional>
#include <thread>

namespace screener::ops {
namespace {

constexpr std::size_t k_discord_max_content = 2000;

std::string plain_message(const Alert& alert) {
    std::string text = alert.title;
    if (!alert.text.empty()) {
        text += "\n" + alert.text;
    }
    for (const auto& [key, value] : alert.fields) {
        text += fmt::format("\n{}: {}", key, value);
    }
    return text;
}

// Cuts at a UTF-8 character boundary so the JSON stays valid text.
std::string cut_utf8(std::string text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    text.resize(end);
    return text;
}

constexpr double k_max_retry_after_s = 5;

// Seconds to wait from a 429: Slack's Retry-After header, or Discord's retry_after in the body.
std::optional<double> retry_after_seconds(const net::HttpResponse& response) {
    std::string text = response.header("retry-after");
    if (text.empty()) {
        const auto key = response.body.find("\"retry_after\"");
        const auto colon = key == std::string::npos ? key : response.body.find(':', key);
        if (colon != std::string::npos) {
            text = response.body.substr(colon + 1, 32);
        }
    }
    try {
        std::size_t used = 0;
        const double seconds = std::stod(text, &used);
        if (used > 0 && seconds >= 0 && std::isfinite(seconds)) {
            return seconds;
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

bool is_resolved(const std::string& status) {
    return status == "ok";
}

} // namespace

std::string redact_url(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return "***";
    }
    const auto host_end = url.find_first_of("/?#", scheme + 3);
    return std::string(url.substr(0, host_end)) + "/***";
}

std::string webhook_body(const Alert& alert, const std::string& format,
                         std::string_view timestamp) {
    std::string out;
    if (format == "slack") {
        out = "{\"text\":";
        append_json_string(out, plain_message(alert));
        out += "}";
    } else if (format == "discord") {
        // Discord caps content at 2000 characters; keep room for the ellipsis.
        std::string content = plain_message(alert);
        if (content.size() > k_discord_max_content) {
            content = cut_utf8(std::move(content), k_discord_max_content - 3) + "...";
        }
        out = "{\"content\":";
        append_json_string(out, content);
        out += ",\"allowed_mentions\":{\"parse\":[]}}";
    } else {
        out = "{\"source\":\"screener\",\"key\":";
        append_json_string(out, alert.key);
        out += ",\"status\":";
        append_json_string(out, alert.status);
        out += ",\"title\":";
        append_json_string(out, alert.title);
        out += ",\"text\":";
        append_json_string(out, alert.text);
        out += ",\"timestamp\":";
        append_json_string(out, timestamp);
        out += ",\"fields\":{";
        bool first = true;
        for (const auto& [key, value] : alert.fields) {
            out += first ? "" : ",";
            first = false;
            append_json_string(out, key);
            out += ":";
            append_json_string(out, value);
        }
        out += "}}";
    }
    return out;
}

Alerter::Alerter(const config::AlertsConfig& config, net::HttpClient& http, store::Store* store,
                 Logger& logger, std::function<Clock::time_point()> now)
    : m_config(config), m_http(http), m_store(store), m_logger(logger),
      m_now(now ? std::move(now) : [] { return Clock::now(); }) {}

bool Alerter::raise(const Alert& alert) {
    const auto now = m_now();
    std::optional<store::AlertState> previous;
    if (m_store) {
        try {
            previous = m_store->alert_state(alert.key);
        } catch (const std::exception& e) {
            m_logger.warn("alert_state_unreadable", {{"key", alert.key}, {"error", e.what()}});
        }
    }
    Alert to_send = alert;
    if (is_resolved(alert.status)) {
        // Only a change from a problem back to ok is news.
        if (!previous || is_resolved(previous->last_status)) {
            return false;
        }
        to_send.title = alert.title.empty() ? "resolved" : alert.title;
        if (to_send.title.find("resolved") == std::string::npos) {
            to_send.title += " (resolved)";
        }
    }
    if (previous) {
        // Within the cooldown nothing more is sent under the key (a flapping check sends one
        // message); an unchanged status waits for the repeat interval. A held-back change stays
        // pending: the state is not updated, so a later run sends it.
        const bool unchanged = previous->last_status == alert.status;
        const double wait_s = unchanged ? std::max(m_config.cooldown_s, m_config.repeat_interval_s)
                                        : m_config.cooldown_s;
        if (now - previous->last_sent_at < std::chrono::duration<double>(wait_s)) {
            m_logger.debug("alert_held_back", {{"key", alert.key},
                                               {"status", alert.status},
                                               {"last_status", previous->last_status},
                                               {"wait_s", wait_s}});
            return false;
        }
    }
    const bool sent = deliver(to_send);
    // Recorded even when no webhook took it: the cooldown stops a broken webhook from being
    // retried (and logged) every run; the status change is still noticed.
    if (m_store && !m_config.webhooks.empty()) {
        try {
            m_store->set_alert_state(
                {alert.key, alert.status, now, alert.status + ":" + alert.title});
        } catch (const std::exception& e) {
            m_logger.warn("alert_state_unwritable", {{"key", alert.key}, {"error", e.what()}});
        }
    }
    return sent;
}

bool Alerter::notify(const Alert& alert) {
    return deliver(alert);
}

bool Alerter::deliver(const Alert& alert) {
    bool any = false;
    const std::string timestamp = store::format_utc_timestamp(m_now());
    for (const auto& webhook : m_config.webhooks) {
        net::HttpRequest request;
        request.method = "POST";
        request.url = webhook.url;
        if (webhook.format == "discord" && request.url.find("wait=") == std::string::npos) {
            // Without wait=true Discord drops a message it cannot save without an error.
            request.url += request.url.find('?') == std::string::npos ? "?wait=true" : "&wait=true";
        }
        request.headers = {{"Content-Type", "application/json"}};
        request.body = webhook_body(alert, webhook.format, timestamp);
        const auto timeout =
            std::chrono::milliseconds(static_cast<long>(m_config.timeout_s * 1000));
        request.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
        request.total_timeout = timeout;
        try {
            net::HttpResponse response = m_http.send(request);
            if (response.status == 429) {
                // Slack allows about one message a second per webhook, Discord per route:
                // honour the wait once when it is short, then give up.
                if (const auto wait = retry_after_seconds(response);
                    wait && *wait <= k_max_retry_after_s) {
                    std::this_thread::sleep_for(std::chrono::duration<double>(*wait));
                    response = m_http.send(request);
                }
            }
            if (response.status >= 200 && response.status < 300) {
                any = true;
                m_logger.info("alert_sent", {{"key", alert.key},
                                             {"status", alert.status},
                                             {"format", webhook.format},
                                             {"webhook", redact_url(webhook.url)}});
            } else {
                m_logger.warn("alert_delivery_failed",
                              {{"key", alert.key},
                               {"format", webhook.format},
                               {"webhook", redact_url(webhook.url)},
                               {"http_status", response.status},
                               {"error", response.status == 0
                                             ? std::string(net::to_string(response.transport))
                                             : std::string("HTTP error")}});
            }
        } catch (const std::exception& e) {
            m_logger.warn("alert_delivery_failed", {{"key", alert.key},
                                                    {"format", webhook.format},
                                                    {"webhook", redact_url(webhook.url)},
                                                    {"error", e.what()}});
        }
    }
    return any;
}

} // namespace screener::ops
