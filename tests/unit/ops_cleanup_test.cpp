// `screener cleanup` logic: cutoffs, the grading rule, counts that match the deletes, a dry
// run that changes nothing, rotated log files only, and space reclaim.

#include "screener/core/date.hpp"
#include "screener/core/error.hpp"
#include "screener/ops/cleanup.hpp"
#include "screener/ops/run_lock.hpp"
#include "screener/store/maintenance.hpp"
#include "screener/store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

using namespace screener;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

system_clock::time_point at(const char* date, int hour = 12) {
    return sys_days(*parse_date(date)) + hours(hour);
}

Candidate pick(int rank, const char* expiration) {
    Candidate c;
    c.symbol = "AAA";
    c.strategy = "cash_secured_put";
    c.rank = rank;
    c.expiration = *parse_date(expiration);
    c.dte = 30;
    c.fill_price = 1.0;
    return c;
}

// A run started at `started` (status as given) with one result per expiration.
std::int64_t add_run(const fs::path& db, system_clock::time_point started, const char* status,
                     std::vector<const char*> expirations, int padding_results = 0) {
    store::SqliteStoreOptions options;
    options.now = [started] { return started; };
    store::SqliteStore store(db, options);
    static int counter = 0;
    const auto id = store.begin_run(
        {"run-" + std::to_string(++counter), "scan", "daily", "2026-01-01", "test", 1});
    std::vector<Candidate> results;
    for (const char* expiration : expirations) {
        results.push_back(pick(static_cast<int>(results.size()) + 1, expiration));
    }
    for (int i = 0; i < padding_results; ++i) {
        auto c = pick(static_cast<int>(results.size()) + 1, expirations.front());
        c.metrics_json = std::string(2000, 'x'); // bulk, so deleting frees pages
        results.push_back(c);
    }
    store.add_results(id, results);
    store.add_run_error(id, {"AAA", "chain", "boom"});
    ApiCall call;
    call.provider = "sample";
    call.endpoint = "chain";
    call.status = 200;
    store.record_api_call(id, call);
    if (std::string(status) != "running") {
        store.finish_run(id, {status, 0, 1, 1, 0, 1, 1.0, 0.0, ""});
    }
    return id;
}

std::int64_t count(const fs::path& db, const std::string& sql) {
    SQLite::Database connection(db.string(), SQLite::OPEN_READONLY);
    return connection.execAndGet(sql).getInt64();
}

config::Config config_in(const screener::testing::TempDir& dir) {
    config::Config config;
    config.data_dir = dir.path();
    config.database = dir / "screener.db";
    return config;
}

} // namespace

TEST_CASE("retention cutoffs follow the configured days", "[ops][cleanup]") {
    config::RetentionConfig retention;
    const auto now = at("2026-11-29");
    const auto cutoffs = ops::retention_cutoffs(retention, now);
    CHECK(cutoffs.runs_started_before == "2026-08-31T12:00:00.000Z");
    CHECK(cutoffs.api_calls_before == "2026-10-30T12:00:00.000Z");
    CHECK(cutoffs.run_errors_before == "2026-10-30T12:00:00.000Z");
    CHECK(cutoffs.iv_history_before == "2025-10-25");
    CHECK(cutoffs.keep_runs_with_expiry_from == "2026-10-30");
    CHECK(cutoffs.cache_expired_before == "2026-11-29T12:00:00.000Z");

    retention.runs_days = 0;
    retention.api_calls_days = 0;
    retention.iv_history_days = 0;
    retention.grading_grace_days = 0;
    const auto keep_all = ops::retention_cutoffs(retention, now);
    CHECK_FALSE(keep_all.runs_started_before);
    CHECK_FALSE(keep_all.api_calls_before);
    CHECK_FALSE(keep_all.iv_history_before);
    CHECK(keep_all.keep_runs_with_expiry_from == "2026-11-29");
}

