#include "screener/store/migrations.hpp"

#include "screener/core/error.hpp"
#include "screener/store/store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>
#include <array>
#include <fmt/format.h>

namespace screener::store {

namespace {

// Conventions for every table:
// - timestamps are RFC 3339 UTC text with milliseconds ("2026-11-28T12:00:00.123Z"), so they
//   sort and compare as text;
// - REAL columns of measured figures are nullable: SQLite stores a NaN as NULL, and a NaN in
//   one figure must not cost a whole run its results;
// - every child table cascades from runs and has an index leading with run_id, so retention
//   deletes runs and the cascade does not scan.
constexpr std::string_view k_v1 = R"sql(
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    execution_id     TEXT    NOT NULL UNIQUE,
    command          TEXT    NOT NULL,
    profile          TEXT    NOT NULL DEFAULT '',
    as_of            TEXT    NOT NULL DEFAULT '',
    data_source      TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL
        CHECK (status IN ('running', 'ok', 'degraded', 'failed', 'interrupted')),
    exit_code        INTEGER,
    started_at       TEXT    NOT NULL,
    finished_at      TEXT,
    pid              INTEGER NOT NULL DEFAULT 0,
    symbols_total    INTEGER NOT NULL DEFAULT 0,
    symbols_screened INTEGER NOT NULL DEFAULT 0,
    symbols_failed   INTEGER NOT NULL DEFAULT 0,
    opportunities    INTEGER NOT NULL DEFAULT 0,
    duration_s       REAL DEFAULT 0,
    cost_usd         REAL DEFAULT 0,
    message          TEXT    NOT NULL DEFAULT ''
);
-- health: last run of a command; cleanup: runs older than the retention.
CREATE INDEX runs_command_started ON runs (command, started_at);
CREATE INDEX runs_started ON runs (started_at);
-- mark_interrupted_runs touches only the few rows still running.
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE TABLE results (
    id                INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    rank              INTEGER NOT NULL,
    symbol            TEXT    NOT NULL,
    strategy          TEXT    NOT NULL,
    legs              TEXT    NOT NULL CHECK (json_valid(legs)),
    expiration        TEXT    NOT NULL,
    dte               INTEGER NOT NULL,
    strike            REAL,
    underlying_price  REAL,
    bid               REAL,
    ask               REAL,
    mid               REAL,
    premium           REAL,
    spread_pct        REAL,
    delta             REAL,
    iv                REAL,
    open_interest     REAL,
    collateral        REAL,
    breakeven         REAL,
    max_profit        REAL,
    max_loss          REAL, -- NULL: undefined risk
    pop               REAL,
    return_on_capital REAL,
    annualized_return REAL,
    score             REAL,
    flags             TEXT    NOT NULL CHECK (json_valid(flags)),
    metrics           TEXT    NOT NULL DEFAULT '',
    ai_analysis       TEXT,
    -- also the index for "results of a run, by rank" and for the cascade
    UNIQUE (run_id, rank)
);
CREATE INDEX results_symbol ON results (symbol);

CREATE TABLE run_errors (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    symbol     TEXT    NOT NULL,
    stage      TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX run_errors_run ON run_errors (run_id);

CREATE TABLE api_calls (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER REFERENCES runs (id) ON DELETE CASCADE, -- NULL: outside any run
    ts          TEXT    NOT NULL,
    provider    TEXT    NOT NULL,
    endpoint    TEXT    NOT NULL,
    symbol      TEXT    NOT NULL DEFAULT '',
    status      INTEGER NOT NULL,
    duration_ms REAL,
    bytes       INTEGER NOT NULL DEFAULT 0,
    credits     REAL,
    cache_hit   INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
    cost_usd    REAL
);
-- health: today's spend and call counts; cleanup: rows older than the retention.
CREATE INDEX api_calls_ts ON api_calls (ts);
CREATE INDEX api_calls_run ON api_calls (run_id);
)sql";

// IV history so IV rank/percentile build up from our own runs: one row per symbol and session.
constexpr std::string_view k_v2 = R"sql(
CREATE TABLE iv_history (
    symbol TEXT NOT NULL,
    date   TEXT NOT NULL, -- YYYY-MM-DD session
    atm_iv REAL NOT NULL,
    hv20   REAL,
    PRIMARY KEY (symbol, date)
) WITHOUT ROWID;
)sql";

