#pragma once
// `screener health`: each check measures one thing and judges it against the configured
// thresholds; the report's status is the worst check's. Rendered as a monitoring-plugin line
// ("SCREENER WARNING - disk 91% on /var/lib/screener | cpu=12%;80;95;0;100 ...", the
// monitoring-plugins guidelines) or as JSON. Nothing here prints: the CLI writes what these return.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace screener::ops {

// Plugin states; the numeric value is the exit code.
enum class HealthStatus { Ok = 0, Warning = 1, Critical = 2, Unknown = 3 };

const char* status_name(HealthStatus status);  // "OK", "WARNING", "CRITICAL", "UNKNOWN"
const char* status_label(HealthStatus status); // "ok", "warning", "critical", "unknown"
// The worse of two: Critical > Warning > Unknown > Ok, the order of monitoring-plugins'
// max_state_alt (an unknown check does not hide a warning or a critical one).
HealthStatus worse(HealthStatus a, HealthStatus b);
// Warning at or above `warning`, critical at or above `critical`.
HealthStatus judge(double value, double warning, double critical);

// One perfdata item: 'label'=value[UOM];[warn];[crit];[min];[max]. An unknown value prints "U".
struct PerfValue {
    std::string label;
    std::optional<double> value;
    std::string uom; // "", "%", "s", "ms", "B", "c"
    std::optional<double> warning, critical, min, max;
};

// "label=12%;80;95;0;100" in the C locale; labels with spaces, '=' or quotes are quoted, a quote
// doubled.
std::string format_perfdata(const PerfValue& perf);

struct CheckResult {
    std::string name; // "cpu", "memory", "load", "database", "disk_data", "vendor_eodhd", ...
    HealthStatus status = HealthStatus::Ok;
    std::string summary; // short, for the plugin line: "disk 91% on /var/lib/screener"
    std::vector<PerfValue> perfdata;
    // Further facts for -v and JSON; numbers are kept as numbers in JSON.
    std::vector<std::pair<std::string, std::string>> details;
    std::vector<std::pair<std::string, double>> values;
};

struct HealthReport {
    HealthStatus status = HealthStatus::Ok;
    std::string timestamp; // RFC 3339 UTC
    std::vector<CheckResult> checks;
};

// --- system ------------------------------------------------------------------------------------
// `proc_root` is /proc in production; tests point it at a directory holding their own stat,
// meminfo and loadavg files.
struct CpuTimes {
    std::uint64_t idle = 0;  // idle + iowait jiffies
    std::uint64_t total = 0; // all jiffies of the "cpu" line
    int cpus = 0;            // "cpuN" lines
};
std::optional<CpuTimes> read_cpu_times(const std::filesystem::path& proc_root);
// CPU busy % over `interval` (two reads of <proc_root>/stat).
CheckResult check_cpu(const std::filesystem::path& proc_root, std::chrono::milliseconds interval,
                      const config::HealthConfig& thresholds);
// Used memory % = 1 - MemAvailable / MemTotal.
CheckResult check_memory(const std::filesystem::path& proc_root,
                         const config::HealthConfig& thresholds);
// 1-minute load per CPU.
CheckResult check_load(const std::filesystem::path& proc_root,
                       const config::HealthConfig& thresholds);
// Used % of the filesystem holding `path` (statvfs; blocks reserved for root count as used).
// A missing directory is measured at its nearest existing parent.
CheckResult check_disk(const std::string& name, const std::filesystem::path& path,
                       const config::HealthConfig& thresholds);

// --- data ----------------------------------------------------------------------------------------
// Opens, quick_check, schema version against `latest_version`, age of the last successful scan
// (non-trading days in New York do not count) against last_scan_{warning,critical}_hours.
CheckResult check_database(const store::DatabaseInspection& db, int latest_version,
                           std::chrono::system_clock::time_point now,
                           const config::HealthConfig& thresholds);
CheckResult check_cache(const store::DatabaseInspection& db);
// Newest screener-backup-*.tar.gz in `dir` (by the timestamp in its name, else its mtime):
// older than max_age_hours -> warning; none, or a missing directory -> critical.
CheckResult check_backup_age(const std::filesystem::path& dir, double max_age_hours,
                             std::chrono::system_clock::time_point now);

// --- vendors
// --------------------------------------------------------------------------------------- One daily
// credit pool of a vendor (EODHD has two: its API and its marketplace).
struct BudgetPool {
    std::string name;               // the api_calls provider name, e.g. "eodhd_marketplace"
    double daily_credit_budget = 0; // 0: none
    std::chrono::system_clock::time_point day_start; // start of the vendor's current credit day
};

// A live vendor the config routes data to, and how to ask it cheaply whether it answers.
struct VendorProbe {
    std::string vendor;
    bool has_key = false;
    net::HttpRequest request; // carries the credentials; never logged
    std::vector<BudgetPool> budgets;
};

// Sends the probe once: 2xx -> ok (warning/critical by response time), 401/403 -> critical
// (credentials refused), 429 -> warning (rate limit or credits), other status or no answer ->
// critical.
CheckResult check_vendor_probe(const VendorProbe& probe, net::HttpClient& http,
                               const config::HealthConfig& thresholds);
// Failed vendor calls over the last 24 hours per provider against error_rate_*_pct.
CheckResult check_error_rate(const std::vector<store::ApiCallStats>& stats,
                             const config::HealthConfig& thresholds);
// Today's spend per pool: >= spend_warning_pct of the budget -> warning, >= 100% -> critical.
CheckResult check_spend(const std::vector<std::pair<BudgetPool, double>>& spent,
                        const config::HealthConfig& thresholds);
// The config loaded and validated; every configured live vendor has its key.
CheckResult check_config(const config::Config& config, const std::vector<VendorProbe>& vendors);

// --- the whole pass ---------------------------------------------------------------------------
struct HealthOptions {
    std::filesystem::path proc_root = "/proc";
    bool probe_vendors = true;
    std::vector<VendorProbe> vendors;
    net::HttpClient* http = nullptr;                            // required when probing
    std::function<std::chrono::system_clock::time_point()> now; // empty: system clock
};

HealthReport run_health(const config::Config& config, const HealthOptions& options);

// First line (and only line without `verbose`): "SCREENER <STATE> - <summaries> | <perfdata>".
// With `verbose`, one line per check follows.
std::string render_health_text(const HealthReport& report, bool verbose);
// {"status":"warning","exit_code":1,"timestamp":...,"checks":{"cpu":{"status":...,...},...}}
std::string render_health_json(const HealthReport& report);

} // namespace screener::ops