TEST_CASE("cleanup keeps ungraded picks and running runs, and a dry run changes nothing",
          "[ops][cleanup]") {
    screener::testing::TempDir dir;
    auto config = config_in(dir);
    const auto db = config.database;
    const auto now = at("2026-11-29");
    // Old (2026-01) runs: expired long ago -> goes; expiring after today -> awaits grading;
    // expired 10 days ago (inside the 30-day grace) -> kept; still running -> kept.
    const auto gone = add_run(db, at("2026-01-05"), "ok", {"2026-02-20", "2026-03-20"});
    const auto awaiting = add_run(db, at("2026-01-05"), "ok", {"2026-02-20", "2026-12-18"});
    const auto in_grace = add_run(db, at("2026-01-05"), "degraded", {"2026-11-19"});
    const auto running = add_run(db, at("2026-01-05"), "running", {"2026-02-20"});
    const auto recent = add_run(db, at("2026-11-20"), "ok", {"2026-12-18"});

    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json);
    ops::CleanupOptions options;
    options.now = now;
    options.dry_run = true;
    const auto before = count(db, "SELECT count(*) FROM results");
    const auto dry = ops::run_cleanup(config, options, logger);
    CHECK(dry.outcome == Outcome::Ok);
    CHECK(dry.rows.runs == 1);
    CHECK(dry.rows.results == 2);
    CHECK(dry.rows.run_errors == 4); // the doomed run's, plus every error older than 30 days
    CHECK(dry.rows.api_calls == 4);
    CHECK(dry.rows.runs_kept_for_grading == 2);
    CHECK(dry.rows.runs_kept_running == 1);
    CHECK(count(db, "SELECT count(*) FROM runs") == 5);
    CHECK(count(db, "SELECT count(*) FROM results") == before);
    CHECK_FALSE(fs::exists(dir / "screener.lock")); // a dry run does not even take the lock

    options.dry_run = false;
    const auto real = ops::run_cleanup(config, options, logger);
    CHECK(real.rows.runs == dry.rows.runs);
    CHECK(real.rows.results == dry.rows.results);
    CHECK(real.rows.run_errors == dry.rows.run_errors);
    CHECK(real.rows.api_calls == dry.rows.api_calls);
    CHECK(count(db, fmt::format("SELECT count(*) FROM runs WHERE id = {}", gone)) == 0);
    CHECK(count(db, fmt::format("SELECT count(*) FROM results WHERE run_id = {}", gone)) == 0);
    for (const auto kept : {awaiting, in_grace, running, recent}) {
        CHECK(count(db, fmt::format("SELECT count(*) FROM runs WHERE id = {}", kept)) == 1);
    }
    CHECK(count(db, fmt::format("SELECT count(*) FROM results WHERE run_id = {}", awaiting)) == 2);
    CHECK(count(db, "SELECT count(*) FROM run_errors") == 1); // the recent run's
    CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);

    // Nothing left to do the second time.
    const auto again = ops::run_cleanup(config, options, logger);
    CHECK(again.rows.runs == 0);
    CHECK(again.rows.results == 0);
    CHECK(again.rows.runs_kept_for_grading == 2);
}

TEST_CASE("cleanup refuses a missing database and a held lock", "[ops][cleanup]") {
    screener::testing::TempDir dir;
    auto config = config_in(dir);
    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json);
    CHECK_THROWS_AS(ops::run_cleanup(config, {}, logger), StoreError);
    CHECK_FALSE(fs::exists(config.database));
    add_run(config.database, at("2026-01-05"), "ok", {"2026-02-20"});
    ops::RunLock held(dir / "screener.lock");
    CHECK_THROWS_AS(ops::run_cleanup(config, {}, logger), LockHeldError);
}

