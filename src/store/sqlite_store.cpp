#include "screener/store/sqlite_store.hpp"

#include "run_row.hpp"
#include "screener/core/error.hpp"
#include "screener/core/json_text.hpp"
#include "screener/store/migrations.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <utility>

namespace screener::store {

namespace {

constexpr int k_busy_timeout_ms = 5000;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view k_interrupted_message =
    "interrupted: the process ended without finishing the run (marked by a later start)";

// --- JSON text for the legs and flags columns -------------------------------------------------
// Written by hand (the shapes are tiny and fixed); read back with SQLite's built-in JSON
// functions, which also back the json_valid CHECKs in the schema.

std::string date_text(Date date) {
    return date.ok() ? format_date(date) : std::string();
}

std::string legs_json(const std::vector<Leg>& legs) {
    std::string out = "[";
    for (const Leg& leg : legs) {
        if (out.size() > 1) {
            out += ',';
        }
        out += "{\"option_symbol\":";
        append_json_string(out, leg.option_symbol);
        out += ",\"type\":";
        out += leg.type == OptionType::Call ? "\"call\"" : "\"put\"";
        out += ",\"strike\":";
        append_json_number(out, leg.strike);
        out += ",\"expiration\":";
        append_json_string(out, date_text(leg.expiration));
        out += fmt::format(",\"quantity\":{},\"is_stock\":{}", leg.quantity,
                           leg.is_stock ? "true" : "false");
        // The action is derived from the sign of quantity (stored for readers of the column).
        out += leg.quantity < 0 ? ",\"action\":\"sell\"" : ",\"action\":\"buy\"";
        const std::pair<const char*, double> quote[] = {{"bid", leg.bid},
                                                        {"ask", leg.ask},
                                                        {"mid", leg.mid},
                                                        {"iv", leg.iv},
                                                        {"delta", leg.delta}};
        for (const auto& [key, value] : quote) {
            out += fmt::format(",\"{}\":", key);
            append_json_number(out, value); // NaN (a stock leg's quote) becomes null
        }
        out += '}';
    }
    out += ']';
    return out;
}

std::string numbers_json(const std::vector<double>& numbers) {
    std::string out = "[";
    for (const double number : numbers) {
        if (out.size() > 1) {
            out += ',';
        }
        append_json_number(out, number);
    }
    out += ']';
    return out;
}

std::string counts_json(const std::map<std::string, int>& counts) {
    std::string out = "{";
    for (const auto& [key, count] : counts) {
        if (out.size() > 1) {
            out += ',';
        }
        append_json_string(out, key);
        out += fmt::format(":{}", count);
    }
    out += '}';
    return out;
}

std::string flags_json(const std::vector<std::string>& flags) {
    std::string out = "[";
    for (const std::string& flag : flags) {
        if (out.size() > 1) {
            out += ',';
        }
        append_json_string(out, flag);
    }
    out += ']';
    return out;
}

// --- binding and reading ----------------------------------------------------------------------

// SQLite turns a bound NaN into NULL anyway; doing it explicitly documents the mapping.
void bind_real(SQLite::Statement& statement, int index, double value) {
    if (std::isnan(value)) {
        statement.bind(index);
    } else {
        statement.bind(index, value);
    }
}

void bind_real(SQLite::Statement& statement, int index, std::optional<double> value) {
    if (value) {
        bind_real(statement, index, *value);
    } else {
        statement.bind(index);
    }
}

double real_or_nan(const SQLite::Column& column) {
    return column.isNull() ? k_nan : column.getDouble();
}

std::optional<double> real_or_nullopt(const SQLite::Column& column) {
    return column.isNull() ? std::nullopt : std::optional(column.getDouble());
}

Date date_or_throw(const std::string& text, std::string_view what) {
    if (text.empty()) {
        return Date{};
    }
    if (auto date = parse_date(text)) {
        return *date;
    }
    throw StoreError(fmt::format("{}: '{}' is not a date (YYYY-MM-DD)", what, text));
}

// The columns a result is read from, in select order.
constexpr std::string_view k_result_columns =
    "rank, symbol, strategy, legs, expiration, dte, t_years, underlying_price, rate, "
    "dividend_yield, is_credit, fill_price, mid_price, breakevens, pop, max_profit, max_loss, "
    "collateral, return_on_capital, return_on_capital_annualized, return_on_risk, strike, delta, "
    "iv, spread_pct, open_interest, score, sector, flags, metrics";
// Written too, for readers of the v1 columns: premium = fill_price, mid = mid_price, breakeven =
// the first breakeven, annualized_return = return_on_capital_annualized (bid, ask stay NULL).
constexpr std::string_view k_legacy_result_columns = "premium, mid, breakeven, annualized_return";
constexpr int k_result_read_columns = 30; // in k_result_columns
constexpr int k_result_column_count = k_result_read_columns + 4;

void bind_result(SQLite::Statement& insert, std::int64_t run_id, const Candidate& c) {
    int i = 1;
    insert.bind(i++, static_cast<std::int64_t>(run_id));
    insert.bind(i++, c.rank);
    insert.bind(i++, c.symbol);
    insert.bind(i++, c.strategy);
    insert.bind(i++, legs_json(c.legs));
    insert.bind(i++, date_text(c.expiration));
    insert.bind(i++, c.dte);
    for (const double figure : {c.t_years, c.underlying_price, c.rate, c.dividend_yield}) {
        bind_real(insert, i++, figure);
    }
    insert.bind(i++, c.is_credit ? 1 : 0);
    bind_real(insert, i++, c.fill_price);
    bind_real(insert, i++, c.mid_price);
    insert.bind(i++, numbers_json(c.breakevens));
    bind_real(insert, i++, c.pop);
    bind_real(insert, i++, c.max_profit);
    bind_real(insert, i++, c.max_loss);
    bind_real(insert, i++, c.collateral);
    bind_real(insert, i++, c.return_on_capital);
    bind_real(insert, i++, c.return_on_capital_annualized);
    bind_real(insert, i++, c.return_on_risk);
    for (const double figure : {c.strike, c.delta, c.iv, c.spread_pct, c.open_interest, c.score}) {
        bind_real(insert, i++, figure);
    }
    if (c.sector.empty()) {
        insert.bind(i++);
    } else {
        insert.bind(i++, c.sector);
    }
    insert.bind(i++, flags_json(c.flags));
    insert.bind(i++, c.metrics_json);
    // legacy columns
    bind_real(insert, i++, c.fill_price);
    bind_real(insert, i++, c.mid_price);
    bind_real(insert, i++,
              c.breakevens.empty() ? std::optional<double>()
                                   : std::optional<double>(c.breakevens.front()));
    bind_real(insert, i++, c.return_on_capital_annualized);
}

std::vector<Leg> read_legs(SQLite::Database& db, const std::string& json, std::string_view what) {
    SQLite::Statement query(db, "SELECT json_extract(value, '$.option_symbol'), "
                                "json_extract(value, '$.type'), json_extract(value, '$.strike'), "
                                "json_extract(value, '$.expiration'), "
                                "json_extract(value, '$.quantity'), "
                                "json_extract(value, '$.is_stock'), "
                                "json_extract(value, '$.bid'), json_extract(value, '$.ask'), "
                                "json_extract(value, '$.mid'), json_extract(value, '$.iv'), "
                                "json_extract(value, '$.delta') "
                                "FROM json_each(?1) ORDER BY key");
    query.bind(1, json);
    std::vector<Leg> legs;
    while (query.executeStep()) {
        Leg leg;
        leg.option_symbol = query.getColumn(0).getString();
        const std::string type = query.getColumn(1).getString();
        if (type != "call" && type != "put") {
            throw StoreError(fmt::format("{}: leg type '{}' is neither call nor put", what, type));
        }
        leg.type = type == "call" ? OptionType::Call : OptionType::Put;
        leg.strike = real_or_nan(query.getColumn(2));
        leg.expiration = date_or_throw(query.getColumn(3).getString(), what);
        leg.quantity = query.getColumn(4).getInt();
        leg.is_stock = query.getColumn(5).getInt() != 0;
        // Absent before schema v3, and null for a stock leg: NaN.
        leg.bid = real_or_nan(query.getColumn(6));
        leg.ask = real_or_nan(query.getColumn(7));
        leg.mid = real_or_nan(query.getColumn(8));
        leg.iv = real_or_nan(query.getColumn(9));
        leg.delta = real_or_nan(query.getColumn(10));
        legs.push_back(std::move(leg));
    }
    return legs;
}

std::vector<double> read_numbers(SQLite::Database& db, const SQLite::Column& column) {
    std::vector<double> numbers;
    if (column.isNull()) {
        return numbers;
    }
    SQLite::Statement query(db, "SELECT value FROM json_each(?1) ORDER BY key");
    query.bind(1, column.getString());
    while (query.executeStep()) {
        numbers.push_back(real_or_nan(query.getColumn(0)));
    }
    return numbers;
}

std::map<std::string, int> read_counts(SQLite::Database& db, const std::string& json) {
    SQLite::Statement query(db, "SELECT key, value FROM json_each(?1)");
    query.bind(1, json);
    std::map<std::string, int> counts;
    while (query.executeStep()) {
        counts[query.getColumn(0).getString()] = query.getColumn(1).getInt();
    }
    return counts;
}

std::vector<std::string> read_flags(SQLite::Database& db, const std::string& json) {
    SQLite::Statement query(db, "SELECT value FROM json_each(?1) ORDER BY key");
    query.bind(1, json);
    std::vector<std::string> flags;
    while (query.executeStep()) {
        flags.push_back(query.getColumn(0).getString());
    }
    return flags;
}

// Opens and configures one connection. Each step has its own message so an operator sees
// which part failed (open, read, WAL, write) and for which file.
std::unique_ptr<SQLite::Database> open_connection(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::unique_ptr<SQLite::Database> db;
    try {
        db = std::make_unique<SQLite::Database>(name, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                k_busy_timeout_ms);
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("cannot open database {}: {}", name, e.what()));
    }
    try {
        // Per-connection settings: a fresh connection starts at synchronous=FULL, no foreign
        // keys and no busy timeout, so they are set on every open. Preparing these reads the
        // file's header, so a corrupt file ("file is not a database") already fails here.
        db->exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
        db->exec(fmt::format("PRAGMA busy_timeout = {}", k_busy_timeout_ms));
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("cannot configure database {}: {}", name, e.what()));
    }
    int version = 0;
    try {
        version = schema_version(*db);
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("cannot read database {}: {}", name, e.what()));
    }
    // Checked before switching to WAL so a newer binary's file is left untouched.
    if (version > latest_schema_version()) {
        throw StoreError(fmt::format("database {} has schema version {}, newer than the {} this "
                                     "binary knows; upgrade screener",
                                     name, version, latest_schema_version()));
    }
    try {
        const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
        if (mode != "wal") {
            throw StoreError(fmt::format(
                "cannot enable WAL on database {}: journal_mode stays '{}'", name, mode));
        }
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("cannot enable WAL on database {}: {}", name, e.what()));
    }
    try {
        // Fail at open, not after a run has spent its vendor credits. An empty BEGIN IMMEDIATE
        // ... COMMIT is not enough: it succeeds on a read-only file in WAL mode. Rewriting
        // user_version with its own value does hit the write path; the transaction's
        // destructor rolls it back, so the file is not changed.
        SQLite::Transaction probe(*db, SQLite::TransactionBehavior::IMMEDIATE);
        db->exec(fmt::format("PRAGMA user_version = {}", version));
    } catch (const SQLite::Exception& e) {
        throw StoreError(fmt::format("database {} is not writable: {}", name, e.what()));
    }
    migrate_to(*db, latest_schema_version());
    return db;
}

} // namespace

