#include "screener/ops/health.hpp"

#include "screener/core/calendar.hpp"
#include "screener/core/date.hpp"
#include "screener/core/json_text.hpp"
#include "screener/store/sqlite_store.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/statvfs.h>
#include <thread>

namespace screener::ops {
namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

// A plugin number: C locale, no exponent, at most 2 decimals, no trailing zeros.
std::string number_text(double value) {
    std::string text = fmt::format("{:.2f}", value);
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') {
            text.pop_back();
        }
        if (text.back() == '.') {
            text.pop_back();
        }
    }
    return text == "-0" ? "0" : text;
}

std::string optional_number(const std::optional<double>& value) {
    return value ? number_text(*value) : std::string();
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

CheckResult unknown(std::string name, std::string summary) {
    CheckResult out;
    out.name = std::move(name);
    out.status = HealthStatus::Unknown;
    out.summary = std::move(summary);
    return out;
}

int severity_rank(HealthStatus status) {
    switch (status) {
    case HealthStatus::Ok:
        return 0;
    case HealthStatus::Unknown:
        return 1;
    case HealthStatus::Warning:
        return 2;
    case HealthStatus::Critical:
        return 3;
    }
    return 1;
}

double hours_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count() / 3600.0;
}

std::int64_t unix_seconds(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// Whole New York calendar days strictly between two times that are not NYSE sessions: a
// Mon-Fri schedule is not late over a weekend or a holiday.
int non_trading_days_between(Clock::time_point from, Clock::time_point to) {
    const Date first = new_york_date(unix_seconds(from));
    const Date last = new_york_date(unix_seconds(to));
    int count = 0;
    for (Date day = add_days(first, 1); day < last; day = add_days(day, 1)) {
        if (!is_trading_day(day)) {
            ++count;
        }
        if (count > 400) {
            break; // a clock far off; the age is huge anyway
        }
    }
    return count;
}

} // namespace

const char* status_name(HealthStatus status) {
    switch (status) {
    case HealthStatus::Ok:
        return "OK";
    case HealthStatus::Warning:
        return "WARNING";
    case HealthStatus::Critical:
        return "CRITICAL";
    case HealthStatus::Unknown:
        return "UNKNOWN";
    }
    return "UNKNOWN";
}

const char* status_label(HealthStatus status) {
    switch (status) {
    case HealthStatus::Ok:
        return "ok";
    case HealthStatus::Warning:
        return "warning";
    case HealthStatus::Critical:
        return "critical";
    case HealthStatus::Unknown:
        return "unknown";
    }
    return "unknown";
}

HealthStatus worse(HealthStatus a, HealthStatus b) {
    return severity_rank(a) >= severity_rank(b) ? a : b;
}

HealthStatus judge(double value, double warning, double critical) {
    if (value >= critical) {
        return HealthStatus::Critical;
    }
    if (value >= warning) {
        return HealthStatus::Warning;
    }
    return HealthStatus::Ok;
}

std::string format_perfdata(const PerfValue& perf) {
    std::string label = perf.label;
    if (label.find_first_of(" '=") != std::string::npos) {
        std::string quoted = "'";
        for (const char c : label) {
            if (c == '=') {
                quoted += '_'; // '=' is not allowed in a label even when quoted
            } else if (c == '\'') {
                quoted += "''";
            } else {
                quoted += c;
            }
        }
        label = quoted + "'";
    }
    // "U" (could not be determined) stands alone: a unit after it would not parse as a number.
    std::string out = label + "=" + (perf.value ? number_text(*perf.value) + perf.uom : "U");
    const std::string tail[] = {optional_number(perf.warning), optional_number(perf.critical),
                                optional_number(perf.min), optional_number(perf.max)};
    std::size_t used = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (!tail[i].empty()) {
            used = i + 1;
        }
    }
    for (std::size_t i = 0; i < used; ++i) {
        out += ";" + tail[i];
    }
    return out;
}

// --- system ------------------------------------------------------------------------------------

