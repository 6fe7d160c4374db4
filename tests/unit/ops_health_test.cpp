// `screener health` checks: each threshold crossed gives WARNING/CRITICAL through injected /proc
// files and thresholds, the database states (missing, corrupt, no scan, stale, fresh), backup
// age, vendor probes against a loopback server, and the plugin and JSON renderings.
#include "screener/config/config.hpp"
#include "screener/ops/health.hpp"
#include "screener/store/sqlite_store.hpp"
#include "support/loopback_server.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

using namespace screener;
using namespace screener::ops;
using screener::testing::LoopbackServer;
using screener::testing::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

// A /proc stand-in: stat with 20% busy since boot on two CPUs, 50% memory used, load 0.5.
void write_proc(const TempDir& dir, const std::string& stat_cpu = "cpu  100 0 100 800 0 0 0 0 0 0",
                const std::string& meminfo = "MemTotal: 1000 kB\nMemFree: 100 kB\n"
                                             "MemAvailable: 500 kB\n",
                const std::string& loadavg = "0.50 0.40 0.30 1/100 1234\n") {
    dir.write("proc/stat", stat_cpu + "\ncpu0 50 0 50 400 0 0 0 0 0 0\n"
                                      "cpu1 50 0 50 400 0 0 0 0 0 0\nintr 1 2 3\n");
    dir.write("proc/meminfo", meminfo);
    dir.write("proc/loadavg", loadavg);
}

Clock::time_point utc(int y, unsigned m, unsigned d, int hour, int minute = 0) {
    using namespace std::chrono;
    return Clock::time_point(sys_days(year_month_day{year(y), month(m), day(d)}) + hours(hour) +
                             minutes(minute));
}

config::Config test_config(const TempDir& dir, const std::string& extra = "") {
    const std::string yaml = "data_dir: data\n"
                             "providers:\n  sample:\n    path: " SCREENER_SOURCE_DIR
                             "/data/sample\n" +
                             extra +
                             "profiles:\n  daily:\n    universe: {source: list, symbols: [AAPL]}\n"
                             "    strategies: {cash_secured_put: {}}\n";
    fs::create_directories(dir / "data");
    return config::parse_config(yaml, "test.yaml", dir.path(),
                                [](const std::string&) { return std::optional<std::string>(); });
}

// A database whose last scan finished at `finished`.
void store_scan(const fs::path& db, Clock::time_point finished, const std::string& status = "ok") {
    store::SqliteStore store(db, store::SqliteStoreOptions{[finished] { return finished; }});
    const auto id = store.begin_run({"id-" + store::format_utc_timestamp(finished), "scan", "daily",
                                     "2026-11-20", "sample", 1});
    store::RunFinish finish;
    finish.status = status;
    finish.exit_code = status == "ok" ? 0 : 2;
    store.finish_run(id, finish);
}