std::string format_utc_timestamp(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(time);
    const auto day = floor<days>(ms);
    const year_month_day date{day};
    const hh_mm_ss clock{ms - day};
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z",
                       static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                       static_cast<unsigned>(date.day()), clock.hours().count(),
                       clock.minutes().count(), clock.seconds().count(),
                       clock.subseconds().count());
}

std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text) {
    using namespace std::chrono;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
    const auto number = [&](std::size_t at, std::size_t length, int& out) {
        if (text.size() < at + length) {
            return false;
        }
        const char* begin = text.data() + at;
        const auto [end, ec] = std::from_chars(begin, begin + length, out);
        return ec == std::errc() && end == begin + length;
    };
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text.back() != 'Z' || !number(0, 4, year) ||
        !number(5, 2, month) || !number(8, 2, day) || !number(11, 2, hour) ||
        !number(14, 2, minute) || !number(17, 2, second)) {
        return std::nullopt;
    }
    if (text.size() == 24 && text[19] == '.') {
        if (!number(20, 3, millis)) {
            return std::nullopt;
        }
    } else if (text.size() != 20) {
        return std::nullopt;
    }
    const year_month_day date{std::chrono::year(year),
                              std::chrono::month(static_cast<unsigned>(month)),
                              std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    return system_clock::time_point(sys_days(date) + hours(hour) + minutes(minute) +
                                    seconds(second) + milliseconds(millis));
}