std::optional<CpuTimes> read_cpu_times(const fs::path& proc_root) {
    std::istringstream in(read_file(proc_root / "stat"));
    std::string line;
    std::optional<CpuTimes> out;
    int cpus = 0;
    while (std::getline(in, line)) {
        if (line.rfind("cpu ", 0) == 0) {
            std::istringstream fields(line.substr(4));
            std::uint64_t value = 0;
            CpuTimes times;
            // user nice system idle iowait irq softirq steal (guest is already in user)
            for (int i = 0; i < 8 && (fields >> value); ++i) {
                times.total += value;
                if (i == 3 || i == 4) {
                    times.idle += value;
                }
            }
            if (times.total > 0) {
                out = times;
            }
        } else if (line.rfind("cpu", 0) == 0 && line.size() > 3 &&
                   std::isdigit(static_cast<unsigned char>(line[3]))) {
            ++cpus;
        }
    }
    if (out) {
        out->cpus = cpus;
    }
    return out;
}

CheckResult check_cpu(const fs::path& proc_root, std::chrono::milliseconds interval,
                      const config::HealthConfig& thresholds) {
    const auto first = read_cpu_times(proc_root);
    if (!first) {
        return unknown("cpu", fmt::format("cpu unreadable ({})", (proc_root / "stat").string()));
    }
    std::this_thread::sleep_for(interval);
    const auto second = read_cpu_times(proc_root).value_or(*first);
    double busy = 0;
    if (second.total > first->total) {
        const double total = static_cast<double>(second.total - first->total);
        const double idle = static_cast<double>(second.idle - std::min(second.idle, first->idle));
        busy = 100.0 * (total - std::min(idle, total)) / total;
    } else {
        // No jiffies passed (a frozen snapshot): the average since boot.
        busy = 100.0 * static_cast<double>(second.total - std::min(second.idle, second.total)) /
               static_cast<double>(second.total);
    }
    CheckResult out;
    out.name = "cpu";
    out.status = judge(busy, thresholds.cpu_warning_pct, thresholds.cpu_critical_pct);
    out.summary = fmt::format("cpu {}%", number_text(std::round(busy)));
    out.perfdata.push_back(
        {"cpu", busy, "%", thresholds.cpu_warning_pct, thresholds.cpu_critical_pct, {}, {}});
    out.values = {{"busy_pct", busy},
                  {"interval_ms", static_cast<double>(interval.count())},
                  {"cpus", static_cast<double>(second.cpus)}};
    return out;
}

CheckResult check_memory(const fs::path& proc_root, const config::HealthConfig& thresholds) {
    std::istringstream in(read_file(proc_root / "meminfo"));
    std::map<std::string, double> kib;
    std::string key;
    double value = 0;
    std::string unit;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        if (fields >> key >> value) {
            if (!key.empty() && key.back() == ':') {
                key.pop_back();
            }
            kib[key] = value;
        }
    }
    const double total = kib.count("MemTotal") ? kib["MemTotal"] : 0;
    if (total <= 0) {
        return unknown("memory",
                       fmt::format("memory unreadable ({})", (proc_root / "meminfo").string()));
    }
    // Kernels before 3.14 have no MemAvailable.
    const double available = kib.count("MemAvailable")
                                 ? kib["MemAvailable"]
                                 : kib["MemFree"] + kib["Buffers"] + kib["Cached"];
    const double used_pct = 100.0 * (1.0 - std::clamp(available / total, 0.0, 1.0));
    CheckResult out;
    out.name = "memory";
    out.status = judge(used_pct, thresholds.memory_warning_pct, thresholds.memory_critical_pct);
    out.summary = fmt::format("memory {}%", number_text(std::round(used_pct)));
    out.perfdata.push_back({"memory",
                            used_pct,
                            "%",
                            thresholds.memory_warning_pct,
                            thresholds.memory_critical_pct,
                            {},
                            {}});
    out.values = {{"used_pct", used_pct},
                  {"total_bytes", total * 1024},
                  {"available_bytes", available * 1024}};
    return out;
}

