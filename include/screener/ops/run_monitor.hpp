#pragma once
// What happens around a command's pass, in one place for every subcommand: the cron-monitor
// start ping, then at the end alerts (with cooldown), the scan summary webhook, the metrics
// textfile and the final ping. Every step is best effort: failures are logged, never thrown,
// and never change the exit code.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/alerts.hpp"
#include "screener/ops/health.hpp"
#include "screener/ops/log.hpp"
#include "screener/ops/pings.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace screener::ops {

// A finished scan as the monitor needs it (a plain copy of the pipeline's report).
struct ScanSummary {
    std::string profile;
    std::int64_t run_id = 0; // 0: nothing stored
    int exit_code = 0;
    std::string status; // ok | degraded | failed
    int symbols_total = 0, symbols_screened = 0, symbols_failed = 0, opportunities = 0;
    int errors = 0;
    double duration_s = 0;
    double cost_usd = 0;
    std::string message;            // why not ok
    std::vector<std::string> notes; // e.g. why fetching stopped early, vendor failovers
};

class RunMonitor {
public:
    using Clock = std::chrono::system_clock;
    // `budgets`: the daily credit pools to report "budget reached" for after a scan.
    RunMonitor(const config::Config& config, std::string command, std::string profile,
               Logger& logger, net::HttpClient& http, std::vector<BudgetPool> budgets = {},
               std::function<Clock::time_point()> now = {});

    void start();
    void finish_scan(const ScanSummary& scan);
    void finish_health(const HealthReport& report, double duration_s);
    // The pass ended in an exception (lock held, database unwritable, bad config...).
    void finish_error(int exit_code, const std::string& message, double duration_s);

private:
    std::unique_ptr<store::Store> open_store();
    void ping_end(int exit_code);

    const config::Config& m_config;
    std::string m_command, m_profile;
    Logger& m_logger;
    net::HttpClient& m_http;
    std::vector<BudgetPool> m_budgets;
    std::function<Clock::time_point()> m_now;
    CronPinger m_pinger;
};

} // namespace screener::ops