DatabaseInspection inspect_database(const std::filesystem::path& database,
                                    std::chrono::system_clock::time_point now) {
    DatabaseInspection out;
    std::error_code ec;
    out.exists = std::filesystem::is_regular_file(database, ec);
    if (!out.exists) {
        out.error = fmt::format("database {} does not exist", database.string());
        return out;
    }
    try {
        SQLite::Database db(database.string(), SQLite::OPEN_READONLY, k_busy_timeout_ms);
        out.schema_version = schema_version(db);
        out.opened = true;
        out.quick_check = db.execAndGet("PRAGMA quick_check(1)").getString();
        const auto has_table = [&](const char* name) {
            SQLite::Statement query(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                        "name = ?");
            query.bind(1, name);
            return query.executeStep();
        };
        if (has_table("http_cache")) {
            SQLite::Statement query(db, "SELECT count(*), COALESCE(sum(expires <= ?), 0) "
                                        "FROM http_cache");
            query.bind(1, format_utc_timestamp(now));
            query.executeStep();
            out.cache_rows = query.getColumn(0).getInt64();
            out.cache_expired = query.getColumn(1).getInt64();
        }
        if (has_table("runs")) {
            SQLite::Statement query(db, "SELECT finished_at FROM runs WHERE command = 'scan' AND "
                                        "status IN ('ok', 'degraded') AND finished_at IS NOT NULL "
                                        "ORDER BY finished_at DESC LIMIT 1");
            if (query.executeStep()) {
                out.last_scan_finished_at = query.getColumn(0).getString();
            }
        }
    } catch (const SQLite::Exception& e) {
        out.error = fmt::format("cannot read database {}: {}", database.string(), e.what());
    }
    return out;
}

SqliteStore::SqliteStore(const std::filesystem::path& database, SqliteStoreOptions options)
    : m_path(database), m_options(std::move(options)), m_db(open_connection(database)) {}

SqliteStore::~SqliteStore() = default;

SqliteStore::Prepared::~Prepared() {
    try {
        m_statement.reset();
        m_statement.clearBindings();
    } catch (const SQLite::Exception&) {
        // reset() reports the last step's error again, which the caller has already seen.
    }
}

SqliteStore::Prepared SqliteStore::prepared(SQLite::Database& db, const char* sql) {
    auto& slot = m_statements[sql];
    if (!slot) {
        slot = std::make_unique<SQLite::Statement>(db, sql);
    }
    return Prepared(*slot);
}

template <class Body>
auto SqliteStore::locked(std::string_view what, Body&& body) {
    std::lock_guard lock(m_mutex);
    try {
        return body(*m_db);
    } catch (const SQLite::Exception& e) {
        throw StoreError(
            fmt::format("cannot {} in database {}: {}", what, m_path.string(), e.what()));
    }
}

template <class Read>
auto SqliteStore::rows_of_run(std::string_view what, std::int64_t run_id, const std::string& sql,
                              Read&& read) {
    return locked(fmt::format("read {} of run {}", what, run_id), [&](SQLite::Database& db) {
        SQLite::Statement query(db, sql);
        query.bind(1, static_cast<std::int64_t>(run_id));
        std::vector<decltype(read(db, query))> out;
        while (query.executeStep()) {
            out.push_back(read(db, query));
        }
        return out;
    });
}

std::string SqliteStore::now_text() const {
    return format_utc_timestamp(m_options.now ? m_options.now() : std::chrono::system_clock::now());
}

std::int64_t SqliteStore::begin_run(const RunStart& start) {
    return locked("begin run " + start.execution_id, [&](SQLite::Database& db) {
        SQLite::Statement insert(db, "INSERT INTO runs (execution_id, command, profile, as_of, "
                                     "data_source, status, started_at, pid) "
                                     "VALUES (?, ?, ?, ?, ?, 'running', ?, ?)");
        insert.bind(1, start.execution_id);
        insert.bind(2, start.command);
        insert.bind(3, start.profile);
        insert.bind(4, start.as_of);
        insert.bind(5, start.data_source);
        insert.bind(6, now_text());
        insert.bind(7, start.pid);
        insert.exec();
        return static_cast<std::int64_t>(db.getLastInsertRowid());
    });
}

void SqliteStore::finish_run(std::int64_t run_id, const RunFinish& finish) {
    const std::string what = fmt::format("finish run {}", run_id);
    if (finish.status == "running") {
        throw StoreError(
            fmt::format("cannot {} in database {}: status 'running' does not end a run", what,
                        m_path.string()));
    }
    const int changed = locked(what, [&](SQLite::Database& db) {
        SQLite::Statement update(db, "UPDATE runs SET status = ?, exit_code = ?, "
                                     "symbols_total = ?, symbols_screened = ?, symbols_failed = ?, "
                                     "opportunities = ?, duration_s = ?, cost_usd = ?, "
                                     "message = ?, finished_at = ? WHERE id = ?");
        update.bind(1, finish.status);
        update.bind(2, finish.exit_code);
        update.bind(3, finish.symbols_total);
        update.bind(4, finish.symbols_screened);
        update.bind(5, finish.symbols_failed);
        update.bind(6, finish.opportunities);
        bind_real(update, 7, finish.duration_s);
        bind_real(update, 8, finish.cost_usd);
        update.bind(9, finish.message);
        update.bind(10, now_text());
        update.bind(11, static_cast<std::int64_t>(run_id));
        return update.exec();
    });
    if (changed == 0) {
        throw StoreError(
            fmt::format("cannot {} in database {}: no such run", what, m_path.string()));
    }
}

void SqliteStore::add_results(std::int64_t run_id, const std::vector<Candidate>& results) {
    locked(fmt::format("add results to run {}", run_id), [&](SQLite::Database& db) {
        // One transaction: a run has all its results or none (and one commit is much faster).
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        std::string placeholders = "?";
        for (int i = 0; i < k_result_column_count; ++i) {
            placeholders += ", ?";
        }
        SQLite::Statement insert(db, fmt::format("INSERT INTO results (run_id, {}, {}) VALUES ({})",
                                                 k_result_columns, k_legacy_result_columns,
                                                 placeholders));
        for (const Candidate& candidate : results) {
            bind_result(insert, run_id, candidate);
            insert.exec();
            insert.reset();
        }
        transaction.commit();
    });
}

void SqliteStore::add_run_error(std::int64_t run_id, const SymbolError& error) {
    locked(fmt::format("add error to run {}", run_id), [&](SQLite::Database& db) {
        static constexpr const char* k_sql =
            "INSERT INTO run_errors (run_id, symbol, stage, message, "
            "created_at) VALUES (?, ?, ?, ?, ?)";
        auto prepared_insert = prepared(db, k_sql);
        auto& insert = prepared_insert.get();
        insert.bind(1, static_cast<std::int64_t>(run_id));
        insert.bind(2, error.symbol);
        insert.bind(3, error.stage);
        insert.bind(4, error.message);
        insert.bind(5, now_text());
        insert.exec();
    });
}

void SqliteStore::record_api_call(std::int64_t run_id, const ApiCallRecord& call) {
    locked("record API call", [&](SQLite::Database& db) {
        static constexpr const char* k_sql =
            "INSERT INTO api_calls (run_id, ts, provider, endpoint, "
            "symbol, status, duration_ms, bytes, credits, cache_hit, "
            "cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        auto prepared_insert = prepared(db, k_sql);
        auto& insert = prepared_insert.get();
        if (run_id > 0) {
            insert.bind(1, static_cast<std::int64_t>(run_id));
        } else {
            insert.bind(1);
        }
        insert.bind(2, now_text());
        insert.bind(3, call.provider);
        insert.bind(4, call.endpoint);
        insert.bind(5, call.symbol);
        insert.bind(6, call.status);
        bind_real(insert, 7, call.duration_ms);
        insert.bind(8, static_cast<std::int64_t>(call.bytes));
        bind_real(insert, 9, call.credits);
        insert.bind(10, call.cache_hit ? 1 : 0);
        bind_real(insert, 11, call.cost_usd);
        insert.exec();
    });
}