CheckResult check_load(const fs::path& proc_root, const config::HealthConfig& thresholds) {
    std::istringstream in(read_file(proc_root / "loadavg"));
    double load1 = 0, load5 = 0, load15 = 0;
    if (!(in >> load1 >> load5 >> load15)) {
        return unknown("load",
                       fmt::format("load unreadable ({})", (proc_root / "loadavg").string()));
    }
    int cpus = 0;
    if (const auto times = read_cpu_times(proc_root)) {
        cpus = times->cpus;
    }
    if (cpus <= 0) {
        cpus = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    }
    const double per_cpu = load1 / cpus;
    CheckResult out;
    out.name = "load";
    out.status = judge(per_cpu, thresholds.load_warning_per_cpu, thresholds.load_critical_per_cpu);
    out.summary = fmt::format("load {} on {} cpus", number_text(load1), cpus);
    out.perfdata.push_back({"load1",
                            load1,
                            "",
                            thresholds.load_warning_per_cpu * cpus,
                            thresholds.load_critical_per_cpu * cpus,
                            0.0,
                            {}});
    out.values = {{"load1", load1},
                  {"load5", load5},
                  {"load15", load15},
                  {"cpus", static_cast<double>(cpus)},
                  {"load1_per_cpu", per_cpu}};
    return out;
}

CheckResult check_disk(const std::string& name, const fs::path& path,
                       const config::HealthConfig& thresholds) {
    fs::path measured = path;
    std::error_code ec;
    while (!measured.empty() && !fs::exists(measured, ec) && measured.has_parent_path() &&
           measured.parent_path() != measured) {
        measured = measured.parent_path();
    }
    struct statvfs info {};
    if (measured.empty() || ::statvfs(measured.c_str(), &info) != 0 || info.f_blocks == 0) {
        CheckResult out = unknown(name, fmt::format("disk of {} unreadable", path.string()));
        out.status = HealthStatus::Critical; // not accessible: the plugins' DISK CRITICAL
        return out;
    }
    const double block = static_cast<double>(info.f_frsize ? info.f_frsize : info.f_bsize);
    const double used = static_cast<double>(info.f_blocks - info.f_bfree) * block;
    const double available = static_cast<double>(info.f_bavail) * block;
    // As df: blocks reserved for root count as neither used nor available.
    const double used_pct = used + available > 0 ? 100.0 * used / (used + available) : 0;
    CheckResult out;
    out.name = name;
    out.status = judge(used_pct, thresholds.disk_warning_pct, thresholds.disk_critical_pct);
    out.summary = fmt::format("disk {}% on {}", number_text(std::round(used_pct)), path.string());
    out.perfdata.push_back(
        {name, used_pct, "%", thresholds.disk_warning_pct, thresholds.disk_critical_pct, {}, {}});
    out.details = {{"path", path.string()}, {"measured_at", measured.string()}};
    out.values = {{"used_pct", used_pct}, {"available_bytes", available}};
    return out;
}

// --- data ----------------------------------------------------------------------------------------

