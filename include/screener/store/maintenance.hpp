#pragma once
// Database upkeep outside the Store interface, SQLite-specific: retention deletes and space
// reclaim for `screener cleanup`, and a read-only inspection for `screener backup-verify`.
// Only store/ writes SQL; ops/ decides what to keep and calls these.

#include "screener/store/store.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace SQLite {
class Database;
}

namespace screener::store {

// What retention removes. Timestamps are RFC 3339 UTC like the columns they compare with,
// dates YYYY-MM-DD; nullopt keeps everything of that kind.
struct RetentionCutoffs {
    // Runs started before this go, with every child row (results, run_errors, api_calls,
    // chain_quality, reconciliation), unless still "running" or holding a pick to grade.
    std::optional<std::string> runs_started_before;
    // A run with a result expiring on or after this date is kept: the pick awaits grading.
    std::string keep_runs_with_expiry_from;
    // A run started on or after this with a graded pick (pick_outcomes) is kept for the weekly
    // calibration; nullopt keeps such runs for ever.
    std::optional<std::string> keep_graded_runs_from;
    std::optional<std::string> api_calls_before;  // api_calls.ts
    std::optional<std::string> run_errors_before; // run_errors.created_at
    std::optional<std::string> iv_history_before; // iv_history.date (YYYY-MM-DD)
    std::string cache_expired_before;             // http_cache.expires (usually now)
};

// Rows that retention removes (or would remove), per table, plus the old runs it keeps.
struct RetentionCounts {
    std::int64_t runs = 0;
    std::int64_t results = 0;
    std::int64_t run_errors = 0;
    std::int64_t api_calls = 0;
    std::int64_t chain_quality = 0;
    std::int64_t reconciliation = 0;
    std::int64_t iv_history = 0;
    std::int64_t http_cache = 0;
    // Older than the cutoff, kept for their picks: awaiting grading, or graded and still inside
    // the calibration window.
    std::int64_t runs_kept_for_grading = 0;
    std::int64_t runs_kept_running = 0; // older than the cutoff, still marked running
};

struct SpaceInfo {
    std::int64_t page_size = 0;
    std::int64_t page_count = 0;
    std::int64_t freelist_count = 0;
    int auto_vacuum = 0;         // 0 none, 1 full, 2 incremental
    std::int64_t file_bytes = 0; // the database file plus its -wal file
};

enum class ReclaimAction { None, IncrementalVacuum, Vacuum };
const char* reclaim_action_name(ReclaimAction action); // "none", "incremental_vacuum", "vacuum"

enum class MaintenanceMode {
    ReadWrite, // opened like the store (settings, migrations, write probe)
    ReadOnly,  // opened read-only: counts and sizes only (a dry run changes nothing)
};

class DatabaseMaintenance {
public:
    // Opens an existing database. StoreError when the file is missing or is not a database,
    // in ReadWrite mode when it is not writable, in ReadOnly mode when its schema is not the
    // latest (a dry run must not migrate it).
    DatabaseMaintenance(const std::filesystem::path& database, MaintenanceMode mode);
    ~DatabaseMaintenance();
    DatabaseMaintenance(const DatabaseMaintenance&) = delete;
    DatabaseMaintenance& operator=(const DatabaseMaintenance&) = delete;

    // Counts what apply_retention would delete; changes nothing.
    RetentionCounts count_retention(const RetentionCutoffs& cutoffs);
    // Deletes it in one transaction and returns what went (StoreError in ReadOnly mode). Never
    // touches other tables (alert_state and whatever later migrations add).
    RetentionCounts apply_retention(const RetentionCutoffs& cutoffs);

    SpaceInfo space();
    // Gives free pages back to the file system: PRAGMA incremental_vacuum when the database
    // was created with auto_vacuum=incremental, else VACUUM when free pages are at least
    // `min_free_fraction` of the file; then checkpoints the WAL and runs PRAGMA optimize.
    ReclaimAction reclaim(double min_free_fraction);

private:
    RetentionCounts run_retention(const RetentionCutoffs& cutoffs, bool apply);

    std::filesystem::path m_path;
    bool m_read_only = false;
    std::unique_ptr<SQLite::Database> m_db;
};

// A read-only look at a database file (a restored backup, or the live one to compare with).
struct DatabaseReport {
    std::string integrity = "not checked"; // "ok", or the problems integrity_check reported
    std::int64_t foreign_key_violations = 0;
    int schema_version = 0;
    std::map<std::string, std::int64_t> row_counts; // runs, results, api_calls
    std::map<std::string, std::int64_t> max_ids;    // the same tables' largest id (0: empty)
    std::optional<RunRow> latest_run;               // the newest run of any command
};

// The tables inspect_database counts: append-only apart from retention.
const std::vector<std::string>& key_tables();

// Opens `database` read-only. With `check_integrity`, runs PRAGMA integrity_check and
// foreign_key_check (slow on big files). StoreError when the file is missing, is not a
// database, or lacks a key table.
DatabaseReport inspect_database(const std::filesystem::path& database, bool check_integrity);

} // namespace screener::store
