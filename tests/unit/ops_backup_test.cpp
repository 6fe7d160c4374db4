// `screener backup-verify` logic: checksum files, choosing the newest archive, and each
// outcome of the restore test on real archives made with tar.

#include "screener/core/error.hpp"
#include "screener/core/outcome.hpp"
#include "screener/core/sha256.hpp"
#include "screener/ops/backup_verify.hpp"
#include "screener/ops/process.hpp"
#include "screener/store/maintenance.hpp"
#include "screener/store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>
#include <fstream>

using namespace screener;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

void add_runs(const fs::path& db, int runs) {
    store::SqliteStore store(db);
    static int counter = 0;
    for (int i = 0; i < runs; ++i) {
        const auto id =
            store.begin_run({"r" + std::to_string(++counter), "scan", "daily", "", "", 1});
        store.finish_run(id, {"ok", 0, 1, 1, 0, 0, 1.0, 0.0, ""});
    }
}

// Writes <dir>/<name>.tar.gz holding <name>/db/screener.db (a copy of `db`) and its checksum.
fs::path make_archive(const fs::path& dir, const std::string& name, const fs::path& db,
                      const fs::path& scratch) {
    const fs::path staging = scratch / ("staging-" + name);
    fs::create_directories(staging / name / "db");
    {
        // Fold the WAL in so the copied file alone is the whole database.
        SQLite::Database connection(db.string(), SQLite::OPEN_READWRITE);
        connection.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    fs::copy_file(db, staging / name / "db" / "screener.db");
    const fs::path archive = dir / (name + ".tar.gz");
    const auto tar = ops::run_program(
        {"/bin/tar", "-czf", archive.string(), "-C", staging.string(), name}, scratch);
    REQUIRE(tar.exit_code == 0);
    std::ofstream(archive.string() + ".sha256")
        << sha256_file_hex(archive) << "  " << archive.filename().string() << "\n";
    return archive;
}

const ops::BackupCheck* check_named(const ops::BackupVerifyReport& report,
                                    const std::string& name) {
    for (const auto& check : report.checks) {
        if (check.name == name) {
            return &check;
        }
    }
    return nullptr;
}

} // namespace

TEST_CASE("a sha256sum line is checked against the file", "[ops][backup]") {
    screener::testing::TempDir dir;
    const auto archive = dir.write("a.tar.gz", "abc");
    const std::string good = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    dir.write("ok.sha256", good + "  a.tar.gz\n");
    std::string digest;
    CHECK_FALSE(ops::check_sha256_file(archive, dir / "ok.sha256", &digest));
    CHECK(digest == good);
    dir.write("binary.sha256", good + " *a.tar.gz\n");
    CHECK_FALSE(ops::check_sha256_file(archive, dir / "binary.sha256"));
    dir.write("upper.sha256",
              "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD  a.tar.gz\n");
    CHECK_FALSE(ops::check_sha256_file(archive, dir / "upper.sha256"));

    dir.write("bad.sha256", std::string(64, '0') + "  a.tar.gz\n");
    CHECK_THAT(*ops::check_sha256_file(archive, dir / "bad.sha256"), Contains("SHA-256 mismatch"));
    dir.write("other.sha256", good + "  b.tar.gz\n");
    CHECK_THAT(*ops::check_sha256_file(archive, dir / "other.sha256"),
               Contains("names 'b.tar.gz'"));
    dir.write("junk.sha256", "hello\n");
    CHECK_THAT(*ops::check_sha256_file(archive, dir / "junk.sha256"),
               Contains("not in sha256sum format"));
    CHECK_THAT(*ops::check_sha256_file(archive, dir / "none.sha256"), Contains("no checksum file"));
}

TEST_CASE("the newest archive is the greatest timestamped name", "[ops][backup]") {
    screener::testing::TempDir dir;
    for (const char* name :
         {"screener-backup-20261128T030000Z.tar.gz", "screener-backup-20261129T030000Z.tar.gz",
          "screener-backup-20261127T030000Z.tar.gz",
          "screener-backup-20261130T030000Z.tar.gz.sha256", "screener-backup-latest.tar.gz",
          "other-20261131T030000Z.tar.gz"}) {
        dir.write(name, "x");
    }
    fs::create_directories(dir / ".screener-backup-20261130T030000Z.XXXX");
    const auto archives = ops::backup_archives(dir.path());
    REQUIRE(archives.size() == 3);
    CHECK(archives.back().filename() == "screener-backup-20261129T030000Z.tar.gz");
    CHECK(ops::backup_archives(dir / "missing").empty());
}