CheckResult check_database(const store::DatabaseInspection& db, int latest_version,
                           Clock::time_point now, const config::HealthConfig& thresholds) {
    CheckResult out;
    out.name = "database";
    out.values = {{"schema_version", static_cast<double>(db.schema_version)},
                  {"latest_schema_version", static_cast<double>(latest_version)}};
    if (!db.exists) {
        out.status = HealthStatus::Critical;
        out.summary = "database missing";
        out.details = {{"error", db.error}};
        return out;
    }
    if (!db.opened || !db.error.empty()) {
        out.status = HealthStatus::Critical;
        out.summary = "database unreadable";
        out.details = {{"error", db.error}};
        return out;
    }
    out.details = {{"quick_check", db.quick_check}};
    if (db.quick_check != "ok") {
        out.status = HealthStatus::Critical;
        out.summary = "database corrupt (quick_check)";
        return out;
    }
    if (db.schema_version > latest_version) {
        out.status = HealthStatus::Critical;
        out.summary = fmt::format("database schema {} newer than this binary ({})",
                                  db.schema_version, latest_version);
        return out;
    }
    std::vector<std::string> problems;
    if (db.schema_version < latest_version) {
        out.status = HealthStatus::Warning;
        problems.push_back(fmt::format("database schema {} < {} (the next scan migrates it)",
                                       db.schema_version, latest_version));
    }
    const auto finished = db.last_scan_finished_at
                              ? store::parse_utc_timestamp(*db.last_scan_finished_at)
                              : std::nullopt;
    if (!finished) {
        out.status = worse(out.status, HealthStatus::Warning);
        problems.push_back("no successful scan yet");
        out.perfdata.push_back({"last_scan_age",
                                std::nullopt,
                                "s",
                                thresholds.last_scan_warning_hours * 3600,
                                thresholds.last_scan_critical_hours * 3600,
                                0.0,
                                {}});
    } else {
        const double raw_hours = hours_between(*finished, now);
        const int skipped = non_trading_days_between(*finished, now);
        const double hours = std::max(0.0, raw_hours - 24.0 * skipped);
        const HealthStatus age_status =
            judge(hours, thresholds.last_scan_warning_hours, thresholds.last_scan_critical_hours);
        out.status = worse(out.status, age_status);
        if (age_status != HealthStatus::Ok) {
            problems.push_back(fmt::format("last scan {}h ago", number_text(std::round(hours))));
        }
        out.details.emplace_back("last_scan_finished_at", *db.last_scan_finished_at);
        out.values.emplace_back("last_scan_age_hours", raw_hours);
        out.values.emplace_back("last_scan_age_trading_hours", hours);
        out.values.emplace_back("non_trading_days", skipped);
        out.perfdata.push_back({"last_scan_age",
                                std::round(hours * 3600),
                                "s",
                                thresholds.last_scan_warning_hours * 3600,
                                thresholds.last_scan_critical_hours * 3600,
                                0.0,
                                {}});
    }
    out.summary = problems.empty() ? "database ok" : fmt::format("{}", fmt::join(problems, ", "));
    return out;
}

CheckResult check_cache(const store::DatabaseInspection& db) {
    if (!db.opened || !db.error.empty()) {
        return unknown("cache", "cache unknown (no database)");
    }
    CheckResult out;
    out.name = "cache";
    out.summary = fmt::format("cache {} rows, {} expired", db.cache_rows, db.cache_expired);
    out.perfdata.push_back({"cache_rows", static_cast<double>(db.cache_rows), "", {}, {}, 0.0, {}});
    out.perfdata.push_back(
        {"cache_expired", static_cast<double>(db.cache_expired), "", {}, {}, 0.0, {}});
    out.values = {{"rows", static_cast<double>(db.cache_rows)},
                  {"expired", static_cast<double>(db.cache_expired)}};
    return out;
}

CheckResult check_backup_age(const fs::path& dir, double max_age_hours, Clock::time_point now) {
    CheckResult out;
    out.name = "backup";
    out.details = {{"dir", dir.string()}};
    std::error_code ec;
    std::optional<Clock::time_point> newest;
    std::string newest_name;
    if (fs::is_directory(dir, ec)) {
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            constexpr std::string_view prefix = "screener-backup-";
            constexpr std::string_view suffix = ".tar.gz";
            if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0 ||
                !entry.is_regular_file(ec)) {
                continue;
            }
            // screener-backup-YYYYmmddTHHMMSSZ.tar.gz; a name without it falls back to mtime.
            const std::string stamp =
                name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
            std::optional<Clock::time_point> when;
            if (stamp.size() == 16 && stamp[8] == 'T' && stamp[15] == 'Z') {
                when = store::parse_utc_timestamp(
                    fmt::format("{}-{}-{}T{}:{}:{}Z", stamp.substr(0, 4), stamp.substr(4, 2),
                                stamp.substr(6, 2), stamp.substr(9, 2), stamp.substr(11, 2),
                                stamp.substr(13, 2)));
            }
            if (!when) {
                const auto mtime = fs::last_write_time(entry.path(), ec);
                if (ec) {
                    continue;
                }
                when = std::chrono::time_point_cast<Clock::duration>(
                    fs::file_time_type::clock::to_sys(mtime));
            }
            if (!newest || *when > *newest) {
                newest = when;
                newest_name = name;
            }
        }
    }
    const double warn_s = max_age_hours * 3600;
    if (!newest) {
        out.status = HealthStatus::Critical;
        out.summary = fmt::format("no backup in {}", dir.string());
        out.perfdata.push_back({"backup_age", std::nullopt, "s", warn_s, {}, 0.0, {}});
        return out;
    }
    const double age_s = std::max(0.0, std::chrono::duration<double>(now - *newest).count());
    out.status = age_s > warn_s ? HealthStatus::Warning : HealthStatus::Ok;
    out.summary = fmt::format("backup {}h old", number_text(std::round(age_s / 3600)));
    out.details.emplace_back("newest", newest_name);
    out.values = {{"age_hours", age_s / 3600}};
    out.perfdata.push_back({"backup_age", std::round(age_s), "s", warn_s, {}, 0.0, {}});
    return out;
}