void SqliteStore::record_iv(const IvObservation& observation) {
    const std::string what =
        fmt::format("record IV of {} on {}", observation.symbol, observation.date);
    if (!std::isfinite(observation.atm_iv) || !parse_date(observation.date)) {
        throw StoreError(fmt::format("cannot {} in database {}: needs a finite atm_iv ({}) and a "
                                     "YYYY-MM-DD date",
                                     what, m_path.string(), observation.atm_iv));
    }
    locked(what, [&](SQLite::Database& db) {
        static constexpr const char* k_sql =
            "INSERT INTO iv_history (symbol, date, atm_iv, hv20) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (symbol, date) DO UPDATE "
            "SET atm_iv = excluded.atm_iv, "
            "hv20 = coalesce(excluded.hv20, iv_history.hv20)";
        auto prepared_upsert = prepared(db, k_sql);
        auto& upsert = prepared_upsert.get();
        upsert.bind(1, observation.symbol);
        upsert.bind(2, observation.date);
        upsert.bind(3, observation.atm_iv);
        bind_real(upsert, 4, observation.hv20);
        upsert.exec();
    });
}

int SqliteStore::mark_interrupted_runs() {
    return locked("mark interrupted runs", [&](SQLite::Database& db) {
        SQLite::Statement update(db, "UPDATE runs SET status = 'interrupted', finished_at = ?, "
                                     "message = ? WHERE status = 'running'");
        update.bind(1, now_text());
        update.bind(2, std::string(k_interrupted_message));
        return update.exec();
    });
}

std::optional<RunRow> SqliteStore::run(std::int64_t run_id) {
    return locked(fmt::format("read run {}", run_id), [&](SQLite::Database& db) {
        SQLite::Statement query(db, fmt::format("SELECT {} FROM runs WHERE id = ?", k_run_columns));
        query.bind(1, static_cast<std::int64_t>(run_id));
        return query.executeStep() ? std::optional(read_run(query)) : std::nullopt;
    });
}

std::optional<RunRow> SqliteStore::latest_run(const std::string& command) {
    return locked("read latest " + command + " run", [&](SQLite::Database& db) {
        SQLite::Statement query(
            db, fmt::format("SELECT {} FROM runs WHERE command = ? ORDER BY id DESC LIMIT 1",
                            k_run_columns));
        query.bind(1, command);
        return query.executeStep() ? std::optional(read_run(query)) : std::nullopt;
    });
}

namespace {

// Reads the k_result_columns of `query` starting at column `i`; `what` names the row in errors.
Candidate read_candidate(SQLite::Database& db, SQLite::Statement& query, int i,
                         const std::string& what) {
    Candidate c;
    c.rank = query.getColumn(i++).getInt();
    c.symbol = query.getColumn(i++).getString();
    c.strategy = query.getColumn(i++).getString();
    c.legs = read_legs(db, query.getColumn(i++).getString(), what);
    c.expiration = date_or_throw(query.getColumn(i++).getString(), what);
    c.dte = query.getColumn(i++).getInt();
    for (double* figure : {&c.t_years, &c.underlying_price, &c.rate, &c.dividend_yield}) {
        *figure = real_or_nan(query.getColumn(i++));
    }
    const SQLite::Column is_credit = query.getColumn(i++);
    c.is_credit = is_credit.isNull() || is_credit.getInt() != 0;
    c.fill_price = real_or_nan(query.getColumn(i++));
    c.mid_price = real_or_nan(query.getColumn(i++));
    c.breakevens = read_numbers(db, query.getColumn(i++));
    c.pop = real_or_nan(query.getColumn(i++));
    c.max_profit = real_or_nullopt(query.getColumn(i++));
    c.max_loss = real_or_nullopt(query.getColumn(i++));
    c.collateral = real_or_nan(query.getColumn(i++));
    c.return_on_capital = real_or_nullopt(query.getColumn(i++));
    c.return_on_capital_annualized = real_or_nullopt(query.getColumn(i++));
    c.return_on_risk = real_or_nullopt(query.getColumn(i++));
    for (double* figure : {&c.strike, &c.delta, &c.iv, &c.spread_pct, &c.open_interest, &c.score}) {
        *figure = real_or_nan(query.getColumn(i++));
    }
    const SQLite::Column sector = query.getColumn(i++);
    c.sector = sector.isNull() ? std::string() : sector.getString();
    c.flags = read_flags(db, query.getColumn(i++).getString());
    c.metrics_json = query.getColumn(i++).getString();
    return c;
}

// "r." before each of k_result_columns, for queries joining results with other tables.
std::string qualified_result_columns() {
    std::string out = "r.";
    for (const char ch : k_result_columns) {
        out += ch;
        if (ch == ' ') {
            out += "r.";
        }
    }
    return out;
}

void bind_optional_text(SQLite::Statement& statement, int index,
                        const std::optional<std::string>& value) {
    if (value) {
        statement.bind(index, *value);
    } else {
        statement.bind(index);
    }
}

std::optional<std::string> text_or_nullopt(const SQLite::Column& column) {
    return column.isNull() ? std::nullopt : std::optional(column.getString());
}

// Reads the pick_outcomes columns listed in k_outcome_columns starting at column `i`.
constexpr std::string_view k_outcome_columns =
    "o.result_id, o.status, o.outcome, o.as_of, o.priced_on, o.underlying, o.pnl_per_share, "
    "o.return_on_capital, o.win, o.short_strike_touched, o.detail";

PickOutcomeRow read_outcome(SQLite::Statement& query, int i) {
    PickOutcomeRow row;
    row.result_id = query.getColumn(i++).getInt64();
    row.status = query.getColumn(i++).getString();
    row.outcome = query.getColumn(i++).getString();
    row.as_of = query.getColumn(i++).getString();
    row.priced_on = text_or_nullopt(query.getColumn(i++));
    row.underlying = real_or_nullopt(query.getColumn(i++));
    row.pnl_per_share = real_or_nullopt(query.getColumn(i++));
    row.return_on_capital = real_or_nullopt(query.getColumn(i++));
    const SQLite::Column win = query.getColumn(i++);
    if (!win.isNull()) {
        row.win = win.getInt() != 0;
    }
    row.short_strike_touched = query.getColumn(i++).getInt() != 0;
    row.detail = query.getColumn(i++).getString();
    return row;
}

} // namespace

std::vector<Candidate> SqliteStore::results(std::int64_t run_id) {
    return rows_of_run(
        "results", run_id,
        fmt::format("SELECT {} FROM results WHERE run_id = ? ORDER BY rank", k_result_columns),
        [&](SQLite::Database& db, SQLite::Statement& query) {
            const std::string what = fmt::format("database {}, run {}, rank {}", m_path.string(),
                                                 run_id, query.getColumn(0).getInt());
            return read_candidate(db, query, 0, what);
        });
}

