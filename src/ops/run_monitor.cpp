#include "screener/ops/run_monitor.hpp"

#include "screener/ops/metrics.hpp"
#include "screener/store/sqlite_store.hpp"

#include <fmt/format.h>

namespace screener::ops {
namespace {

double unix_time(std::chrono::system_clock::time_point time) {
    return std::chrono::duration<double>(time.time_since_epoch()).count();
}

// The finish time of the newest ok/degraded run of `command` and `profile` in the store.
std::optional<double> stored_last_success(store::Store* store, const std::string& command,
                                          const std::string& profile, Logger& logger) {
    if (!store) {
        return std::nullopt;
    }
    try {
        const auto run = store->latest_successful_run(command, profile);
        if (run && run->finished_at) {
            if (const auto time = store::parse_utc_timestamp(*run->finished_at)) {
                return unix_time(*time);
            }
        }
    } catch (const std::exception& e) {
        logger.warn("run_stats_unreadable", {{"error", e.what()}});
    }
    return std::nullopt;
}

std::string money(double usd) {
    return fmt::format("${:.2f}", usd);
}

} // namespace

RunMonitor::RunMonitor(const config::Config& config, std::string command, std::string profile,
                       Logger& logger, net::HttpClient& http, std::vector<BudgetPool> budgets,
                       std::function<Clock::time_point()> now)
    : m_config(config), m_command(std::move(command)), m_profile(std::move(profile)),
      m_logger(logger), m_http(http), m_budgets(std::move(budgets)),
      m_now(now ? std::move(now) : [] { return Clock::now(); }),
      m_pinger(config.pings, m_command, http, logger) {
    if (m_pinger.enabled()) {
        m_logger.keep_recent(static_cast<std::size_t>(config.pings.log_lines));
    }
}

void RunMonitor::start() {
    m_pinger.start();
}

std::unique_ptr<store::Store> RunMonitor::open_store() {
    std::error_code ec;
    if (!std::filesystem::exists(m_config.database, ec)) {
        return nullptr; // never create a database just to keep alert state
    }
    try {
        return store::open_sqlite_store(m_config.database);
    } catch (const std::exception& e) {
        m_logger.warn("alert_state_unavailable", {{"error", e.what()}});
        return nullptr;
    }
}

void RunMonitor::ping_end(int exit_code) {
    m_pinger.finish(exit_code, m_logger.recent_lines());
}

void RunMonitor::finish_scan(const ScanSummary& scan) {
    auto store = open_store();
    Alerter alerter(m_config.alerts, m_http, store.get(), m_logger, m_now);
    const std::string key = fmt::format("{}:{}", m_command, scan.profile);
    const std::string title = fmt::format("screener {} {} {}", m_command, scan.profile,
                                          scan.status == "ok" ? "ok" : scan.status);
    std::string text = scan.message;
    for (const auto& note : scan.notes) {
        text += (text.empty() ? "" : "\n") + note;
    }
    Alert status_alert{key, scan.status, title, text, {}};
    alerter.raise(status_alert);

    int ai_analyses = 0;
    std::vector<store::ApiCallStats> vendors;
    if (store && scan.run_id > 0) {
        try {
            ai_analyses = store->ai_analyses(scan.run_id);
            vendors = store->api_call_stats(scan.run_id);
        } catch (const std::exception& e) {
            m_logger.warn("run_stats_unreadable", {{"error", e.what()}});
        }
    }
    // Budget reached: one alert per pool, with its own cooldown; resolved the next credit day.
    if (store) {
        for (const auto& pool : m_budgets) {
            if (pool.daily_credit_budget <= 0) {
                continue;
            }
            try {
                const double spent = store->credits_spent(pool.name, pool.day_start);
                const bool reached = spent >= pool.daily_credit_budget;
                alerter.raise(
                    {"budget:" + pool.name,
                     reached ? "warning" : "ok",
                     fmt::format("screener budget {} {}", pool.name,
                                 reached ? "reached" : "available"),
                     fmt::format("{} of {} credits spent today", spent, pool.daily_credit_budget),
                     {}});
            } catch (const std::exception& e) {
                m_logger.warn("budget_unreadable", {{"pool", pool.name}, {"error", e.what()}});
            }
        }
    }
    if (m_config.alerts.scan_summary) {
        Alert summary{key + ":summary",
                      "info",
                      fmt::format("screener {} {}: {} opportunities from {} symbols", m_command,
                                  scan.profile, scan.opportunities, scan.symbols_screened),
                      scan.message,
                      {{"status", scan.status},
                       {"symbols_screened", std::to_string(scan.symbols_screened)},
                       {"symbols_failed", std::to_string(scan.symbols_failed)},
                       {"opportunities", std::to_string(scan.opportunities)},
                       {"ai_analyses", std::to_string(ai_analyses)},
                       {"cost", money(scan.cost_usd)},
                       {"duration", fmt::format("{:.1f}s", scan.duration_s)},
                       {"errors", std::to_string(scan.errors)}}};
        alerter.notify(summary);
    }

    RunMetrics metrics;
    metrics.command = m_command;
    metrics.profile = scan.profile;
    metrics.finished_unix = unix_time(m_now());
    metrics.duration_s = scan.duration_s;
    metrics.exit_code = scan.exit_code;
    metrics.symbols_screened = scan.symbols_screened;
    metrics.symbols_failed = scan.symbols_failed;
    metrics.opportunities = scan.opportunities;
    metrics.errors = scan.errors;
    metrics.ai_analyses = ai_analyses;
    metrics.cost_usd = scan.cost_usd;
    metrics.vendors = std::move(vendors);
    if (scan.exit_code >= 2) {
        metrics.stored_last_success_unix =
            stored_last_success(store.get(), m_command, scan.profile, m_logger);
    }
    update_metrics_textfile(m_config.metrics.textfile, metrics, m_logger);
    ping_end(scan.exit_code);
}

void RunMonitor::finish_health(const HealthReport& report, double duration_s) {
    auto store = open_store();
    Alerter alerter(m_config.alerts, m_http, store.get(), m_logger, m_now);
    std::string problems;
    for (const auto& check : report.checks) {
        if (check.status != HealthStatus::Ok) {
            problems += fmt::format("{}{}: {}", problems.empty() ? "" : "\n",
                                    status_name(check.status), check.summary);
        }
    }
    // Unknown (could not judge) is not paged; warning and critical are, and ok resolves.
    if (report.status != HealthStatus::Unknown) {
        alerter.raise({"health",
                       status_label(report.status),
                       fmt::format("screener health {}", status_name(report.status)),
                       problems,
                       {}});
    }
    RunMetrics metrics;
    metrics.command = m_command;
    metrics.profile = m_profile;
    metrics.finished_unix = unix_time(m_now());
    metrics.duration_s = duration_s;
    metrics.exit_code = static_cast<int>(report.status);
    for (const auto& check : report.checks) {
        metrics.checks.emplace_back(check.name, static_cast<int>(check.status));
    }
    update_metrics_textfile(m_config.metrics.textfile, metrics, m_logger);
    ping_end(static_cast<int>(report.status));
}

void RunMonitor::finish_error(int exit_code, const std::string& message, double duration_s) {
    auto store = open_store();
    Alerter alerter(m_config.alerts, m_http, store.get(), m_logger, m_now);
    if (exit_code >= 2 || m_command != "health") {
        alerter.raise({fmt::format("{}:{}", m_command, m_profile),
                       exit_code >= 2 ? "failed" : "unknown",
                       fmt::format("screener {} {} failed", m_command, m_profile),
                       message,
                       {}});
    }
    RunMetrics metrics;
    metrics.command = m_command;
    metrics.profile = m_profile;
    metrics.finished_unix = unix_time(m_now());
    metrics.duration_s = duration_s;
    metrics.exit_code = exit_code;
    metrics.stored_last_success_unix =
        stored_last_success(store.get(), m_command, m_profile, m_logger);
    update_metrics_textfile(m_config.metrics.textfile, metrics, m_logger);
    ping_end(exit_code);
}

} // namespace screener::ops
