#include "screener/store/maintenance.hpp"

#include "run_row.hpp"
#include "screener/core/error.hpp"
#include "screener/store/migrations.hpp"
#include "screener/store/sqlite_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <system_error>
#include <vector>

namespace screener::store {
namespace {

namespace fs = std::filesystem;

constexpr int k_busy_timeout_ms = 5000;

std::int64_t file_size_or_zero(const fs::path& file) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    return ec ? 0 : static_cast<std::int64_t>(size);
}

// Binds the named parameters a statement uses; the others are left out (SQLite would refuse
// an index of 0).
void bind_named(SQLite::Statement& statement,
                const std::vector<std::pair<const char*, std::string>>& values) {
    for (const auto& [name, value] : values) {
        if (statement.getIndex(name) > 0) {
            statement.bind(name, value);
        }
    }
}

// One table's share of retention: the rows that go, as a WHERE clause over named parameters.
struct RetentionRule {
    const char* table;
    std::string where;
    std::int64_t RetentionCounts::*count;
};

} // namespace

const char* reclaim_action_name(ReclaimAction action) {
    switch (action) {
    case ReclaimAction::IncrementalVacuum:
        return "incremental_vacuum";
    case ReclaimAction::Vacuum:
        return "vacuum";
    case ReclaimAction::None:
        break;
    }
    return "none";
}

DatabaseMaintenance::DatabaseMaintenance(const fs::path& database, MaintenanceMode mode)
    : m_path(database) {
    std::error_code ec;
    if (!fs::is_regular_file(database, ec)) {
        throw StoreError(
            fmt::format("cannot open database {}: {}", database.string(),
                        fs::exists(database, ec) ? "not a regular file" : "no such file"));
    }
    const bool read_only = mode == MaintenanceMode::ReadOnly;
    m_read_only = read_only;
    if (!read_only) {
        // The store's own open checks the file, refuses a newer schema, proves it writable and
        // migrates it; this connection then only needs the per-connection settings.
        SqliteStore store(database);
    }
    int version = 0;
    try {
        m_db = std::make_unique<SQLite::Database>(
            database.string(), read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE,
            k_busy_timeout_ms);
        m_db->exec(fmt::format("PRAGMA busy_timeout = {}", k_busy_timeout_ms));
        if (!read_only) {
            m_db->exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
        }
        version = schema_version(*m_db);
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("cannot open database {}: {}", database.string(), e.what()));
    }
    if (version != latest_schema_version()) {
        throw StoreError(fmt::format("database {} has schema version {}, not the {} this binary "
                                     "uses; run a scan (it migrates) before a dry run",
                                     database.string(), version, latest_schema_version()));
    }
}

DatabaseMaintenance::~DatabaseMaintenance() = default;

RetentionCounts DatabaseMaintenance::count_retention(const RetentionCutoffs& cutoffs) {
    return run_retention(cutoffs, false);
}

RetentionCounts DatabaseMaintenance::apply_retention(const RetentionCutoffs& cutoffs) {
    return run_retention(cutoffs, true);
}