std::vector<StoredPick> SqliteStore::ungraded_picks(int no_data_grace_days) {
    return locked("read ungraded picks", [&](SQLite::Database& db) {
        SQLite::Statement query(
            db, fmt::format("SELECT r.id, r.run_id, runs.profile, runs.as_of, {} FROM results r "
                            "JOIN runs ON runs.id = r.run_id "
                            "LEFT JOIN pick_outcomes o ON o.result_id = r.id "
                            "WHERE runs.status IN ('ok', 'degraded') "
                            "AND (o.status IS NULL OR o.status = 'open' OR (o.status = 'no_data' "
                            "AND o.as_of < date(r.expiration, ?))) "
                            "ORDER BY runs.as_of, r.id",
                            qualified_result_columns()));
        query.bind(1, fmt::format("+{} days", no_data_grace_days));
        std::vector<StoredPick> out;
        while (query.executeStep()) {
            StoredPick p;
            p.result_id = query.getColumn(0).getInt64();
            p.run_id = query.getColumn(1).getInt64();
            p.profile = query.getColumn(2).getString();
            p.picked_on = query.getColumn(3).getString();
            p.pick = read_candidate(
                db, query, 4, fmt::format("database {}, result {}", m_path.string(), p.result_id));
            out.push_back(std::move(p));
        }
        return out;
    });
}

bool SqliteStore::record_outcome(std::int64_t run_id, const PickOutcomeRow& row) {
    return locked(
        fmt::format("record the outcome of result {}", row.result_id), [&](SQLite::Database& db) {
            SQLite::Statement upsert(
                db, "INSERT INTO pick_outcomes (result_id, run_id, status, outcome, as_of, "
                    "written_at, priced_on, underlying, pnl_per_share, return_on_capital, "
                    "win, short_strike_touched, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (result_id) DO UPDATE SET run_id = excluded.run_id, "
                    "status = excluded.status, outcome = excluded.outcome, "
                    "as_of = excluded.as_of, written_at = excluded.written_at, "
                    "priced_on = excluded.priced_on, underlying = excluded.underlying, "
                    "pnl_per_share = excluded.pnl_per_share, "
                    "return_on_capital = excluded.return_on_capital, win = excluded.win, "
                    "short_strike_touched = excluded.short_strike_touched, "
                    "detail = excluded.detail "
                    "WHERE pick_outcomes.status <> 'graded'");
            int i = 1;
            upsert.bind(i++, static_cast<std::int64_t>(row.result_id));
            if (run_id > 0) {
                upsert.bind(i++, static_cast<std::int64_t>(run_id));
            } else {
                upsert.bind(i++);
            }
            upsert.bind(i++, row.status);
            upsert.bind(i++, row.outcome);
            upsert.bind(i++, row.as_of);
            upsert.bind(i++, now_text());
            bind_optional_text(upsert, i++, row.priced_on);
            bind_real(upsert, i++, row.underlying);
            bind_real(upsert, i++, row.pnl_per_share);
            bind_real(upsert, i++, row.return_on_capital);
            if (row.win) {
                upsert.bind(i++, *row.win ? 1 : 0);
            } else {
                upsert.bind(i++);
            }
            upsert.bind(i++, row.short_strike_touched ? 1 : 0);
            upsert.bind(i++, row.detail);
            return upsert.exec() > 0;
        });
}

std::optional<PickOutcomeRow> SqliteStore::outcome(std::int64_t result_id) {
    return locked(fmt::format("read the outcome of result {}", result_id),
                  [&](SQLite::Database& db) -> std::optional<PickOutcomeRow> {
                      SQLite::Statement query(
                          db, fmt::format("SELECT {} FROM pick_outcomes o WHERE o.result_id = ?",
                                          k_outcome_columns));
                      query.bind(1, static_cast<std::int64_t>(result_id));
                      if (!query.executeStep()) {
                          return std::nullopt;
                      }
                      return read_outcome(query, 0);
                  });
}

std::vector<std::pair<StoredPick, PickOutcomeRow>>
SqliteStore::graded_picks(const std::string& since) {
    return locked("read graded picks since " + since, [&](SQLite::Database& db) {
        SQLite::Statement query(
            db, fmt::format("SELECT r.id, r.run_id, runs.profile, runs.as_of, {}, {} FROM results "
                            "r JOIN runs ON runs.id = r.run_id "
                            "JOIN pick_outcomes o ON o.result_id = r.id "
                            "WHERE o.status = 'graded' AND runs.as_of >= ? "
                            "ORDER BY runs.as_of, r.id",
                            qualified_result_columns(), k_outcome_columns));
        query.bind(1, since);
        std::vector<std::pair<StoredPick, PickOutcomeRow>> out;
        while (query.executeStep()) {
            StoredPick p;
            p.result_id = query.getColumn(0).getInt64();
            p.run_id = query.getColumn(1).getInt64();
            p.profile = query.getColumn(2).getString();
            p.picked_on = query.getColumn(3).getString();
            p.pick = read_candidate(
                db, query, 4, fmt::format("database {}, result {}", m_path.string(), p.result_id));
            out.emplace_back(std::move(p), read_outcome(query, 4 + k_result_read_columns));
        }
        return out;
    });
}

void SqliteStore::add_calibration(std::int64_t run_id, const std::vector<CalibrationRow>& rows) {
    locked(fmt::format("add calibration to run {}", run_id), [&](SQLite::Database& db) {
        SQLite::Transaction transaction(db);
        SQLite::Statement insert(
            db, "INSERT INTO calibration (run_id, since, profile, strategy, picks, wins, "
                "mean_pop, win_rate, brier, mean_predicted_roc, mean_realized_roc, buckets) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (const auto& row : rows) {
            int i = 1;
            insert.bind(i++, static_cast<std::int64_t>(run_id));
            insert.bind(i++, row.since);
            insert.bind(i++, row.profile);
            insert.bind(i++, row.strategy);
            insert.bind(i++, row.picks);
            insert.bind(i++, row.wins);
            insert.bind(i++, row.mean_pop);
            insert.bind(i++, row.win_rate);
            insert.bind(i++, row.brier);
            bind_real(insert, i++, row.mean_predicted_roc);
            insert.bind(i++, row.mean_realized_roc);
            insert.bind(i++, row.buckets_json);
            insert.exec();
            insert.reset();
        }
        transaction.commit();
    });
}