// Multi-leg candidates (spreads, condors, long options) and per-symbol chain quality.
// ALTER TABLE ADD COLUMN accepts a CHECK (SQLite >= 3.37 also tests it against existing rows,
// which hold NULL there and pass), so no table rebuild is needed. The v1 columns stay for
// existing databases and readers: premium = fill_price, mid = mid_price, breakeven = the first
// breakeven, annualized_return = return_on_capital_annualized; bid and ask are NULL from v3 on
// (the quotes are in each leg of `legs`). Rows written before v3 are backfilled from those
// columns: they were single-leg credit trades (cash-secured put, covered call).
constexpr std::string_view k_v3 = R"sql(
ALTER TABLE results ADD COLUMN t_years REAL;
ALTER TABLE results ADD COLUMN rate REAL;
ALTER TABLE results ADD COLUMN dividend_yield REAL;
ALTER TABLE results ADD COLUMN is_credit INTEGER CHECK (is_credit IN (0, 1));
ALTER TABLE results ADD COLUMN fill_price REAL;
ALTER TABLE results ADD COLUMN mid_price REAL;
ALTER TABLE results ADD COLUMN breakevens TEXT CHECK (breakevens IS NULL OR json_valid(breakevens));
ALTER TABLE results ADD COLUMN return_on_capital_annualized REAL;
ALTER TABLE results ADD COLUMN return_on_risk REAL;
ALTER TABLE results ADD COLUMN sector TEXT; -- NULL: unknown

UPDATE results SET
    is_credit = 1,
    fill_price = premium,
    mid_price = mid,
    breakevens = CASE WHEN breakeven IS NULL THEN '[]' ELSE json_array(breakeven) END,
    return_on_capital_annualized = annualized_return;

CREATE TABLE chain_quality (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    symbol     TEXT    NOT NULL,
    contracts  INTEGER NOT NULL, -- contracts in the chain as received
    usable     INTEGER NOT NULL, -- contracts left after quote-quality rejections
    grade      TEXT    NOT NULL,
    rankable   INTEGER NOT NULL CHECK (rankable IN (0, 1)),
    rejections TEXT    NOT NULL CHECK (json_valid(rejections)), -- {"reason": count, ...}
    repairs    TEXT    NOT NULL CHECK (json_valid(repairs)),    -- {"repair": count, ...}
    -- one row per symbol and run; also the index for the cascade
    UNIQUE (run_id, symbol)
);
)sql";

// Vendor response cache (net/ VendorChannel through pipeline's adapter): a same-day rerun spends
// no credits. Keys name vendor, endpoint and parameters, never a credential.
constexpr std::string_view k_v4 = R"sql(
CREATE TABLE http_cache (
    key     TEXT NOT NULL PRIMARY KEY,
    fetched TEXT NOT NULL, -- RFC 3339 UTC
    expires TEXT NOT NULL, -- RFC 3339 UTC; a row past it is never served
    body    BLOB NOT NULL
);
CREATE INDEX http_cache_expires ON http_cache (expires);
CREATE INDEX api_calls_provider_ts ON api_calls (provider, ts);
)sql";

