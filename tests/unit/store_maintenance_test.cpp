// store/ maintenance: read-only mode, schema checks, incremental vacuum, and the read-only
// inspection backup-verify runs on a restored file.

#include "screener/core/error.hpp"
#include "screener/store/maintenance.hpp"
#include "screener/store/migrations.hpp"
#include "screener/store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>
#include <string>

using namespace screener;
using namespace screener::store;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

RetentionCutoffs delete_everything_old() {
    RetentionCutoffs cutoffs;
    cutoffs.runs_started_before = "2999-01-01T00:00:00.000Z";
    cutoffs.keep_runs_with_expiry_from = "2999-01-01";
    cutoffs.cache_expired_before = "2999-01-01T00:00:00.000Z";
    return cutoffs;
}

void add_bulk_run(const fs::path& db, int results) {
    SqliteStore store(db);
    static int counter = 0;
    const auto id = store.begin_run({"bulk-" + std::to_string(++counter), "scan", "", "", "", 1});
    std::vector<Candidate> candidates;
    for (int i = 1; i <= results; ++i) {
        Candidate c;
        c.symbol = "AAA";
        c.strategy = "cash_secured_put";
        c.rank = i;
        c.expiration = Date{std::chrono::year{2020}, std::chrono::month{1}, std::chrono::day{17}};
        c.metrics_json = std::string(3000, 'm');
        candidates.push_back(c);
    }
    store.add_results(id, candidates);
    store.finish_run(id, {"ok", 0, 1, 1, 0, results, 1.0, 0.0, ""});
}

} // namespace

TEST_CASE("read-only maintenance counts but never writes, and wants the latest schema",
          "[store][maintenance]") {
    screener::testing::TempDir dir;
    const auto db = dir / "screener.db";
    CHECK_THROWS_WITH(DatabaseMaintenance(db, MaintenanceMode::ReadOnly), Contains("no such file"));
    CHECK_FALSE(fs::exists(db));
    add_bulk_run(db, 3);
    DatabaseMaintenance read_only(db, MaintenanceMode::ReadOnly);
    CHECK(read_only.count_retention(delete_everything_old()).results == 3);
    CHECK_THROWS_WITH(read_only.apply_retention(delete_everything_old()),
                      Contains("opened read-only"));
    CHECK_THROWS_WITH(read_only.reclaim(0.2), Contains("opened read-only"));

    // An older schema (version 1) is migrated by a read-write open, refused by a read-only one.
    const auto old_db = dir / "old.db";
    {
        SQLite::Database raw(old_db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        migrate_to(raw, 1);
    }
    CHECK_THROWS_WITH(DatabaseMaintenance(old_db, MaintenanceMode::ReadOnly),
                      Contains("has schema version 1"));
    DatabaseMaintenance migrated(old_db, MaintenanceMode::ReadWrite);
    CHECK(migrated.count_retention(delete_everything_old()).runs == 0);
}

TEST_CASE("a database created with auto_vacuum=incremental is shrunk incrementally",
          "[store][maintenance]") {
    screener::testing::TempDir dir;
    const auto db = dir / "screener.db";
    {
        // auto_vacuum has to be chosen before the first table exists.
        SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("PRAGMA auto_vacuum = INCREMENTAL");
    }
    add_bulk_run(db, 300);
    DatabaseMaintenance maintenance(db, MaintenanceMode::ReadWrite);
    CHECK(maintenance.space().auto_vacuum == 2);
    const auto deleted = maintenance.apply_retention(delete_everything_old());
    CHECK(deleted.runs == 1);
    CHECK(deleted.results == 300);
    const auto before = maintenance.space();
    CHECK(before.freelist_count > 0);
    CHECK(maintenance.reclaim(0.99) == ReclaimAction::IncrementalVacuum);
    const auto after = maintenance.space();
    CHECK(after.freelist_count == 0);
    CHECK(after.file_bytes < before.file_bytes);
}

TEST_CASE("inspect_database reads counts, newest ids and the latest run read-only",
          "[store][maintenance]") {
    screener::testing::TempDir dir;
    const auto db = dir / "screener.db";
    add_bulk_run(db, 4);
    add_bulk_run(db, 2);
    const auto report = inspect_database(db, true);
    CHECK(report.integrity == "ok");
    CHECK(report.foreign_key_violations == 0);
    CHECK(report.schema_version == latest_schema_version());
    CHECK(report.row_counts.at("runs") == 2);
    CHECK(report.row_counts.at("results") == 6);
    CHECK(report.max_ids.at("results") == 6);
    CHECK(report.row_counts.at("api_calls") == 0);
    REQUIRE(report.latest_run);
    CHECK(report.latest_run->id == 2);
    CHECK(report.latest_run->status == "ok");
    CHECK(inspect_database(db, false).integrity == "not checked");

    const auto bare = dir / "bare.db";
    {
        SQLite::Database raw(bare.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY)");
    }
    CHECK_THROWS_WITH(inspect_database(bare, false), Contains("has no table results"));
    CHECK_THROWS_WITH(inspect_database(dir / "none.db", false), Contains("no such file"));
    const auto junk = dir.write("junk.db", std::string(8192, 'j'));
    CHECK_THROWS_AS(inspect_database(junk, true), StoreError);
}