const CheckResult& find_check(const HealthReport& report, const std::string& name) {
    for (const auto& check : report.checks) {
        if (check.name == name) {
            return check;
        }
    }
    FAIL("no check " << name);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("perfdata follows the plugin syntax", "[ops][health]") {
    CHECK(format_perfdata({"cpu", 12.345, "%", 80.0, 95.0, {}, {}}) == "cpu=12.35%;80;95");
    CHECK(format_perfdata({"rows", 10.0, "", {}, {}, 0.0, {}}) == "rows=10;;;0");
    CHECK(format_perfdata({"age", std::nullopt, "s", 60.0, {}, {}, {}}) == "age=U;60");
    CHECK(format_perfdata({"disk data", 1.0, "%", {}, {}, {}, {}}) == "'disk data'=1%");
    CHECK(format_perfdata({"it's", 1.0, "", {}, {}, {}, {}}) == "'it''s'=1");
    CHECK(format_perfdata({"big", 12345678901.0, "B", {}, {}, {}, {}}) == "big=12345678901B");
}

TEST_CASE("judge: at or above a threshold crosses it", "[ops][health]") {
    CHECK(judge(79.9, 80, 95) == HealthStatus::Ok);
    CHECK(judge(80, 80, 95) == HealthStatus::Warning);
    CHECK(judge(95, 80, 95) == HealthStatus::Critical);
    CHECK(worse(HealthStatus::Unknown, HealthStatus::Critical) == HealthStatus::Critical);
    CHECK(worse(HealthStatus::Warning, HealthStatus::Unknown) == HealthStatus::Warning);
    CHECK(worse(HealthStatus::Ok, HealthStatus::Unknown) == HealthStatus::Unknown);
}

TEST_CASE("cpu, memory and load read an injected /proc and cross their thresholds",
          "[ops][health]") {
    TempDir dir;
    write_proc(dir);
    const fs::path proc = dir / "proc";
    config::HealthConfig thresholds;

    const auto times = read_cpu_times(proc);
    REQUIRE(times);
    CHECK(times->cpus == 2);
    CHECK(times->total == 1000);
    CHECK(times->idle == 800);

    // A frozen snapshot: the average since boot, 20% busy.
    auto cpu = check_cpu(proc, std::chrono::milliseconds(1), thresholds);
    CHECK(cpu.status == HealthStatus::Ok);
    CHECK(cpu.perfdata.at(0).value == Approx(20));
    thresholds.cpu_warning_pct = 20;
    CHECK(check_cpu(proc, std::chrono::milliseconds(1), thresholds).status ==
          HealthStatus::Warning);
    thresholds.cpu_critical_pct = 20;
    CHECK(check_cpu(proc, std::chrono::milliseconds(1), thresholds).status ==
          HealthStatus::Critical);

    config::HealthConfig defaults;
    CHECK(check_memory(proc, defaults).status == HealthStatus::Ok);
    write_proc(dir, "cpu  1 0 1 8 0 0 0 0", "MemTotal: 1000 kB\nMemAvailable: 100 kB\n");
    CHECK(check_memory(proc, defaults).status == HealthStatus::Warning); // 90%
    write_proc(dir, "cpu  1 0 1 8 0 0 0 0", "MemTotal: 1000 kB\nMemAvailable: 40 kB\n");
    const auto memory = check_memory(proc, defaults);
    CHECK(memory.status == HealthStatus::Critical); // 96%
    CHECK(memory.summary == "memory 96%");
    // No MemAvailable (old kernels): free + buffers + cached.
    write_proc(dir, "cpu  1 0 1 8 0 0 0 0",
               "MemTotal: 1000 kB\nMemFree: 50 kB\nBuffers: 50 kB\nCached: 400 kB\n");
    CHECK(check_memory(proc, defaults).perfdata.at(0).value == Approx(50));

    // Load per CPU: 2 CPUs, warning at 2 per CPU, critical at 4.
    write_proc(dir, "cpu  1 0 1 8 0 0 0 0", "MemTotal: 1000 kB\nMemAvailable: 500 kB\n",
               "4.00 1 1 1/1 1\n");
    CHECK(check_load(proc, defaults).status == HealthStatus::Warning);
    write_proc(dir, "cpu  1 0 1 8 0 0 0 0", "MemTotal: 1000 kB\nMemAvailable: 500 kB\n",
               "8.50 1 1 1/1 1\n");
    const auto load = check_load(proc, defaults);
    CHECK(load.status == HealthStatus::Critical);
    CHECK(format_perfdata(load.perfdata.at(0)) == "load1=8.5;4;8;0");

    // Unreadable files: UNKNOWN, not a guess.
    const fs::path empty = dir / "nothing";
    CHECK(check_cpu(empty, std::chrono::milliseconds(1), defaults).status == HealthStatus::Unknown);
    CHECK(check_memory(empty, defaults).status == HealthStatus::Unknown);
    CHECK(check_load(empty, defaults).status == HealthStatus::Unknown);
}

TEST_CASE("disk use crosses the configured thresholds", "[ops][health]") {
    TempDir dir;
    config::HealthConfig thresholds;
    thresholds.disk_warning_pct = 0;
    thresholds.disk_critical_pct = 100;
    const auto warning = check_disk("disk_data", dir.path(), thresholds);
    CHECK(warning.status == HealthStatus::Warning);
    CHECK(warning.summary.find("on " + dir.path().string()) != std::string::npos);
    thresholds.disk_critical_pct = 0;
    CHECK(check_disk("disk_data", dir.path(), thresholds).status == HealthStatus::Critical);
    // A directory not created yet is measured where it would be.
    config::HealthConfig defaults;
    defaults.disk_warning_pct = 100;
    defaults.disk_critical_pct = 100;
    const auto missing = check_disk("disk_backup", dir / "not/yet", defaults);
    CHECK(missing.status == HealthStatus::Ok);
    REQUIRE(missing.perfdata.at(0).value);
    CHECK(*missing.perfdata.at(0).value >= 0);
    CHECK(*missing.perfdata.at(0).value <= 100);
}

TEST_CASE("database: missing, corrupt, no scan, stale and fresh", "[ops][health]") {
    TempDir dir;
    const fs::path db = dir / "screener.db";
    const auto now = utc(2026, 11, 25, 15); // a Wednesday
    config::HealthConfig thresholds;
    const int latest = store::latest_schema_version();

    auto result = check_database(store::inspect_database(db, now), latest, now, thresholds);
    CHECK(result.status == HealthStatus::Critical);
    CHECK(result.summary == "database missing");
    CHECK_FALSE(fs::exists(db)); // never created by a health check

    dir.write("screener.db", std::string(4096, 'x'));
    result = check_database(store::inspect_database(db, now), latest, now, thresholds);
    CHECK(result.status == HealthStatus::Critical);
    CHECK(result.summary == "database unreadable");
    fs::remove(db);

    { store::SqliteStore fresh(db); }
    result = check_database(store::inspect_database(db, now), latest, now, thresholds);
    CHECK(result.status == HealthStatus::Warning);
    CHECK(result.summary == "no successful scan yet");

    store_scan(db, now - std::chrono::hours(3));
    result = check_database(store::inspect_database(db, now), latest, now, thresholds);
    CHECK(result.status == HealthStatus::Ok);
    CHECK(format_perfdata(result.perfdata.at(0)) == "last_scan_age=10800s;93600;180000;0");

    // A failed scan later does not count as the last successful one.
    store_scan(db, now - std::chrono::hours(1), "failed");
    CHECK(store::inspect_database(db, now).last_scan_finished_at ==
          store::format_utc_timestamp(now - std::chrono::hours(3)));

    const auto later = now + std::chrono::hours(24);
    result = check_database(store::inspect_database(db, later), latest, later, thresholds);
    CHECK(result.status == HealthStatus::Warning);
    CHECK(result.summary == "last scan 27h ago");
    const auto much_later = now + std::chrono::hours(72); // Saturday; Thanksgiving skipped
    CHECK(check_database(store::inspect_database(db, much_later), latest, much_later, thresholds)
              .status == HealthStatus::Critical);

    // Schema newer than the binary: critical; older: warning (the next scan migrates it).
    auto inspection = store::inspect_database(db, now);
    CHECK(check_database(inspection, latest - 1, now, thresholds).status == HealthStatus::Critical);
    inspection.schema_version = latest - 1;
    CHECK(check_database(inspection, latest, now, thresholds).status == HealthStatus::Warning);
    inspection.schema_version = latest;
    inspection.quick_check = "*** in database main ***\nPage 3: btreeInitPage() returns error 11";
    CHECK(check_database(inspection, latest, now, thresholds).status == HealthStatus::Critical);
}

TEST_CASE("the last-scan age skips weekends and holidays", "[ops][health]") {
    TempDir dir;
    const fs::path db = dir / "screener.db";
    config::HealthConfig thresholds;
    const int latest = store::latest_schema_version();
    // Friday 2026-11-20 11:30 UTC (06:30 ET); Monday 2026-11-23 13:00 UTC: 73.5 h, 25.5 h of it
    // on trading days.
    store_scan(db, utc(2026, 11, 20, 11, 30));
    const auto monday = utc(2026, 11, 23, 13);
    CHECK(check_database(store::inspect_database(db, monday), latest, monday, thresholds).status ==
          HealthStatus::Ok);
    // Thanksgiving (Thursday 2026-11-26) is a holiday: Wednesday's scan is on time on Friday.
    TempDir other;
    store_scan(other / "screener.db", utc(2026, 11, 25, 11, 30));
    const auto friday = utc(2026, 11, 27, 13);
    CHECK(check_database(store::inspect_database(other / "screener.db", friday), latest, friday,
                         thresholds)
              .status == HealthStatus::Ok);
    const auto tuesday = utc(2026, 11, 24, 13); // Friday's scan, missed Monday's
    CHECK(
        check_database(store::inspect_database(db, tuesday), latest, tuesday, thresholds).status ==
        HealthStatus::Warning);
}

TEST_CASE("backup age: newest archive by its name, none is critical, old is a warning",
          "[ops][health]") {
    TempDir dir;
    const auto now = utc(2026, 11, 25, 12);
    CHECK(check_backup_age(dir / "missing", 26, now).status == HealthStatus::Critical);
    CHECK(check_backup_age(dir.path(), 26, now).status == HealthStatus::Critical);
    dir.write("screener-backup-20261122T020000Z.tar.gz", "old");
    dir.write("screener-backup-20261122T020000Z.tar.gz.sha256", "x");
    dir.write("notes.txt", "not a backup");
    auto result = check_backup_age(dir.path(), 26, now);
    CHECK(result.status == HealthStatus::Warning);
    CHECK(format_perfdata(result.perfdata.at(0)) == "backup_age=295200s;93600;;0");
    dir.write("screener-backup-20261125T020000Z.tar.gz", "new");
    result = check_backup_age(dir.path(), 26, now);
    CHECK(result.status == HealthStatus::Ok);
    CHECK(result.summary == "backup 10h old");
}

TEST_CASE("vendor probes: answer, refusal, rate limit, slow and unreachable", "[ops][health]") {
    httplib::Server server;
    std::string seen_auth;
    int status = 200;
    server.Get("/user/", [&](const httplib::Request& request, httplib::Response& response) {
        seen_auth = request.get_header_value("Authorization");
        response.status = status;
        response.set_content("{}", "application/json");
    });
    LoopbackServer loopback(server);
    auto http = net::make_curl_client();
    VendorProbe probe{"marketdata", true, {}, {}};
    probe.request.url = loopback.url("/user/");
    probe.request.headers = {{"Authorization", "Bearer tok"}};
    config::HealthConfig thresholds;
    thresholds.response_time_warning_ms = 60000;
    thresholds.response_time_critical_ms = 60000;

    auto result = check_vendor_probe(probe, *http, thresholds);
    CHECK(result.status == HealthStatus::Ok);
    CHECK(seen_auth == "Bearer tok");
    CHECK(result.perfdata.at(0).label == "marketdata_time");
    CHECK(result.perfdata.at(0).uom == "ms");

    status = 401;
    CHECK(check_vendor_probe(probe, *http, thresholds).status == HealthStatus::Critical);
    status = 429;
    CHECK(check_vendor_probe(probe, *http, thresholds).status == HealthStatus::Warning);
    status = 503;
    CHECK(check_vendor_probe(probe, *http, thresholds).status == HealthStatus::Critical);
    status = 200;
    thresholds.response_time_warning_ms = 0; // any answer is "slow"
    CHECK(check_vendor_probe(probe, *http, thresholds).status == HealthStatus::Warning);
    thresholds.response_time_critical_ms = 0;
    CHECK(check_vendor_probe(probe, *http, thresholds).status == HealthStatus::Critical);

    testing::RawServer closed(""); // resets every connection
    probe.request.url = closed.url("/user/");
    result = check_vendor_probe(probe, *http, config::HealthConfig{});
    CHECK(result.status == HealthStatus::Critical);
    CHECK(result.summary.find("marketdata") == 0);
}

TEST_CASE("error rate, spend and config checks", "[ops][health]") {
    config::HealthConfig thresholds;
    CHECK(check_error_rate({{"eodhd", 100, 4, 0, 0, 1}}, thresholds).status == HealthStatus::Ok);
    CHECK(check_error_rate({{"eodhd", 100, 5, 0, 0, 1}}, thresholds).status ==
          HealthStatus::Warning);
    CHECK(check_error_rate({{"eodhd", 100, 30, 0, 0, 1}}, thresholds).status ==
          HealthStatus::Critical);
    // Too few calls to judge.
    CHECK(check_error_rate({{"eodhd", 3, 3, 0, 0, 1}}, thresholds).status == HealthStatus::Ok);

    const BudgetPool pool{"marketdata", 1000, Clock::now()};
    CHECK(check_spend({{pool, 500}}, thresholds).status == HealthStatus::Ok);
    CHECK(check_spend({{pool, 800}}, thresholds).status == HealthStatus::Warning);
    const auto reached = check_spend({{pool, 1000}}, thresholds);
    CHECK(reached.status == HealthStatus::Critical);
    CHECK(reached.summary == "marketdata spent 100% of its daily budget");
    CHECK(check_spend({{{"eodhd", 0, Clock::now()}, 5000}}, thresholds).status ==
          HealthStatus::Ok); // no budget

    TempDir dir;
    const auto config = test_config(dir);
    CHECK(check_config(config, {}).status == HealthStatus::Ok);
    const auto missing_key = check_config(config, {{"eodhd", false, {}, {}}});
    CHECK(missing_key.status == HealthStatus::Critical);
    CHECK(missing_key.summary == "eodhd has no API key");
}

TEST_CASE("run_health: the worst check decides, plugin line and JSON", "[ops][health]") {
    TempDir dir;
    write_proc(dir);
    HealthOptions options;
    options.proc_root = dir / "proc";
    options.probe_vendors = false;
    const auto now = utc(2026, 11, 25, 15);
    options.now = [now] { return now; };

    // No database yet: critical.
    auto config = test_config(
        dir, "health:\n  cpu_sample_ms: 10\n  disk_warning_pct: 100\n  disk_critical_pct: 100\n");
    auto report = run_health(config, options);
    CHECK(report.status == HealthStatus::Critical);
    CHECK(render_health_text(report, false).rfind("SCREENER CRITICAL - database missing", 0) == 0);

    store_scan(config.database, now - std::chrono::hours(2));
    report = run_health(config, options);
    CHECK(report.status == HealthStatus::Ok);
    const std::string line = render_health_text(report, false);
    CHECK(line.rfind("SCREENER OK - ", 0) == 0);
    CHECK(line.find(" | cpu=20%;80;95 memory=50%;85;95 load1=0.5;4;8;0 last_scan_age=7200s") !=
          std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    const std::string verbose = render_health_text(report, true);
    CHECK(verbose.find("\ndatabase: OK - database ok") != std::string::npos);

    const std::string json = render_health_json(report);
    CHECK(
        json.rfind("{\"status\":\"ok\",\"exit_code\":0,\"timestamp\":\"2026-11-25T15:00:00.000Z\","
                   "\"checks\":{\"cpu\":{\"status\":\"ok\"",
                   0) == 0);

    // Thresholds from the config: memory at 50% crosses a 40% warning.
    config = test_config(dir, "health:\n  cpu_sample_ms: 10\n  disk_warning_pct: 100\n  "
                              "disk_critical_pct: 100\n  memory_warning_pct: 40\n");
    report = run_health(config, options);
    CHECK(report.status == HealthStatus::Warning);
    CHECK(render_health_text(report, false).rfind("SCREENER WARNING - memory 50% | ", 0) == 0);
    config = test_config(dir, "health:\n  cpu_sample_ms: 10\n  disk_warning_pct: 0\n  "
                              "disk_critical_pct: 100\n  memory_warning_pct: 40\n"
                              "  memory_critical_pct: 50\n");
    report = run_health(config, options);
    CHECK(report.status == HealthStatus::Critical);
    // Critical first, then warnings.
    CHECK(render_health_text(report, false).rfind("SCREENER CRITICAL - memory 50%, disk ", 0) == 0);

    // A backup: section turns the backup check on; none yet is critical.
    config = test_config(dir, "health:\n  cpu_sample_ms: 10\n  disk_warning_pct: 100\n  "
                              "disk_critical_pct: 100\nbackup:\n  dir: backups\n");
    CHECK(config.health.check_backup);
    CHECK(config.backup.dir == dir / "backups");
    report = run_health(config, options);
    CHECK(find_check(report, "backup").status == HealthStatus::Critical);
    CHECK(report.status == HealthStatus::Critical);
}