TEST_CASE("backup-verify: ok, old, corrupt, missing, and ahead of the live database",
          "[ops][backup]") {
    screener::testing::TempDir dir;
    config::Config config;
    config.data_dir = dir / "data";
    config.database = dir / "data" / "screener.db";
    config.backup.dir = dir / "backups";
    fs::create_directories(config.data_dir);
    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json);
    ops::BackupVerifyOptions options;
    options.work_dir = dir / "work";
    fs::create_directories(options.work_dir);

    // No dir, then an empty dir.
    auto report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Failed);
    CHECK_THAT(report.summary, Contains("does not exist"));
    fs::create_directories(config.backup.dir);
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Failed);
    CHECK_THAT(report.summary, Contains("no screener-backup-*.tar.gz"));

    add_runs(config.database, 3);
    const auto archive = make_archive(config.backup.dir, "screener-backup-20261129T030000Z",
                                      config.database, dir.path());
    report = ops::verify_latest_backup(config, options, logger);
    INFO(report.summary);
    CHECK(report.outcome == Outcome::Ok);
    REQUIRE(report.backup);
    CHECK(report.backup->integrity == "ok");
    CHECK(report.backup->row_counts.at("runs") == 3);
    CHECK(report.backup->schema_version == store::latest_schema_version());
    REQUIRE(report.backup->latest_run);
    CHECK(report.backup->latest_run->status == "ok");
    REQUIRE(report.live);
    CHECK(report.live->max_ids.at("runs") == 3);
    CHECK(fs::is_empty(options.work_dir)); // the restore is cleaned up

    // Live moves on: fine. Too old: warning. Past retention: warning.
    add_runs(config.database, 1);
    CHECK(ops::verify_latest_backup(config, options, logger).outcome == Outcome::Ok);
    options.now += std::chrono::hours(27);
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK(check_named(report, "age")->status == Outcome::Degraded);
    options.now += std::chrono::hours(24 * 15);
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(check_named(report, "retention")->status == Outcome::Degraded);
    options.now = std::chrono::system_clock::now();

    // The live database lost its newest rows (or is another database): warning.
    {
        SQLite::Database live(config.database.string(), SQLite::OPEN_READWRITE);
        live.exec("DELETE FROM runs WHERE id >= 3");
    }
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK_THAT(check_named(report, "live")->detail, Contains("runs (max id 3 > live 2)"));

    // A flipped byte: critical at the checksum, before any restore.
    {
        std::fstream file(archive, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(20);
        file.put('\x5a');
    }
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Failed);
    CHECK(report.checks.back().name == "checksum");
    fs::remove(archive);
    fs::remove(archive.string() + ".sha256");

    // A well-checksummed archive of a damaged database: critical at the restore test.
    const fs::path damaged = dir / "damaged.db";
    fs::copy_file(config.database, damaged);
    {
        SQLite::Database connection(config.database.string(), SQLite::OPEN_READWRITE);
        connection.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    fs::remove(damaged);
    fs::copy_file(config.database, damaged);
    {
        std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(4096 * 2);
        file << std::string(4096 * 3, '\xff');
    }
    make_archive(config.backup.dir, "screener-backup-20261130T030000Z", damaged, dir.path());
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Failed);
    const bool caught =
        (check_named(report, "integrity") &&
         check_named(report, "integrity")->status == Outcome::Failed) ||
        (check_named(report, "read") && check_named(report, "read")->status == Outcome::Failed);
    CHECK(caught);

    // An archive without a database: critical.
    fs::remove(config.backup.dir / "screener-backup-20261130T030000Z.tar.gz");
    const fs::path empty = dir / "empty";
    fs::create_directories(empty / "screener-backup-20261201T030000Z" / "config");
    const fs::path no_db = config.backup.dir / "screener-backup-20261201T030000Z.tar.gz";
    REQUIRE(ops::run_program({"/bin/tar", "-czf", no_db.string(), "-C", empty.string(),
                              "screener-backup-20261201T030000Z"},
                             dir.path())
                .exit_code == 0);
    std::ofstream(no_db.string() + ".sha256")
        << sha256_file_hex(no_db) << "  " << no_db.filename().string() << "\n";
    report = ops::verify_latest_backup(config, options, logger);
    CHECK(report.outcome == Outcome::Failed);
    CHECK_THAT(report.summary, Contains("holds no database"));
}

TEST_CASE("run_program reports exit codes and output, and refuses a missing program",
          "[ops][backup]") {
    screener::testing::TempDir dir;
    const auto result =
        ops::run_program({"/bin/sh", "-c", "echo out; echo err >&2; exit 7"}, dir.path());
    CHECK(result.exit_code == 7);
    CHECK(result.output == "out\nerr\n");
    CHECK_THROWS(ops::run_program({(dir / "nothing").string()}, dir.path()));
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("backup-verify that cannot make its scratch directory is unknown, not critical",
          "[ops][backup]") {
    screener::testing::TempDir dir;
    config::Config config;
    config.data_dir = dir / "data";
    config.database = dir / "data" / "screener.db";
    config.backup.dir = dir / "backups";
    fs::create_directories(config.backup.dir);
    fs::create_directories(config.data_dir);
    add_runs(config.database, 1);
    make_archive(config.backup.dir, "screener-backup-20261129T030000Z", config.database,
                 dir.path());
    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json);
    ops::BackupVerifyOptions options;
    options.work_dir = dir / "no" / "such" / "dir";
    try {
        ops::verify_latest_backup(config, options, logger);
        FAIL("expected an error");
    } catch (const StoreError&) {
        FAIL("a check that cannot run must not read as a failed backup");
    } catch (const Error& e) {
        CHECK(exit_code_for(e) == k_exit_unknown);
        CHECK_THAT(std::string(e.what()), Contains("cannot restore"));
    }
}