// --- vendors
// ---------------------------------------------------------------------------------------

CheckResult check_vendor_probe(const VendorProbe& probe, net::HttpClient& http,
                               const config::HealthConfig& thresholds) {
    CheckResult out;
    out.name = "vendor_" + probe.vendor;
    const net::HttpResponse response = http.send(probe.request);
    const double ms = response.seconds * 1000.0;
    out.values = {{"response_ms", ms}, {"http_status", static_cast<double>(response.status)}};
    out.perfdata.push_back({probe.vendor + "_time",
                            std::round(ms),
                            "ms",
                            thresholds.response_time_warning_ms,
                            thresholds.response_time_critical_ms,
                            0.0,
                            {}});
    if (response.status == 0) {
        out.status = HealthStatus::Critical;
        out.summary =
            fmt::format("{} unreachable ({})", probe.vendor, net::to_string(response.transport));
        out.details = {{"error", response.transport_message}};
    } else if (response.status == 401 || response.status == 403) {
        out.status = HealthStatus::Critical;
        out.summary = fmt::format("{} refused the key (HTTP {})", probe.vendor, response.status);
    } else if (response.status == 429) {
        out.status = HealthStatus::Warning;
        out.summary = fmt::format("{} rate-limited (HTTP 429)", probe.vendor);
    } else if (response.status < 200 || response.status >= 300) {
        out.status = HealthStatus::Critical;
        out.summary = fmt::format("{} answered HTTP {}", probe.vendor, response.status);
    } else {
        out.status =
            judge(ms, thresholds.response_time_warning_ms, thresholds.response_time_critical_ms);
        out.summary = fmt::format("{} {}ms", probe.vendor, number_text(std::round(ms)));
    }
    return out;
}

CheckResult check_error_rate(const std::vector<store::ApiCallStats>& stats,
                             const config::HealthConfig& thresholds) {
    // A handful of calls says little: one failure in three would read as 33%.
    constexpr int k_min_calls = 10;
    CheckResult out;
    out.name = "vendor_errors";
    std::vector<std::string> problems;
    for (const auto& provider : stats) {
        if (provider.calls <= 0) {
            continue;
        }
        const double rate = 100.0 * provider.errors / provider.calls;
        out.values.emplace_back(provider.provider + "_error_pct", rate);
        out.values.emplace_back(provider.provider + "_calls", provider.calls);
        out.perfdata.push_back({"errors_" + provider.provider,
                                rate,
                                "%",
                                thresholds.error_rate_warning_pct,
                                thresholds.error_rate_critical_pct,
                                {},
                                {}});
        if (provider.calls < k_min_calls) {
            continue;
        }
        const HealthStatus status =
            judge(rate, thresholds.error_rate_warning_pct, thresholds.error_rate_critical_pct);
        if (status != HealthStatus::Ok) {
            problems.push_back(fmt::format("{} errors {}% of {} calls", provider.provider,
                                           number_text(std::round(rate)), provider.calls));
        }
        out.status = worse(out.status, status);
    }
    out.summary =
        problems.empty() ? "vendor error rate ok" : fmt::format("{}", fmt::join(problems, ", "));
    return out;
}