// Vendor reconciliation: how far two vendors agreed on a sample of each symbol's contracts.
constexpr std::string_view k_v5 = R"sql(
CREATE TABLE reconciliation (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    symbol             TEXT    NOT NULL,
    primary_vendor     TEXT    NOT NULL,
    secondary_vendor   TEXT    NOT NULL,
    contracts_compared INTEGER NOT NULL,
    values_compared    INTEGER NOT NULL,
    disagreements      INTEGER NOT NULL,
    grade              TEXT    NOT NULL, -- A B C D F, or ? when the second vendor failed
    details            TEXT    NOT NULL CHECK (json_valid(details)), -- ["AAPL... bid 2.15 vs 2.6"]
    UNIQUE (run_id, symbol)
);
)sql";

// The AI analysis of a run's top picks (docs/ai.md): one row per run that asked for it, with the
// model, tokens, cost and validation outcome; each analysed result points at it and keeps its
// own part in results.ai_analysis. input_hash + created_at is the same-day cache.
constexpr std::string_view k_v6 = R"sql(
CREATE TABLE ai_analyses (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    created_at         TEXT    NOT NULL,
    input_hash         TEXT    NOT NULL,
    model              TEXT    NOT NULL,
    validation         TEXT    NOT NULL
        CHECK (validation IN ('accepted', 'accepted_on_retry', 'templated')),
    calls              INTEGER NOT NULL DEFAULT 0, -- Messages API calls answered (0: cached)
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_usd           REAL,
    request_id         TEXT    NOT NULL DEFAULT '',
    reason             TEXT    NOT NULL DEFAULT '', -- why templated
    cached_from        INTEGER, -- ai_analyses.id reused from an earlier run today
    analyses           TEXT    NOT NULL CHECK (json_valid(analyses))
);
CREATE INDEX ai_analyses_run ON ai_analyses (run_id);
CREATE INDEX ai_analyses_hash ON ai_analyses (input_hash, created_at);
ALTER TABLE results ADD COLUMN ai_analysis_id INTEGER
    REFERENCES ai_analyses (id) ON DELETE SET NULL;
CREATE INDEX results_ai_analysis ON results (ai_analysis_id) WHERE ai_analysis_id IS NOT NULL;
)sql";

// The weekly pass: every pick graded against what the market then did (one row per result,
// final once status is 'graded'), and the calibration of the predicted PoP per weekly run.
constexpr std::string_view k_pick_outcomes = R"sql(
CREATE TABLE pick_outcomes (
    result_id            INTEGER PRIMARY KEY REFERENCES results (id) ON DELETE CASCADE,
    run_id               INTEGER REFERENCES runs (id) ON DELETE SET NULL, -- the weekly run
    status               TEXT    NOT NULL CHECK (status IN ('graded', 'open', 'no_data')),
    outcome              TEXT    NOT NULL, -- expired_worthless assigned exercised partial ...
    as_of                TEXT    NOT NULL, -- YYYY-MM-DD the grade describes
    written_at           TEXT    NOT NULL, -- RFC 3339 UTC
    priced_on            TEXT,             -- the session whose close priced it
    underlying           REAL,
    pnl_per_share        REAL,             -- from the pick's own fill
    return_on_capital    REAL,
    win                  INTEGER CHECK (win IN (0, 1)),
    short_strike_touched INTEGER NOT NULL DEFAULT 0 CHECK (short_strike_touched IN (0, 1)),
    detail               TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX pick_outcomes_status ON pick_outcomes (status);

CREATE TABLE calibration (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    since              TEXT    NOT NULL, -- picks made on or after this date
    profile            TEXT    NOT NULL, -- '*' = every profile
    strategy           TEXT    NOT NULL, -- '*' = every strategy
    picks              INTEGER NOT NULL,
    wins               INTEGER NOT NULL,
    mean_pop           REAL    NOT NULL,
    win_rate           REAL    NOT NULL,
    brier              REAL    NOT NULL,
    mean_predicted_roc REAL,
    mean_realized_roc  REAL    NOT NULL,
    buckets            TEXT    NOT NULL CHECK (json_valid(buckets)),
    UNIQUE (run_id, profile, strategy)
);
)sql";

