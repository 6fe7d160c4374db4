#pragma once
// Schema migrations of the SQLite store, numbered by PRAGMA user_version. The table of
// migrations lives in src/store/migrations.cpp: adding a schema change is adding one entry.

#include <span>
#include <string_view>

namespace SQLite {
class Database;
}

namespace screener::store {

// One schema step: `sql` takes a database at `version - 1` to `version`. It must not contain
// BEGIN/COMMIT: migrate_to wraps it, with the version bump, in one transaction.
struct Migration {
    int version = 0;
    std::string_view sql;
};

// The migrations this binary knows, in order: versions 1, 2, ... without gaps.
std::span<const Migration> migrations();

// PRAGMA user_version of `db` (0 for a new, empty file).
int schema_version(SQLite::Database& db);

// Applies the pending migrations of `table` up to and including `target_version`, each with its
// version bump in its own BEGIN IMMEDIATE ... COMMIT, so a failing step leaves the database at
// the previous version. Never downgrades. Throws StoreError naming the database and the step.
// open_sqlite_store calls it with the built-in table; tests use it to build older schemas or to
// run a deliberately broken table.
void migrate_to(SQLite::Database& db, int target_version,
                std::span<const Migration> table = migrations());

} // namespace screener::store