CheckResult check_spend(const std::vector<std::pair<BudgetPool, double>>& spent,
                        const config::HealthConfig& thresholds) {
    CheckResult out;
    out.name = "spend";
    std::vector<std::string> problems;
    for (const auto& [pool, credits] : spent) {
        out.values.emplace_back(pool.name + "_credits", credits);
        if (pool.daily_credit_budget <= 0) {
            out.perfdata.push_back({"credits_" + pool.name, credits, "", {}, {}, 0.0, {}});
            continue;
        }
        const double pct = 100.0 * credits / pool.daily_credit_budget;
        out.values.emplace_back(pool.name + "_budget", pool.daily_credit_budget);
        out.perfdata.push_back({"credits_" + pool.name, credits, "",
                                pool.daily_credit_budget * thresholds.spend_warning_pct / 100.0,
                                pool.daily_credit_budget, 0.0, pool.daily_credit_budget});
        const HealthStatus status = judge(pct, thresholds.spend_warning_pct, 100.0);
        if (status != HealthStatus::Ok) {
            problems.push_back(fmt::format("{} spent {}% of its daily budget", pool.name,
                                           number_text(std::round(pct))));
        }
        out.status = worse(out.status, status);
    }
    out.summary = problems.empty() ? "spend ok" : fmt::format("{}", fmt::join(problems, ", "));
    return out;
}

CheckResult check_config(const config::Config& config, const std::vector<VendorProbe>& vendors) {
    CheckResult out;
    out.name = "config";
    out.details = {{"file", config.source_file.string()}};
    std::vector<std::string> problems;
    for (const auto& vendor : vendors) {
        if (!vendor.has_key) {
            problems.push_back(fmt::format("{} has no API key", vendor.vendor));
        }
    }
    const auto routes = {&config.providers.universe, &config.providers.history,
                         &config.providers.chains,   &config.providers.earnings,
                         &config.providers.quotes,   &config.providers.dividends};
    bool uses_sample = false;
    for (const auto* route : routes) {
        uses_sample =
            uses_sample || std::find(route->begin(), route->end(), "sample") != route->end();
    }
    std::error_code ec;
    if (uses_sample && !fs::is_regular_file(config.providers.sample_path / "manifest.json", ec)) {
        problems.push_back(
            fmt::format("sample market missing at {}", config.providers.sample_path.string()));
    }
    out.status = problems.empty() ? HealthStatus::Ok : HealthStatus::Critical;
    out.summary = problems.empty() ? "config ok" : fmt::format("{}", fmt::join(problems, ", "));
    return out;
}

// --- the whole pass ---------------------------------------------------------------------------