// Alert cooldowns (ops/alerts): the last status sent per alert key, so a stateless binary run
// every 15 minutes alerts once per change or cooldown, not on every run.
constexpr std::string_view k_alert_state = R"sql(
CREATE TABLE alert_state (
    key          TEXT NOT NULL PRIMARY KEY, -- e.g. "health:disk", "scan:daily", "budget:eodhd"
    last_status  TEXT NOT NULL,             -- ok | warning | critical | ...
    last_sent_at TEXT NOT NULL,             -- RFC 3339 UTC
    fingerprint  TEXT NOT NULL DEFAULT ''   -- what was sent (status and normalised message)
) WITHOUT ROWID;
)sql";

// The weekly pass's AI write-up (docs/weekly.md): one row per weekly run that asked for it, with
// its model, calls, cost and validation outcome; input_hash + created_at is the same-day cache.
constexpr std::string_view k_weekly_writeups = R"sql(
CREATE TABLE weekly_writeups (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    created_at    TEXT    NOT NULL,
    input_hash    TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    validation    TEXT    NOT NULL
        CHECK (validation IN ('accepted', 'accepted_on_retry', 'templated')),
    calls         INTEGER NOT NULL DEFAULT 0, -- Messages API calls answered (0: cached)
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_usd      REAL,
    request_id    TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL DEFAULT '', -- why templated
    cached_from   INTEGER, -- weekly_writeups.id reused from an earlier run today
    writeup       TEXT    NOT NULL CHECK (json_valid(writeup))
);
CREATE INDEX weekly_writeups_run ON weekly_writeups (run_id);
CREATE INDEX weekly_writeups_hash ON weekly_writeups (input_hash, created_at);
)sql";

constexpr std::array k_migrations{
    Migration{1, k_v1},
    Migration{2, k_v2},
    Migration{3, k_v3},
    Migration{4, k_v4},
    Migration{5, k_v5},
    Migration{6, k_v6},
    Migration{7, k_pick_outcomes},
    Migration{8, k_alert_state},
    Migration{9, k_weekly_writeups},
};

void check_table(std::span<const Migration> table) {
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].version != static_cast<int>(i) + 1) {
            throw StoreError(fmt::format("migration table is malformed: entry {} has version {}",
                                         i + 1, table[i].version));
        }
    }
}

} // namespace

std::span<const Migration> migrations() {
    return k_migrations;
}

int latest_schema_version() {
    return k_migrations.back().version;
}

int schema_version(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

void migrate_to(SQLite::Database& db, int target_version, std::span<const Migration> table) {
    check_table(table);
    const std::string& path = db.getFilename();
    const int known = table.empty() ? 0 : table.back().version;
    if (target_version > known) {
        throw StoreError(fmt::format("cannot migrate database {} to schema version {}: the "
                                     "latest known version is {}",
                                     path, target_version, known));
    }
    int current = 0;
    try {
        current = schema_version(db);
    } catch (const SQLite::Exception& e) {
        throw StoreError(
            fmt::format("cannot read schema version of database {}: {}", path, e.what()));
    }
    if (current > known) {
        throw StoreError(fmt::format("database {} has schema version {}, newer than the {} this "
                                     "binary knows; upgrade screener",
                                     path, current, known));
    }
    for (const Migration& step : table) {
        if (step.version <= current || step.version > target_version) {
            continue;
        }
        try {
            // IMMEDIATE takes the write lock first, so a concurrent opener waits (busy_timeout)
            // instead of failing halfway; it re-reads the version under the lock.
            SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
            current = schema_version(db);
            if (current >= step.version) {
                continue; // another process applied it meanwhile; the destructor rolls back
            }
            db.exec(std::string(step.sql));
            db.exec(fmt::format("PRAGMA user_version = {}", step.version));
            transaction.commit();
            current = step.version;
        } catch (const SQLite::Exception& e) {
            throw StoreError(fmt::format("cannot migrate database {} to schema version {}: {}",
                                         path, step.version, e.what()));
        }
    }
}

} // namespace screener::store