RetentionCounts DatabaseMaintenance::run_retention(const RetentionCutoffs& cutoffs, bool apply) {
    // Old runs that may go: finished (a "running" row may belong to a live process), with no
    // result expiring on or after :keep_from (those picks are graded after expiry) and no graded
    // pick the weekly calibration still looks at (started on or after :graded_from).
    const std::string old_runs = "started_at < :runs_before";
    const std::string awaiting_grading = fmt::format(
        "(EXISTS (SELECT 1 FROM results AS r WHERE r.run_id = runs.id AND r.expiration >= "
        ":keep_from) OR EXISTS (SELECT 1 FROM results AS r JOIN pick_outcomes AS o ON "
        "o.result_id = r.id WHERE r.run_id = runs.id AND o.status = 'graded'{}))",
        cutoffs.keep_graded_runs_from ? " AND runs.started_at >= :graded_from" : "");
    const std::string doomed_runs =
        cutoffs.runs_started_before
            ? fmt::format("SELECT id FROM runs WHERE {} AND status <> 'running' AND NOT {}",
                          old_runs, awaiting_grading)
            : std::string("SELECT id FROM runs WHERE 0");
    const std::string of_doomed = fmt::format("run_id IN ({})", doomed_runs);
    const auto or_older = [&](const std::optional<std::string>& cutoff, const char* column,
                              const char* parameter) {
        return cutoff ? fmt::format("{} OR {} < {}", of_doomed, column, parameter) : of_doomed;
    };
    // Children first, runs last: the counts stay exact whether or not the cascade is on.
    const std::vector<RetentionRule> rules = {
        {"results", of_doomed, &RetentionCounts::results},
        {"chain_quality", of_doomed, &RetentionCounts::chain_quality},
        {"reconciliation", of_doomed, &RetentionCounts::reconciliation},
        {"run_errors", or_older(cutoffs.run_errors_before, "created_at", ":errors_before"),
         &RetentionCounts::run_errors},
        {"api_calls", or_older(cutoffs.api_calls_before, "ts", ":api_calls_before"),
         &RetentionCounts::api_calls},
        {"runs", fmt::format("id IN ({})", doomed_runs), &RetentionCounts::runs},
        {"iv_history", cutoffs.iv_history_before ? "date < :iv_before" : "0",
         &RetentionCounts::iv_history},
        {"http_cache", "expires < :cache_before", &RetentionCounts::http_cache},
    };
    const std::vector<std::pair<const char*, std::string>> parameters = {
        {":runs_before", cutoffs.runs_started_before.value_or("")},
        {":keep_from", cutoffs.keep_runs_with_expiry_from},
        {":graded_from", cutoffs.keep_graded_runs_from.value_or("")},
        {":errors_before", cutoffs.run_errors_before.value_or("")},
        {":api_calls_before", cutoffs.api_calls_before.value_or("")},
        {":iv_before", cutoffs.iv_history_before.value_or("")},
        {":cache_before", cutoffs.cache_expired_before},
    };
    const std::string what = apply ? "apply retention" : "count rows past retention";
    if (apply && m_read_only) {
        throw StoreError(
            fmt::format("cannot {} in database {}: opened read-only", what, m_path.string()));
    }
    try {
        RetentionCounts counts;
        // IMMEDIATE: the counts and the deletes see the same rows, and a scan that starts
        // meanwhile waits (busy_timeout) instead of failing halfway.
        std::optional<SQLite::Transaction> transaction;
        if (apply) {
            transaction.emplace(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        }
        if (cutoffs.runs_started_before) {
            for (const auto& [kept, condition] :
                 {std::pair{&RetentionCounts::runs_kept_for_grading,
                            fmt::format("status <> 'running' AND {}", awaiting_grading)},
                  std::pair{&RetentionCounts::runs_kept_running,
                            std::string("status = 'running'")}}) {
                SQLite::Statement query(
                    *m_db,
                    fmt::format("SELECT count(*) FROM runs WHERE {} AND {}", old_runs, condition));
                bind_named(query, parameters);
                query.executeStep();
                counts.*kept = query.getColumn(0).getInt64();
            }
        }
        for (const auto& rule : rules) {
            if (apply) {
                SQLite::Statement statement(
                    *m_db, fmt::format("DELETE FROM {} WHERE {}", rule.table, rule.where));
                bind_named(statement, parameters);
                counts.*rule.count = statement.exec();
            } else {
                SQLite::Statement statement(
                    *m_db, fmt::format("SELECT count(*) FROM {} WHERE {}", rule.table, rule.where));
                bind_named(statement, parameters);
                statement.executeStep();
                counts.*rule.count = statement.getColumn(0).getInt64();
            }
        }
        if (transaction) {
            transaction->commit();
        }
        return counts;
    } catch (const SQLite::Exception& e) {
        throw StoreError(
            fmt::format("cannot {} in database {}: {}", what, m_path.string(), e.what()));
    }
}

SpaceInfo DatabaseMaintenance::space() {
    try {
        SpaceInfo info;
        info.page_size = m_db->execAndGet("PRAGMA page_size").getInt64();
        info.page_count = m_db->execAndGet("PRAGMA page_count").getInt64();
        info.freelist_count = m_db->execAndGet("PRAGMA freelist_count").getInt64();
        info.auto_vacuum = m_db->execAndGet("PRAGMA auto_vacuum").getInt();
        info.file_bytes =
            file_size_or_zero(m_path) + file_size_or_zero(fs::path(m_path.string() + "-wal"));
        return info;
    } catch (const SQLite::Exception& e) {
        throw StoreError(
            fmt::format("cannot read the size of database {}: {}", m_path.string(), e.what()));
    }
}

ReclaimAction DatabaseMaintenance::reclaim(double min_free_fraction) {
    if (m_read_only) {
        throw StoreError(
            fmt::format("cannot reclaim space in database {}: opened read-only", m_path.string()));
    }
    const SpaceInfo before = space();
    ReclaimAction action = ReclaimAction::None;
    try {
        if (before.auto_vacuum == 2) {
            if (before.freelist_count > 0) {
                m_db->exec("PRAGMA incremental_vacuum");
                action = ReclaimAction::IncrementalVacuum;
            }
        } else if (before.page_count > 0 && before.freelist_count > 0 &&
                   static_cast<double>(before.freelist_count) >=
                       min_free_fraction * static_cast<double>(before.page_count)) {
            // Rewrites the file (needs up to twice its size free); in WAL mode the new pages go
            // through the WAL, which the checkpoint below folds back and truncates.
            m_db->exec("VACUUM");
            action = ReclaimAction::Vacuum;
        }
        m_db->exec("PRAGMA optimize");
        m_db->execAndGet("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const SQLite::Exception& e) {
        throw StoreError(
            fmt::format("cannot reclaim free space in database {}: {}", m_path.string(), e.what()));
    }
    return action;
}

const std::vector<std::string>& key_tables() {
    static const std::vector<std::string> tables = {"runs", "results", "api_calls"};
    return tables;
}

DatabaseReport inspect_database(const fs::path& database, bool check_integrity) {
    std::error_code ec;
    if (!fs::is_regular_file(database, ec)) {
        throw StoreError(
            fmt::format("cannot open database {}: {}", database.string(),
                        fs::exists(database, ec) ? "not a regular file" : "no such file"));
    }
    const std::string name = database.string();
    DatabaseReport report;
    std::string step = "open";
    try {
        SQLite::Database db(name, SQLite::OPEN_READONLY, k_busy_timeout_ms);
        step = "read the schema version of";
        report.schema_version = schema_version(db);
        if (check_integrity) {
            // A damaged file may make the check itself fail ("malformed"): that is its verdict,
            // and the reads below show whether anything is still readable.
            try {
                SQLite::Statement integrity(db, "PRAGMA integrity_check(20)");
                std::string problems;
                while (integrity.executeStep()) {
                    problems += (problems.empty() ? "" : "; ") + integrity.getColumn(0).getString();
                }
                report.integrity = problems;
                SQLite::Statement foreign_keys(db, "PRAGMA foreign_key_check");
                while (foreign_keys.executeStep()) {
                    ++report.foreign_key_violations;
                }
            } catch (const SQLite::Exception& e) {
                report.integrity = fmt::format("integrity_check failed: {}", e.what());
            }
        }
        for (const std::string& table : key_tables()) {
            step = "count the " + table + " of";
            SQLite::Statement exists(
                db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?");
            exists.bind(1, table);
            exists.executeStep();
            if (exists.getColumn(0).getInt() == 0) {
                throw StoreError(fmt::format("database {} has no table {}", name, table));
            }
            SQLite::Statement count(
                db, fmt::format("SELECT count(*), coalesce(max(id), 0) FROM {}", table));
            count.executeStep();
            report.row_counts[table] = count.getColumn(0).getInt64();
            report.max_ids[table] = count.getColumn(1).getInt64();
        }
        step = "read the latest run of";
        SQLite::Statement latest(
            db, fmt::format("SELECT {} FROM runs ORDER BY id DESC LIMIT 1", k_run_columns));
        if (latest.executeStep()) {
            report.latest_run = read_run(latest);
        }
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("cannot {} database {}: {}", step, name, e.what()));
    }
    return report;
}

} // namespace screener::store