HealthReport run_health(const config::Config& config, const HealthOptions& options) {
    const auto now = options.now ? options.now() : Clock::now();
    const auto& thresholds = config.health;
    HealthReport report;
    report.timestamp = store::format_utc_timestamp(now);
    auto& checks = report.checks;

    checks.push_back(check_cpu(options.proc_root,
                               std::chrono::milliseconds(thresholds.cpu_sample_ms), thresholds));
    checks.push_back(check_memory(options.proc_root, thresholds));
    checks.push_back(check_load(options.proc_root, thresholds));

    const auto db = store::inspect_database(config.database, now);
    checks.push_back(check_database(db, store::latest_schema_version(), now, thresholds));
    checks.push_back(check_cache(db));

    checks.push_back(check_disk("disk_data", config.data_dir, thresholds));
    std::error_code ec;
    if (thresholds.check_backup || fs::is_directory(config.backup.dir, ec)) {
        checks.push_back(check_disk("disk_backup", config.backup.dir, thresholds));
    }
    if (thresholds.check_backup) {
        checks.push_back(check_backup_age(config.backup.dir, config.backup.max_age_hours, now));
    }
    checks.push_back(check_config(config, options.vendors));

    // Spend and error rates read the store; opened only when it is whole and current, so a
    // health check never creates or migrates a database.
    if (db.opened && db.error.empty() && db.quick_check == "ok" &&
        db.schema_version == store::latest_schema_version()) {
        try {
            const auto store = store::open_sqlite_store(config.database);
            checks.push_back(check_error_rate(
                store->api_call_stats_since(now - std::chrono::hours(24)), thresholds));
            std::vector<std::pair<BudgetPool, double>> spent;
            for (const auto& vendor : options.vendors) {
                for (const auto& pool : vendor.budgets) {
                    spent.emplace_back(pool, store->credits_spent(pool.name, pool.day_start));
                }
            }
            checks.push_back(check_spend(spent, thresholds));
        } catch (const std::exception& e) {
            CheckResult failed = unknown("spend", "spend unknown");
            failed.status = HealthStatus::Critical;
            failed.details = {{"error", e.what()}};
            checks.push_back(std::move(failed));
        }
    }

    if (options.probe_vendors && options.http) {
        for (const auto& vendor : options.vendors) {
            if (vendor.has_key) {
                checks.push_back(check_vendor_probe(vendor, *options.http, thresholds));
            }
        }
    }

    for (const auto& check : checks) {
        report.status = worse(report.status, check.status);
    }
    return report;
}

std::string render_health_text(const HealthReport& report, bool verbose) {
    std::vector<const CheckResult*> bad;
    for (const auto& check : report.checks) {
        if (check.status != HealthStatus::Ok) {
            bad.push_back(&check);
        }
    }
    std::stable_sort(bad.begin(), bad.end(), [](const CheckResult* a, const CheckResult* b) {
        return severity_rank(a->status) > severity_rank(b->status);
    });
    std::string text;
    if (bad.empty()) {
        text = fmt::format("{} checks ok", report.checks.size());
    } else {
        for (const auto* check : bad) {
            text += (text.empty() ? "" : ", ") + check->summary;
        }
    }
    std::string perf;
    for (const auto& check : report.checks) {
        for (const auto& item : check.perfdata) {
            perf += (perf.empty() ? "" : " ") + format_perfdata(item);
        }
    }
    // Status text and perfdata stay one line whatever a message holds.
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r' || c == '|'; }, ' ');
    std::string out = fmt::format("SCREENER {} - {}", status_name(report.status), text);
    if (!perf.empty()) {
        out += " | " + perf;
    }
    out += '\n';
    if (verbose) {
        for (const auto& check : report.checks) {
            std::string line =
                fmt::format("{}: {} - {}", check.name, status_name(check.status), check.summary);
            for (const auto& [key, value] : check.details) {
                line += fmt::format("; {}={}", key, value);
            }
            for (const auto& [key, value] : check.values) {
                line += fmt::format("; {}={}", key, number_text(value));
            }
            std::replace_if(
                line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r' || c == '|'; },
                ' ');
            out += line + '\n';
        }
    }
    return out;
}

std::string render_health_json(const HealthReport& report) {
    std::string out = "{\"status\":";
    append_json_string(out, status_label(report.status));
    out += fmt::format(",\"exit_code\":{},\"timestamp\":", static_cast<int>(report.status));
    append_json_string(out, report.timestamp);
    out += ",\"checks\":{";
    bool first = true;
    for (const auto& check : report.checks) {
        out += first ? "" : ",";
        first = false;
        append_json_string(out, check.name);
        out += ":{\"status\":";
        append_json_string(out, status_label(check.status));
        out += ",\"summary\":";
        append_json_string(out, check.summary);
        for (const auto& [key, value] : check.details) {
            out += ",";
            append_json_string(out, key);
            out += ":";
            append_json_string(out, value);
        }
        for (const auto& [key, value] : check.values) {
            out += ",";
            append_json_string(out, key);
            out += ":";
            append_json_number(out, value);
        }
        out += "}";
    }
    out += "}}\n";
    return out;
}

} // namespace screener::ops