std::vector<CalibrationRow> SqliteStore::calibration(std::int64_t run_id) {
    return rows_of_run(
        "calibration", run_id,
        "SELECT since, profile, strategy, picks, wins, mean_pop, win_rate, brier, "
        "mean_predicted_roc, mean_realized_roc, buckets FROM calibration WHERE run_id = ? "
        "ORDER BY id",
        [](SQLite::Database&, SQLite::Statement& query) {
            CalibrationRow row;
            int i = 0;
            row.since = query.getColumn(i++).getString();
            row.profile = query.getColumn(i++).getString();
            row.strategy = query.getColumn(i++).getString();
            row.picks = query.getColumn(i++).getInt();
            row.wins = query.getColumn(i++).getInt();
            row.mean_pop = query.getColumn(i++).getDouble();
            row.win_rate = query.getColumn(i++).getDouble();
            row.brier = query.getColumn(i++).getDouble();
            row.mean_predicted_roc = real_or_nullopt(query.getColumn(i++));
            row.mean_realized_roc = query.getColumn(i++).getDouble();
            row.buckets_json = query.getColumn(i++).getString();
            return row;
        });
}

std::vector<RunRow> SqliteStore::runs_between(const std::string& from, const std::string& to) {
    return locked("read runs between " + from + " and " + to, [&](SQLite::Database& db) {
        SQLite::Statement query(db, fmt::format("SELECT {} FROM runs WHERE started_at >= ? AND "
                                                "started_at < ? ORDER BY started_at, id",
                                                k_run_columns));
        query.bind(1, from);
        query.bind(2, to);
        std::vector<RunRow> out;
        while (query.executeStep()) {
            out.push_back(read_run(query));
        }
        return out;
    });
}

std::vector<ProviderSpend> SqliteStore::spend_between(const std::string& from,
                                                      const std::string& to) {
    return locked("sum spend between " + from + " and " + to, [&](SQLite::Database& db) {
        SQLite::Statement query(db, "SELECT provider, count(*), sum(cache_hit), "
                                    "coalesce(sum(credits), 0), coalesce(sum(cost_usd), 0) "
                                    "FROM api_calls WHERE ts >= ? AND ts < ? "
                                    "GROUP BY provider ORDER BY provider");
        query.bind(1, from);
        query.bind(2, to);
        std::vector<ProviderSpend> out;
        while (query.executeStep()) {
            ProviderSpend row;
            row.provider = query.getColumn(0).getString();
            row.calls = query.getColumn(1).getInt();
            row.cache_hits = query.getColumn(2).getInt();
            row.credits = query.getColumn(3).getDouble();
            row.cost_usd = query.getColumn(4).getDouble();
            out.push_back(std::move(row));
        }
        return out;
    });
}

std::vector<SymbolError> SqliteStore::run_errors(std::int64_t run_id) {
    return rows_of_run("errors", run_id,
                       "SELECT symbol, stage, message FROM run_errors WHERE run_id = ? ORDER BY id",
                       [](SQLite::Database&, SQLite::Statement& query) {
                           return SymbolError{query.getColumn(0).getString(),
                                              query.getColumn(1).getString(),
                                              query.getColumn(2).getString()};
                       });
}

void SqliteStore::add_chain_quality(std::int64_t run_id, const ChainQualityRow& row) {
    locked(fmt::format("add chain quality of {} to run {}", row.symbol, run_id),
           [&](SQLite::Database& db) {
               static constexpr const char* k_sql =
                   "INSERT INTO chain_quality (run_id, symbol, contracts, usable, grade, "
                   "rankable, rejections, repairs) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (run_id, symbol) DO UPDATE SET "
                   "contracts = excluded.contracts, usable = excluded.usable, "
                   "grade = excluded.grade, rankable = excluded.rankable, "
                   "rejections = excluded.rejections, repairs = excluded.repairs";
               auto prepared_upsert = prepared(db, k_sql);
               auto& upsert = prepared_upsert.get();
               upsert.bind(1, static_cast<std::int64_t>(run_id));
               upsert.bind(2, row.symbol);
               upsert.bind(3, row.contracts);
               upsert.bind(4, row.usable);
               upsert.bind(5, row.grade);
               upsert.bind(6, row.rankable ? 1 : 0);
               upsert.bind(7, counts_json(row.rejections));
               upsert.bind(8, counts_json(row.repairs));
               upsert.exec();
           });
}

std::vector<ChainQualityRow> SqliteStore::chain_quality(std::int64_t run_id) {
    return rows_of_run(
        "chain quality", run_id,
        "SELECT symbol, contracts, usable, grade, rankable, rejections, repairs FROM chain_quality "
        "WHERE run_id = ? ORDER BY symbol",
        [](SQLite::Database& db, SQLite::Statement& query) {
            ChainQualityRow row;
            row.symbol = query.getColumn(0).getString();
            row.contracts = query.getColumn(1).getInt();
            row.usable = query.getColumn(2).getInt();
            row.grade = query.getColumn(3).getString();
            row.rankable = query.getColumn(4).getInt() != 0;
            row.rejections = read_counts(db, query.getColumn(5).getString());
            row.repairs = read_counts(db, query.getColumn(6).getString());
            return row;
        });
}

void SqliteStore::add_reconciliation(std::int64_t run_id, const ReconciliationRow& row) {
    locked(fmt::format("add reconciliation of {} to run {}", row.symbol, run_id),
           [&](SQLite::Database& db) {
               SQLite::Statement upsert(
                   db, "INSERT INTO reconciliation (run_id, symbol, primary_vendor, "
                       "secondary_vendor, contracts_compared, values_compared, disagreements, "
                       "grade, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (run_id, symbol) DO UPDATE SET "
                       "primary_vendor = excluded.primary_vendor, "
                       "secondary_vendor = excluded.secondary_vendor, "
                       "contracts_compared = excluded.contracts_compared, "
                       "values_compared = excluded.values_compared, "
                       "disagreements = excluded.disagreements, grade = excluded.grade, "
                       "details = excluded.details");
               upsert.bind(1, static_cast<std::int64_t>(run_id));
               upsert.bind(2, row.symbol);
               upsert.bind(3, row.primary_vendor);
               upsert.bind(4, row.secondary_vendor);
               upsert.bind(5, row.contracts_compared);
               upsert.bind(6, row.values_compared);
               upsert.bind(7, row.disagreements);
               upsert.bind(8, row.grade);
               upsert.bind(9, flags_json(row.details));
               upsert.exec();
           });
}

std::vector<ReconciliationRow> SqliteStore::reconciliations(std::int64_t run_id) {
    return rows_of_run(
        "reconciliation", run_id,
        "SELECT symbol, primary_vendor, secondary_vendor, contracts_compared, values_compared, "
        "disagreements, grade, details FROM reconciliation WHERE run_id = ? ORDER BY symbol",
        [](SQLite::Database& db, SQLite::Statement& query) {
            ReconciliationRow row;
            row.symbol = query.getColumn(0).getString();
            row.primary_vendor = query.getColumn(1).getString();
            row.secondary_vendor = query.getColumn(2).getString();
            row.contracts_compared = query.getColumn(3).getInt();
            row.values_compared = query.getColumn(4).getInt();
            row.disagreements = query.getColumn(5).getInt();
            row.grade = query.getColumn(6).getString();
            row.details = read_flags(db, query.getColumn(7).getString());
            return row;
        });
}

