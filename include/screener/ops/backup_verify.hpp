#pragma once
// `screener backup-verify`: the daily automated restore test. Finds the newest archive that
// scripts/backup_data.sh wrote, checks its SHA-256 and age, restores it into a temporary
// directory and proves the database in it whole, current and readable.
// The rules (what is OK, degraded, failed): docs/operations.md#verifying-backups-backup-verify.

#include "screener/config/config.hpp"
#include "screener/core/outcome.hpp"
#include "screener/ops/log.hpp"
#include "screener/store/maintenance.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace screener::ops {

struct BackupVerifyOptions {
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    // Where the archive is restored (a fresh subdirectory, removed afterwards); empty: the
    // system temp dir ($TMPDIR or /tmp).
    std::filesystem::path work_dir;
};

// One step of the verification, in the order they run.
struct BackupCheck {
    std::string name; // found, checksum, age, restore, integrity, schema, read, live, retention
    Outcome status = Outcome::Ok;
    std::string detail;
};

struct BackupVerifyReport {
    Outcome outcome = Outcome::Ok;
    std::string summary; // one line, e.g. "screener-backup-...tar.gz 3.2h old, integrity ok, ..."
    std::filesystem::path backup_dir;
    std::filesystem::path archive; // empty when none was found
    int archives_found = 0;
    std::int64_t archive_bytes = 0;
    double age_hours = 0;
    std::string sha256;
    std::optional<store::DatabaseReport> backup; // the restored database
    std::optional<store::DatabaseReport> live;   // the live database, when it could be read
    std::vector<BackupCheck> checks;
};

// Archive names are screener-backup-YYYYmmddTHHMMSSZ.tar.gz (UTC); the newest is the
// greatest name. Empty when the directory is missing or holds none.
std::vector<std::filesystem::path> backup_archives(const std::filesystem::path& dir);

// Checks a sha256sum line ("<64 hex>  <name>") against the file's digest: nullopt when they
// match, else what is wrong.
std::optional<std::string> check_sha256_file(const std::filesystem::path& archive,
                                             const std::filesystem::path& sha256_file,
                                             std::string* digest = nullptr);

// Runs every check; expected failures (no backup, bad checksum, corrupt database) are values
// in the report. screener::Error (exit 3: the check could not run) when no scratch directory
// can be made or tar cannot be started.
BackupVerifyReport verify_latest_backup(const config::Config& config,
                                        const BackupVerifyOptions& options, Logger& logger);

} // namespace screener::ops
