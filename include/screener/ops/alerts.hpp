#pragma once
// Alerts to webhooks (Slack {"text"}, Discord {"content"}, or a generic JSON document). What was
// last sent per key is kept in the store's alert_state table, so it holds across runs of a
// stateless binary: nothing more is sent under a key within alerts.cooldown_s of the last send;
// after it, a change of status is sent, an unchanged status only once alerts.repeat_interval_s
// has passed, and a return to ok sends one "resolved" message. A failed delivery is logged and
// never fails the run.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/log.hpp"
#include "screener/store/store.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace screener::ops {

struct Alert {
    std::string key;    // what the cooldown is per: "health", "scan:daily", "budget:eodhd"
    std::string status; // "ok" (resolves), "warning", "critical", "degraded", "failed", "info"
    std::string title;  // one line, e.g. "screener scan daily degraded"
    std::string text;   // the body, a few lines
    std::vector<std::pair<std::string, std::string>> fields; // also sent in the JSON format
};

// The webhook body for `format` (slack | discord | json). Discord's content is cut to its 2000
// characters; mentions are disabled so a symbol like @here never pings anyone.
std::string webhook_body(const Alert& alert, const std::string& format, std::string_view timestamp);

// A URL as it may appear in a log: scheme and host only ("https://hooks.slack.com/***").
std::string redact_url(std::string_view url);

class Alerter {
public:
    using Clock = std::chrono::system_clock;
    // `store` may be null (no database): then every alert is sent, without cooldown.
    Alerter(const config::AlertsConfig& config, net::HttpClient& http, store::Store* store,
            Logger& logger, std::function<Clock::time_point()> now = {});

    // Sends `alert` unless the cooldown holds it back (see the file comment); returns whether
    // it was sent to at least one webhook. Never throws.
    bool raise(const Alert& alert);
    // Sends without cooldown (scan summaries). Returns whether one webhook took it.
    bool notify(const Alert& alert);

private:
    bool deliver(const Alert& alert);

    const config::AlertsConfig& m_config;
    net::HttpClient& m_http;
    store::Store* m_store;
    Logger& m_logger;
    std::function<Clock::time_point()> m_now;
};

} // namespace screener::ops