std::vector<double> SqliteStore::iv_history(const std::string& symbol,
                                            const std::string& before_date, int limit) {
    const std::string what = fmt::format("read IV history of {} before {}", symbol, before_date);
    if (!parse_date(before_date)) {
        throw StoreError(fmt::format("cannot {} in database {}: the date is not YYYY-MM-DD", what,
                                     m_path.string()));
    }
    if (limit <= 0) {
        return {};
    }
    return locked(what, [&](SQLite::Database& db) {
        // Dates are YYYY-MM-DD text, so text order is date order.
        SQLite::Statement query(db, "SELECT atm_iv FROM (SELECT date, atm_iv FROM iv_history "
                                    "WHERE symbol = ? AND date < ? ORDER BY date DESC LIMIT ?) "
                                    "ORDER BY date");
        query.bind(1, symbol);
        query.bind(2, before_date);
        query.bind(3, limit);
        std::vector<double> out;
        while (query.executeStep()) {
            out.push_back(query.getColumn(0).getDouble());
        }
        return out;
    });
}

std::optional<std::string> SqliteStore::cached_response(const std::string& key,
                                                        std::chrono::system_clock::time_point now) {
    return locked("read http_cache", [&](SQLite::Database& db) -> std::optional<std::string> {
        static constexpr const char* k_sql =
            "SELECT body FROM http_cache WHERE key = ? AND expires > ?";
        auto prepared_query = prepared(db, k_sql);
        auto& query = prepared_query.get();
        query.bind(1, key);
        query.bind(2, format_utc_timestamp(now));
        if (!query.executeStep()) {
            return std::nullopt;
        }
        const auto column = query.getColumn(0);
        return std::string(static_cast<const char*>(column.getBlob()),
                           static_cast<std::size_t>(column.getBytes()));
    });
}

void SqliteStore::cache_response(const std::string& key, const std::string& body,
                                 std::chrono::system_clock::time_point fetched,
                                 std::chrono::system_clock::time_point expires) {
    locked("write http_cache", [&](SQLite::Database& db) {
        static constexpr const char* k_sql =
            "INSERT INTO http_cache (key, fetched, expires, body) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "fetched = excluded.fetched, expires = excluded.expires, "
            "body = excluded.body";
        auto prepared_upsert = prepared(db, k_sql);
        auto& upsert = prepared_upsert.get();
        upsert.bind(1, key);
        upsert.bind(2, format_utc_timestamp(fetched));
        upsert.bind(3, format_utc_timestamp(expires));
        upsert.bindNoCopy(4, body.data(), static_cast<int>(body.size())); // alive until exec
        upsert.exec();
    });
}

double SqliteStore::credits_spent(const std::string& provider,
                                  std::chrono::system_clock::time_point since) {
    return locked("sum credits of " + provider, [&](SQLite::Database& db) {
        // ts is fixed-width RFC 3339 UTC text, so text order is time order.
        SQLite::Statement query(db, "SELECT COALESCE(SUM(credits), 0) FROM api_calls "
                                    "WHERE provider = ? AND ts >= ?");
        query.bind(1, provider);
        query.bind(2, format_utc_timestamp(since));
        query.executeStep();
        return query.getColumn(0).getDouble();
    });
}