TEST_CASE("deleting many rows is followed by a VACUUM that shrinks the file", "[ops][cleanup]") {
    screener::testing::TempDir dir;
    auto config = config_in(dir);
    add_run(config.database, at("2026-01-05"), "ok", {"2026-02-20"}, 400);
    add_run(config.database, at("2026-11-20"), "ok", {"2026-12-18"});
    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json);
    ops::CleanupOptions options;
    options.now = at("2026-11-29");
    const auto report = ops::run_cleanup(config, options, logger);
    CHECK(report.rows.results == 401);
    CHECK(report.reclaim == store::ReclaimAction::Vacuum);
    CHECK(report.space_after.file_bytes < report.space_before.file_bytes / 2);
    CHECK(report.space_after.freelist_count == 0);

    // Below the threshold nothing is rewritten.
    config.retention.vacuum_min_free_fraction = 1.0;
    add_run(config.database, at("2026-01-06"), "ok", {"2026-02-20"}, 5);
    const auto small = ops::run_cleanup(config, options, logger);
    CHECK(small.rows.runs == 1);
    CHECK(small.reclaim == store::ReclaimAction::None);
}

TEST_CASE("only rotated copies of the log file past their age are removed", "[ops][cleanup]") {
    screener::testing::TempDir dir;
    const auto now = system_clock::now();
    const auto old = fs::file_time_type::clock::now() - hours(24 * 20);
    for (const char* name :
         {"screener.log", "screener.log.1", "screener.log.2.gz", "screener.log-20260101",
          "screener.log.3", "other.log.1", "screener.logger"}) {
        dir.write(std::string("logs/") + name, "line\n");
        if (std::string(name) != "screener.log.3") {
            fs::last_write_time(dir / "logs" / name, old);
        }
    }
    fs::create_directories(dir / "logs" / "screener.log.d");
    const auto files = ops::expired_log_files(dir / "logs" / "screener.log", 14, now);
    std::vector<std::string> names;
    for (const auto& file : files) {
        names.push_back(file.path.filename().string());
        CHECK(file.bytes == 5);
    }
    CHECK(names ==
          std::vector<std::string>{"screener.log-20260101", "screener.log.1", "screener.log.2.gz"});
    CHECK(ops::expired_log_files(dir / "logs" / "screener.log", 0, now).empty());
    CHECK(ops::expired_log_files({}, 14, now).empty());
    CHECK(ops::expired_log_files(dir / "missing" / "screener.log", 14, now).empty());
}

TEST_CASE("cleanup keeps runs with graded picks inside the calibration window", "[ops][cleanup]") {
    screener::testing::TempDir dir;
    auto config = config_in(dir);
    const auto db = config.database;
    const auto now = at("2026-11-29");
    // Both runs are past runs_days (90) and their picks long expired; both picks are graded.
    // The first is inside graded_picks_days (400 days: from 2025-10-25), the second is not.
    const auto calibrating = add_run(db, at("2026-01-05"), "ok", {"2026-02-20"});
    const auto too_old = add_run(db, at("2025-09-01"), "ok", {"2025-10-17"});
    const auto ungraded = add_run(db, at("2026-01-05"), "ok", {"2026-02-20"});
    {
        auto store = store::open_sqlite_store(db);
        for (const auto run : {calibrating, too_old}) {
            store::PickOutcomeRow row;
            row.result_id =
                count(db, fmt::format("SELECT min(id) FROM results WHERE run_id = {}", run));
            row.status = "graded";
            row.outcome = "expired_worthless";
            row.as_of = "2026-03-01";
            row.win = true;
            REQUIRE(store->record_outcome(0, row));
        }
    }
    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json);
    ops::CleanupOptions options;
    options.now = now;
    const auto report = ops::run_cleanup(config, options, logger);
    CHECK(report.outcome == Outcome::Ok);
    CHECK(report.rows.runs == 2);
    CHECK(report.rows.runs_kept_for_grading == 1);
    CHECK(count(db, fmt::format("SELECT count(*) FROM runs WHERE id = {}", calibrating)) == 1);
    CHECK(count(db, fmt::format("SELECT count(*) FROM runs WHERE id IN ({}, {})", too_old,
                                ungraded)) == 0);
    CHECK(count(db, "SELECT count(*) FROM pick_outcomes") == 1); // the deleted run's went too

    SECTION("graded_picks_days 0 keeps graded runs for ever") {
        config.retention.graded_picks_days = 0;
        CHECK_FALSE(ops::retention_cutoffs(config.retention, now).keep_graded_runs_from);
    }
}