namespace {

// ai_analyses and weekly_writeups keep the same columns of the calls behind an answer, then the
// answer itself in `payload_column`. Table and column names are literals of this file.
std::int64_t insert_ai_answer(SQLite::Database& db, std::string_view table,
                              std::string_view payload_column, std::int64_t run_id,
                              const std::string& created_at, const AiCallRecord& record,
                              const std::string& payload) {
    SQLite::Statement insert(
        db, fmt::format("INSERT INTO {} (run_id, created_at, input_hash, model, validation, calls, "
                        "input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, "
                        "cost_usd, request_id, reason, cached_from, {}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        table, payload_column));
    insert.bind(1, static_cast<std::int64_t>(run_id));
    insert.bind(2, created_at);
    insert.bind(3, record.input_hash);
    insert.bind(4, record.model);
    insert.bind(5, record.validation);
    insert.bind(6, record.calls);
    insert.bind(7, record.input_tokens);
    insert.bind(8, record.output_tokens);
    insert.bind(9, record.cache_write_tokens);
    insert.bind(10, record.cache_read_tokens);
    bind_real(insert, 11, record.cost_usd);
    insert.bind(12, record.request_id);
    insert.bind(13, record.reason);
    if (record.cached_from) {
        insert.bind(14, *record.cached_from);
    } else {
        insert.bind(14);
    }
    insert.bind(15, payload);
    insert.exec();
    return db.getLastInsertRowid();
}

// The newest model-written answer (validation accepted or accepted_on_retry) stored under
// `input_hash` at or after `since`: the same-day cache of both tables.
std::optional<StoredAiAnalysis> cached_ai_answer(SQLite::Database& db, std::string_view table,
                                                 std::string_view payload_column,
                                                 const std::string& input_hash,
                                                 const std::string& since) {
    SQLite::Statement query(
        db, fmt::format("SELECT id, model, validation, {} FROM {} WHERE input_hash = ? AND "
                        "created_at >= ? AND validation IN ('accepted', 'accepted_on_retry') "
                        "ORDER BY id DESC LIMIT 1",
                        payload_column, table));
    query.bind(1, input_hash);
    query.bind(2, since);
    if (!query.executeStep()) {
        return std::nullopt;
    }
    return StoredAiAnalysis{query.getColumn(0).getInt64(), query.getColumn(1).getString(),
                            query.getColumn(2).getString(), query.getColumn(3).getString()};
}

} // namespace

std::int64_t SqliteStore::add_ai_analysis(std::int64_t run_id, const AiAnalysisRecord& record) {
    const std::string what = fmt::format("store AI analysis of run {}", run_id);
    std::optional<int> missing_rank;
    const std::int64_t id = locked(what, [&](SQLite::Database& db) -> std::int64_t {
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::int64_t row = insert_ai_answer(db, "ai_analyses", "analyses", run_id, now_text(),
                                                  record, record.analyses_json);
        SQLite::Statement update(db, "UPDATE results SET ai_analysis = ?, ai_analysis_id = ? "
                                     "WHERE run_id = ? AND rank = ?");
        for (const auto& [rank, analysis] : record.picks) {
            update.bind(1, analysis);
            update.bind(2, row);
            update.bind(3, static_cast<std::int64_t>(run_id));
            update.bind(4, rank);
            if (update.exec() == 0) {
                missing_rank = rank;
                return 0; // rolled back
            }
            update.reset();
        }
        transaction.commit();
        return row;
    });
    if (missing_rank) {
        throw StoreError(fmt::format("cannot {} in database {}: no result ranked {}", what,
                                     m_path.string(), *missing_rank));
    }
    return id;
}

std::optional<StoredAiAnalysis>
SqliteStore::cached_ai_analysis(const std::string& input_hash,
                                std::chrono::system_clock::time_point since) {
    return locked("read cached AI analysis", [&](SQLite::Database& db) {
        return cached_ai_answer(db, "ai_analyses", "analyses", input_hash,
                                format_utc_timestamp(since));
    });
}

std::int64_t SqliteStore::add_weekly_writeup(std::int64_t run_id,
                                             const WeeklyWriteupRecord& record) {
    return locked(fmt::format("store weekly write-up of run {}", run_id),
                  [&](SQLite::Database& db) {
                      return insert_ai_answer(db, "weekly_writeups", "writeup", run_id, now_text(),
                                              record, record.writeup_json);
                  });
}

std::optional<StoredWeeklyWriteup>
SqliteStore::cached_weekly_writeup(const std::string& input_hash,
                                   std::chrono::system_clock::time_point since) {
    return locked("read cached weekly write-up", [&](SQLite::Database& db) {
        auto stored = cached_ai_answer(db, "weekly_writeups", "writeup", input_hash,
                                       format_utc_timestamp(since));
        return stored ? std::optional(StoredWeeklyWriteup{
                            stored->id, stored->model, stored->validation, stored->analyses_json})
                      : std::nullopt;
    });
}

double SqliteStore::cost_spent(const std::string& provider,
                               std::chrono::system_clock::time_point since) {
    return locked("sum cost of " + provider, [&](SQLite::Database& db) {
        SQLite::Statement query(db, "SELECT COALESCE(SUM(cost_usd), 0) FROM api_calls "
                                    "WHERE provider = ? AND ts >= ?");
        query.bind(1, provider);
        query.bind(2, format_utc_timestamp(since));
        query.executeStep();
        return query.getColumn(0).getDouble();
    });
}

std::optional<RunRow> SqliteStore::latest_successful_run(const std::string& command,
                                                         const std::string& profile) {
    return locked("read latest successful " + command + " run", [&](SQLite::Database& db) {
        SQLite::Statement query(
            db, fmt::format("SELECT {} FROM runs WHERE command = ? AND (? = '' OR profile = ?) "
                            "AND status IN ('ok', 'degraded') ORDER BY id DESC LIMIT 1",
                            k_run_columns));
        query.bind(1, command);
        query.bind(2, profile);
        query.bind(3, profile);
        return query.executeStep() ? std::optional(read_run(query)) : std::nullopt;
    });
}

int SqliteStore::ai_analyses(std::int64_t run_id) {
    return locked(fmt::format("count AI analyses of run {}", run_id), [&](SQLite::Database& db) {
        SQLite::Statement query(db, "SELECT count(*) FROM results WHERE run_id = ? AND "
                                    "ai_analysis IS NOT NULL AND ai_analysis != ''");
        query.bind(1, static_cast<std::int64_t>(run_id));
        query.executeStep();
        return query.getColumn(0).getInt();
    });
}

namespace {

// The api_calls rows matching `where` (one bound text or integer parameter), per provider.
std::vector<ApiCallStats> read_api_call_stats(SQLite::Statement& query) {
    std::vector<ApiCallStats> out;
    while (query.executeStep()) {
        ApiCallStats stats;
        stats.provider = query.getColumn(0).getString();
        stats.calls = query.getColumn(1).getInt();
        stats.errors = query.getColumn(2).getInt();
        stats.credits = query.getColumn(3).getDouble();
        stats.cost_usd = query.getColumn(4).getDouble();
        stats.mean_duration_ms = query.getColumn(5).getDouble();
        out.push_back(std::move(stats));
    }
    return out;
}

constexpr std::string_view k_api_stats_select =
    "SELECT provider, count(*), "
    "sum(CASE WHEN status = 0 OR status IN (401, 403, 429) OR status >= 500 THEN 1 ELSE 0 END), "
    "COALESCE(sum(credits), 0), COALESCE(sum(cost_usd), 0), COALESCE(avg(duration_ms), 0) "
    "FROM api_calls WHERE cache_hit = 0 AND ";

} // namespace

std::vector<ApiCallStats> SqliteStore::api_call_stats(std::int64_t run_id) {
    return locked(fmt::format("sum API calls of run {}", run_id), [&](SQLite::Database& db) {
        SQLite::Statement query(db, fmt::format("{} run_id = ? GROUP BY provider ORDER BY provider",
                                                k_api_stats_select));
        query.bind(1, static_cast<std::int64_t>(run_id));
        return read_api_call_stats(query);
    });
}

std::vector<ApiCallStats>
SqliteStore::api_call_stats_since(std::chrono::system_clock::time_point since) {
    return locked("sum recent API calls", [&](SQLite::Database& db) {
        SQLite::Statement query(
            db, fmt::format("{} ts >= ? GROUP BY provider ORDER BY provider", k_api_stats_select));
        query.bind(1, format_utc_timestamp(since));
        return read_api_call_stats(query);
    });
}

std::optional<AlertState> SqliteStore::alert_state(const std::string& key) {
    return locked(
        "read alert state " + key, [&](SQLite::Database& db) -> std::optional<AlertState> {
            SQLite::Statement query(db, "SELECT last_status, last_sent_at, fingerprint "
                                        "FROM alert_state WHERE key = ?");
            query.bind(1, key);
            if (!query.executeStep()) {
                return std::nullopt;
            }
            AlertState state;
            state.key = key;
            state.last_status = query.getColumn(0).getString();
            const std::string sent = query.getColumn(1).getString();
            const auto time = parse_utc_timestamp(sent);
            if (!time) {
                throw StoreError(
                    fmt::format("alert_state {}: last_sent_at '{}' is not a timestamp", key, sent));
            }
            state.last_sent_at = *time;
            state.fingerprint = query.getColumn(2).getString();
            return state;
        });
}

void SqliteStore::set_alert_state(const AlertState& state) {
    locked("write alert state " + state.key, [&](SQLite::Database& db) {
        SQLite::Statement upsert(db, "INSERT INTO alert_state (key, last_status, last_sent_at, "
                                     "fingerprint) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO "
                                     "UPDATE SET last_status = excluded.last_status, "
                                     "last_sent_at = excluded.last_sent_at, "
                                     "fingerprint = excluded.fingerprint");
        upsert.bind(1, state.key);
        upsert.bind(2, state.last_status);
        upsert.bind(3, format_utc_timestamp(state.last_sent_at));
        upsert.bind(4, state.fingerprint);
        upsert.exec();
    });
}

ConnectionSettings SqliteStore::connection_settings() {
    return locked("read connection settings", [&](SQLite::Database& db) {
        ConnectionSettings settings;
        settings.journal_mode = db.execAndGet("PRAGMA journal_mode").getString();
        settings.synchronous = db.execAndGet("PRAGMA synchronous").getInt();
        settings.busy_timeout_ms = db.execAndGet("PRAGMA busy_timeout").getInt();
        settings.foreign_keys = db.execAndGet("PRAGMA foreign_keys").getInt() != 0;
        settings.user_version = schema_version(db);
        return settings;
    });
}

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& database,
                                         SqliteStoreOptions options) {
    return std::make_unique<SqliteStore>(database, std::move(options));
}

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& database) {
    return open_sqlite_store(database, SqliteStoreOptions{});
}

} // namespace screener::store
