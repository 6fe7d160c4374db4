// Tests of the SQLite store against real database files in a fresh temp dir per test.

#include "screener/core/error.hpp"
#include "screener/store/migrations.hpp"
#include "screener/store/sqlite_store.hpp"

#include <SQLiteCpp/Database.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <limits>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace screener;
using namespace screener::store;
using Catch::Matchers::Contains;

namespace {

// A fresh directory per test, removed (with any WAL/SHM files) afterwards.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device random;
        m_path = fs::temp_directory_path() /
                 ("screener_store_test_" + std::to_string(::getpid()) + "_" +
                  std::to_string(counter++) + "_" + std::to_string(random()));
        fs::create_directories(m_path);
        // Traversable by others: the permission tests open files as an unprivileged user.
        fs::permissions(m_path, fs::perms::owner_all | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read |
                                    fs::perms::others_exec);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return m_path; }
    fs::path operator/(const std::string& name) const { return m_path / name; }

private:
    fs::path m_path;
};

// 2026-11-28T12:00:00.123Z, so timestamps can be asserted exactly.
std::chrono::system_clock::time_point fixed_time() {
    using namespace std::chrono;
    return sys_days{2026y / November / 28} + hours{12} + milliseconds{123};
}
constexpr const char* k_fixed_text = "2026-11-28T12:00:00.123Z";

std::unique_ptr<SqliteStore> open_store(const fs::path& path) {
    return std::make_unique<SqliteStore>(path, SqliteStoreOptions{fixed_time});
}

// A connection opened by the test itself, without any of the store's settings.
SQLite::Database raw(const fs::path& path) {
    return SQLite::Database(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
}

int query_int(SQLite::Database& db, const std::string& sql) {
    return db.execAndGet(sql).getInt();
}

std::string query_text(SQLite::Database& db, const std::string& sql) {
    return db.execAndGet(sql).getString();
}

RunFinish finished(const std::string& status, int exit_code = 0) {
    RunFinish finish;
    finish.status = status;
    finish.exit_code = exit_code;
    return finish;
}

ApiCallRecord api_call(const std::string& provider, const std::string& endpoint,
                       const std::string& symbol, int status) {
    ApiCallRecord call;
    call.provider = provider;
    call.endpoint = endpoint;
    call.symbol = symbol;
    call.status = status;
    return call;
}

RunStart run_start(const std::string& execution_id, const std::string& command = "scan") {
    return RunStart{execution_id, command, "daily", "2026-11-27", "sample (synthetic)", 4242};
}

Leg option_leg(const std::string& symbol, OptionType type, double strike, Date expiration,
               int quantity, double bid, double ask, double iv, double delta) {
    Leg leg{symbol, type, strike, expiration, quantity, false};
    leg.bid = bid;
    leg.ask = ask;
    leg.mid = (bid + ask) / 2;
    leg.iv = iv;
    leg.delta = delta;
    return leg;
}

Candidate put_candidate(int rank) {
    using namespace std::chrono;
    Candidate c;
    c.symbol = "AAPL";
    c.strategy = "cash_secured_put";
    c.legs = {option_leg("AAPL261218P00175000", OptionType::Put, 175.0, 2026y / December / 18, -1,
                         2.15, 2.25, 0.284, -0.21)};
    c.expiration = 2026y / December / 18;
    c.dte = 20;
    c.t_years = 20.25 / 365.0;
    c.underlying_price = 182.37;
    c.rate = 0.0431;
    c.dividend_yield = 0.0052;
    c.is_credit = true;
    c.fill_price = 2.15;
    c.mid_price = 2.2;
    c.breakevens = {172.85};
    c.pop = 0.78;
    c.max_profit = 2.15;
    c.max_loss = 172.85;
    c.collateral = 175.0;
    c.return_on_capital = 2.15 / 175.0;
    c.return_on_capital_annualized = 2.15 / 175.0 * 365.0 / 20.0;
    c.return_on_risk = std::nullopt;
    c.strike = 175.0;
    c.delta = -0.21;
    c.iv = 0.284;
    c.spread_pct = 0.1 / 2.2;
    c.open_interest = 1532;
    c.score = 0.8123456789012345;
    c.rank = rank;
    c.sector = "Technology";
    c.metrics_json = R"({"pop":{"value":0.78,"convention":"N(d2) at the breakeven"}})";
    c.flags = {"earnings_before_expiry"};
    return c;
}

// Undefined risk (NULL max_loss), a stock leg, a NaN figure and text that needs JSON escaping.
Candidate awkward_candidate(int rank) {
    using namespace std::chrono;
    Candidate c = put_candidate(rank);
    c.symbol = "BRK.B";
    c.strategy = "short_call";
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Leg stock{"", OptionType::Call, 0.0, Date{}, 100, true};
    stock.bid = stock.ask = stock.mid = stock.iv = stock.delta = nan;
    c.legs = {stock,
              option_leg("BRK \"B\"\\261218C\n\x01", OptionType::Call, 0.30000000000000004,
                         2027y / January / 15, -1, 0.1, 0.30000000000000004, 1.0 / 3.0, 0.1 + 0.2)};
    c.max_loss = std::nullopt;
    c.delta = nan;
    c.sector = "";
    c.flags = {"wide_spread", "quote\" back\\slash\nnew\tline\x1f", "caf\xc3\xa9"};
    c.metrics_json = "{}";
    return c;
}

// A 4-leg iron condor: defined risk on both sides, two breakevens, return on risk.
Candidate condor_candidate(int rank) {
    using namespace std::chrono;
    const Date expiry = 2027y / January / 15;
    Candidate c;
    c.symbol = "SPY";
    c.strategy = "iron_condor";
    c.legs = {
        option_leg("SPY270115P00560000", OptionType::Put, 560, expiry, 1, 1.02, 1.08, 0.231, -0.08),
        option_leg("SPY270115P00565000", OptionType::Put, 565, expiry, -1, 1.41, 1.47, 0.224,
                   -0.11),
        option_leg("SPY270115C00635000", OptionType::Call, 635, expiry, -1, 1.30, 1.36, 0.162,
                   0.12),
        option_leg("SPY270115C00640000", OptionType::Call, 640, expiry, 1, 0.88, 0.93, 0.158,
                   0.09)};
    c.expiration = expiry;
    c.dte = 48;
    c.t_years = 48.27083333333333 / 365.0;
    c.underlying_price = 601.17;
    c.rate = 0.0425;
    c.dividend_yield = 0.0121;
    c.is_credit = true;
    c.fill_price = 0.71;
    c.mid_price = 0.815;
    c.breakevens = {564.29, 635.71};
    c.pop = 0.6632148712;
    c.max_profit = 0.71;
    c.max_loss = 4.29;
    c.collateral = 4.29;
    c.return_on_capital = 0.71 / 4.29;
    c.return_on_capital_annualized = 0.71 / 4.29 * 365.0 / 48.0;
    c.return_on_risk = 0.71 / 4.29;
    c.strike = 565;
    c.delta = -0.11;
    c.iv = 0.224;
    c.spread_pct = 0.05 / 0.905;
    c.open_interest = 812;
    c.score = 1.25;
    c.rank = rank;
    c.sector = "ETF";
    c.metrics_json = R"({"pop_convention":"each side at its own short leg's iv"})";
    c.flags = {};
    return c;
}

// A long call: a debit, unlimited profit (NULL max_profit), no return on capital.
Candidate long_call_candidate(int rank) {
    using namespace std::chrono;
    const Date expiry = 2026y / December / 18;
    Candidate c;
    c.symbol = "NVDA";
    c.strategy = "long_call";
    c.legs = {option_leg("NVDA261218C00190000", OptionType::Call, 190, expiry, 1, 4.10, 4.25, 0.512,
                         0.43)};
    c.expiration = expiry;
    c.dte = 20;
    c.t_years = 20.27 / 365.0;
    c.underlying_price = 186.4;
    c.rate = 0.0431;
    c.dividend_yield = 0.0;
    c.is_credit = false;
    c.fill_price = 4.25;
    c.mid_price = 4.175;
    c.breakevens = {194.25};
    c.pop = 0.3511;
    c.max_profit = std::nullopt;
    c.max_loss = 4.25;
    c.collateral = 4.25;
    c.return_on_capital = std::nullopt;
    c.return_on_capital_annualized = std::nullopt;
    c.return_on_risk = std::nullopt;
    c.strike = 190;
    c.delta = 0.43;
    c.iv = 0.512;
    c.spread_pct = 0.15 / 4.175;
    c.open_interest = 20311;
    c.score = 0.2;
    c.rank = rank;
    c.sector = "Technology";
    c.metrics_json = "{}";
    c.flags = {"wide_spread"};
    return c;
}

void check_same_double(double got, double want) {
    if (std::isnan(want)) {
        CHECK(std::isnan(got));
    } else {
        CHECK(got == want); // REAL columns keep the exact double
    }
}

void require_same(const Candidate& got, const Candidate& want) {
    CHECK(got.rank == want.rank);
    CHECK(got.symbol == want.symbol);
    CHECK(got.strategy == want.strategy);
    REQUIRE(got.legs.size() == want.legs.size());
    for (std::size_t i = 0; i < want.legs.size(); ++i) {
        INFO("leg " << i);
        CHECK(got.legs[i].option_symbol == want.legs[i].option_symbol);
        CHECK(got.legs[i].type == want.legs[i].type);
        CHECK(got.legs[i].strike == want.legs[i].strike);
        CHECK(got.legs[i].expiration == want.legs[i].expiration);
        CHECK(got.legs[i].quantity == want.legs[i].quantity);
        CHECK(got.legs[i].is_stock == want.legs[i].is_stock);
        check_same_double(got.legs[i].bid, want.legs[i].bid);
        check_same_double(got.legs[i].ask, want.legs[i].ask);
        check_same_double(got.legs[i].mid, want.legs[i].mid);
        check_same_double(got.legs[i].iv, want.legs[i].iv);
        check_same_double(got.legs[i].delta, want.legs[i].delta);
    }
    CHECK(got.expiration == want.expiration);
    CHECK(got.dte == want.dte);
    CHECK(got.is_credit == want.is_credit);
    const std::pair<double, double> figures[] = {{got.t_years, want.t_years},
                                                 {got.underlying_price, want.underlying_price},
                                                 {got.rate, want.rate},
                                                 {got.dividend_yield, want.dividend_yield},
                                                 {got.fill_price, want.fill_price},
                                                 {got.mid_price, want.mid_price},
                                                 {got.pop, want.pop},
                                                 {got.collateral, want.collateral},
                                                 {got.strike, want.strike},
                                                 {got.delta, want.delta},
                                                 {got.iv, want.iv},
                                                 {got.spread_pct, want.spread_pct},
                                                 {got.open_interest, want.open_interest},
                                                 {got.score, want.score}};
    for (const auto& [g, w] : figures) {
        check_same_double(g, w);
    }
    REQUIRE(got.breakevens.size() == want.breakevens.size());
    for (std::size_t i = 0; i < want.breakevens.size(); ++i) {
        check_same_double(got.breakevens[i], want.breakevens[i]);
    }
    CHECK(got.max_profit == want.max_profit);
    CHECK(got.max_loss == want.max_loss);
    CHECK(got.return_on_capital == want.return_on_capital);
    CHECK(got.return_on_capital_annualized == want.return_on_capital_annualized);
    CHECK(got.return_on_risk == want.return_on_risk);
    CHECK(got.sector == want.sector);
    CHECK(got.metrics_json == want.metrics_json);
    CHECK(got.flags == want.flags);
}

// Runs open_sqlite_store(path) with file permissions enforced. The tests run as root, for whom
// chmod means nothing, so then the open happens in a forked child that has dropped to
// uid/gid 65534 (nobody). Returns "opened", "StoreError: <message>", "other: <message>", or
// "skip: <why>" when privileges could not be dropped.
std::string open_unprivileged(const fs::path& path) {
    auto attempt = [&]() -> std::string {
        try {
            open_sqlite_store(path);
            return "opened";
        } catch (const StoreError& e) {
            return std::string("StoreError: ") + e.what();
        } catch (const std::exception& e) {
            return std::string("other: ") + e.what();
        }
    };
    if (::geteuid() != 0) {
        return attempt();
    }
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        std::string report;
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
            report = "skip: cannot drop to uid 65534";
        } else {
            report = attempt();
        }
        std::size_t sent = 0;
        while (sent < report.size()) {
            const ssize_t n = ::write(pipe_fds[1], report.data() + sent, report.size() - sent);
            if (n <= 0) {
                break;
            }
            sent += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string report;
    char buffer[512];
    ssize_t n = 0;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
        report.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return report;
}

void set_mode(const fs::path& path, fs::perms mode) {
    fs::permissions(path, mode, fs::perm_options::replace);
}

// An accepted AI analysis whose one pick is the result ranked `rank`.
AiAnalysisRecord analysis_of_rank(int rank, const std::string& analysis) {
    AiAnalysisRecord record;
    record.input_hash = "h";
    record.model = "m";
    record.validation = "accepted";
    record.analyses_json = "[]";
    record.picks = {{rank, analysis}};
    return record;
}

} // namespace

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds", "[store]") {
    using namespace std::chrono;
    CHECK(format_utc_timestamp(fixed_time()) == k_fixed_text);
    CHECK(format_utc_timestamp(sys_days{2027y / January / 2} + microseconds{5999}) ==
          "2027-01-02T00:00:00.005Z");
}

TEST_CASE("open sets WAL and the per-connection pragmas on every connection", "[store]") {
    TempDir dir;
    const fs::path db = dir / "screener.db";
    auto first = open_store(db);
    auto second = open_store(db); // a second connection to the same file gets them too

    for (SqliteStore* store : {first.get(), second.get()}) {
        const ConnectionSettings settings = store->connection_settings();
        CHECK(settings.journal_mode == "wal");
        CHECK(settings.synchronous == 1); // NORMAL
        CHECK(settings.busy_timeout_ms == 5000);
        CHECK(settings.foreign_keys);
        CHECK(settings.user_version == latest_schema_version());
    }

    // An independent connection sees the persistent part (WAL, schema version) and SQLite's
    // own per-connection defaults, proving the values above come from the store's open.
    SQLite::Database check = raw(db);
    CHECK(query_text(check, "PRAGMA journal_mode") == "wal");
    CHECK(query_int(check, "PRAGMA user_version") == latest_schema_version());
    CHECK(query_int(check, "PRAGMA foreign_keys") == 0);
    CHECK(query_int(check, "PRAGMA busy_timeout") == 0);
    CHECK(query_int(check, "PRAGMA synchronous") != 1);

    // foreign_keys is in force on the store's connection: a result for a missing run fails.
    REQUIRE_THROWS_AS(first->add_results(999, {put_candidate(1)}), StoreError);
}

TEST_CASE("migrations from an empty file reach the latest version", "[store]") {
    const auto table = migrations();
    REQUIRE(!table.empty());
    for (std::size_t i = 0; i < table.size(); ++i) {
        CHECK(table[i].version == static_cast<int>(i) + 1);
    }
    CHECK(latest_schema_version() == table.back().version);
    CHECK(latest_schema_version() == 9);

    TempDir dir;
    const fs::path db = dir / "new.db";
    REQUIRE(!fs::exists(db));
    open_store(db);
    REQUIRE(fs::exists(db));

    SQLite::Database check = raw(db);
    CHECK(query_int(check, "PRAGMA user_version") == latest_schema_version());
    for (const char* table_name :
         {"runs", "results", "run_errors", "api_calls", "iv_history", "chain_quality", "http_cache",
          "reconciliation", "ai_analyses", "pick_outcomes", "calibration", "alert_state",
          "weekly_writeups"}) {
        INFO(table_name);
        CHECK(query_int(check, std::string("SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'table' AND name = '") +
                                   table_name + "'") == 1);
    }
    for (const char* index : {"runs_command_started", "runs_started", "api_calls_ts",
                              "api_calls_run", "run_errors_run"}) {
        INFO(index);
        CHECK(query_int(check, std::string("SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'index' AND name = '") +
                                   index + "'") == 1);
    }
    CHECK(query_text(check, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("a database at every earlier version migrates with its data intact", "[store]") {
    for (int from = 0; from < latest_schema_version(); ++from) {
        DYNAMIC_SECTION("from version " << from) {
            TempDir dir;
            const fs::path db = dir / "old.db";
            {
                SQLite::Database old = raw(db);
                migrate_to(old, from);
                REQUIRE(schema_version(old) == from);
                if (from >= 1) {
                    old.exec("INSERT INTO runs (execution_id, command, status, started_at, "
                             "finished_at, exit_code) VALUES ('old-run', 'scan', 'ok', "
                             "'2026-01-02T06:30:00.000Z', '2026-01-02T06:31:00.000Z', 0)");
                }
                if (from >= 2) {
                    old.exec("INSERT INTO iv_history VALUES ('AAPL', '2026-01-02', 0.25, 0.2)");
                }
            }
            auto store = open_store(db);
            CHECK(store->connection_settings().user_version == latest_schema_version());
            if (from >= 1) {
                const auto old_run = store->run(1);
                REQUIRE(old_run);
                CHECK(old_run->execution_id == "old-run");
                CHECK(old_run->status == "ok");
                CHECK(old_run->finished_at == "2026-01-02T06:31:00.000Z");
            }
            // The migrated schema takes new data (v2 table included).
            const auto id = store->begin_run(run_start("new-run"));
            CHECK(id == (from >= 1 ? 2 : 1));
            store->record_iv({"AAPL", "2026-01-03", 0.26, 0.21});
            SQLite::Database check = raw(db);
            CHECK(query_int(check, "SELECT count(*) FROM iv_history") == (from >= 2 ? 2 : 1));
        }
    }
}

TEST_CASE("a database with a newer schema version is refused and left alone", "[store]") {
    TempDir dir;
    const fs::path db = dir / "future.db";
    {
        SQLite::Database future = raw(db);
        future.exec("CREATE TABLE something_new (x); PRAGMA user_version = 99");
    }
    try {
        open_store(db);
        FAIL("open_sqlite_store accepted schema version 99");
    } catch (const StoreError& e) {
        CHECK_THAT(e.what(), Contains(db.string()) && Contains("99"));
    }
    SQLite::Database check = raw(db);
    CHECK(query_int(check, "PRAGMA user_version") == 99);
    CHECK(query_text(check, "PRAGMA journal_mode") == "delete"); // not switched to WAL
}

TEST_CASE("a failing migration rolls back its statements and its version bump", "[store]") {
    TempDir dir;

    SECTION("a broken table through migrate_to") {
        const fs::path db = dir / "broken.db";
        std::vector<Migration> table(migrations().begin(), migrations().end());
        const int bad_version = static_cast<int>(table.size()) + 1;
        table.push_back({bad_version, "CREATE TABLE half_done (a INTEGER);\n"
                                      "INSERT INTO half_done VALUES (1);\n"
                                      "INSERT INTO no_such_table VALUES (1);"});
        SQLite::Database conn = raw(db);
        try {
            migrate_to(conn, bad_version, table);
            FAIL("the broken migration succeeded");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Contains(db.string()) &&
                                     Contains("version " + std::to_string(bad_version)) &&
                                     Contains("no_such_table"));
        }
        // The good steps before it stay applied; the broken one left nothing behind.
        CHECK(schema_version(conn) == bad_version - 1);
        CHECK(query_int(conn, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'") == 0);
        CHECK(query_int(conn, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 1);
    }

    SECTION("a real migration that fails halfway on open") {
        // A stray api_calls table makes v1 fail at its last CREATE, after runs, results and
        // run_errors were created: all of them must go, and user_version stay 0.
        const fs::path db = dir / "crafted.db";
        {
            SQLite::Database conn = raw(db);
            conn.exec("CREATE TABLE api_calls (stray TEXT)");
        }
        try {
            open_store(db);
            FAIL("open succeeded over a conflicting table");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Contains(db.string()) && Contains("schema version 1"));
        }
        SQLite::Database check = raw(db);
        CHECK(query_int(check, "PRAGMA user_version") == 0);
        CHECK(query_int(check, "SELECT count(*) FROM sqlite_master WHERE name IN "
                               "('runs', 'results', 'run_errors')") == 0);
        CHECK(query_int(check, "SELECT count(*) FROM sqlite_master WHERE name = 'api_calls'") == 1);
    }

    SECTION("a malformed migration table is rejected") {
        const fs::path db = dir / "gap.db";
        const Migration gap[] = {{1, "CREATE TABLE a (x)"}, {3, "CREATE TABLE b (x)"}};
        SQLite::Database conn = raw(db);
        CHECK_THROWS_AS(migrate_to(conn, 3, gap), StoreError);
        CHECK(schema_version(conn) == 0);
    }
}

TEST_CASE("a run goes from running to finished", "[store]") {
    TempDir dir;
    auto store = open_store(dir / "runs.db");

    const auto id = store->begin_run(run_start("exec-1"));
    auto row = store->run(id);
    REQUIRE(row);
    CHECK(row->id == id);
    CHECK(row->execution_id == "exec-1");
    CHECK(row->command == "scan");
    CHECK(row->profile == "daily");
    CHECK(row->as_of == "2026-11-27");
    CHECK(row->data_source == "sample (synthetic)");
    CHECK(row->status == "running");
    CHECK(row->started_at == k_fixed_text);
    CHECK(row->pid == 4242);
    CHECK(!row->exit_code);
    CHECK(!row->finished_at);

    store->finish_run(id,
                      RunFinish{"degraded", 1, 120, 117, 3, 25, 42.5, 0.0375, "3 symbols failed"});
    row = store->run(id);
    REQUIRE(row);
    CHECK(row->status == "degraded");
    CHECK(row->exit_code == 1);
    CHECK(row->symbols_total == 120);
    CHECK(row->symbols_screened == 117);
    CHECK(row->symbols_failed == 3);
    CHECK(row->opportunities == 25);
    CHECK(row->duration_s == 42.5);
    CHECK(row->cost_usd == 0.0375);
    CHECK(row->message == "3 symbols failed");
    CHECK(row->finished_at == std::optional<std::string>(k_fixed_text));

    // latest_run: highest id of that command only.
    const auto weekly = store->begin_run(run_start("exec-2", "weekly"));
    const auto later = store->begin_run(run_start("exec-3"));
    CHECK(store->latest_run("scan")->id == later);
    CHECK(store->latest_run("weekly")->id == weekly);
    CHECK(!store->latest_run("health"));
    CHECK(!store->run(later + 100));

    CHECK_THROWS_AS(store->begin_run(run_start("exec-1")), StoreError); // execution_id unique
    CHECK_THROWS_AS(store->finish_run(later + 100, finished("ok")), StoreError);
    CHECK_THROWS_AS(store->finish_run(later, finished("running")), StoreError);
    try {
        store->finish_run(later, finished("splendid"));
        FAIL("an unknown status was accepted");
    } catch (const StoreError& e) {
        CHECK_THAT(e.what(), Contains((dir / "runs.db").string()) && Contains("CHECK"));
    }
    CHECK(store->run(later)->status == "running");
}

TEST_CASE("runs left running are marked interrupted", "[store]") {
    TempDir dir;
    auto store = open_store(dir / "interrupted.db");
    const auto killed_a = store->begin_run(run_start("a"));
    const auto done = store->begin_run(run_start("b"));
    const auto killed_c = store->begin_run(run_start("c", "weekly"));
    store->finish_run(done, finished("ok"));

    CHECK(store->mark_interrupted_runs() == 2);
    for (const auto id : {killed_a, killed_c}) {
        const auto row = store->run(id);
        REQUIRE(row);
        CHECK(row->status == "interrupted");
        CHECK(row->finished_at == std::optional<std::string>(k_fixed_text));
        CHECK_THAT(row->message, Contains("interrupted"));
        CHECK(!row->exit_code);
    }
    const auto finished = store->run(done);
    CHECK(finished->status == "ok");
    CHECK(finished->message.empty());
    CHECK(store->mark_interrupted_runs() == 0);
}

TEST_CASE("results round-trip with legs, flags, metrics and NULL max_loss", "[store]") {
    TempDir dir;
    const fs::path db = dir / "results.db";
    auto store = open_store(db);
    const auto id = store->begin_run(run_start("r"));
    const auto other = store->begin_run(run_start("r2"));

    const Candidate second = awkward_candidate(2);
    const Candidate first = put_candidate(1);
    store->add_results(id, {second, first}); // stored in any order, read back by rank
    store->add_results(other, {put_candidate(1)});

    const auto got = store->results(id);
    REQUIRE(got.size() == 2);
    require_same(got[0], first);
    require_same(got[1], second);
    CHECK(store->results(other).size() == 1);
    CHECK(store->results(other + 1).empty());

    SQLite::Database check = raw(db);
    CHECK(query_text(check, "SELECT flags FROM results WHERE rank = 1 AND run_id = " +
                                std::to_string(id)) == R"(["earnings_before_expiry"])");
    CHECK(query_text(check, "SELECT legs FROM results WHERE rank = 1 AND run_id = " +
                                std::to_string(id)) ==
          R"([{"option_symbol":"AAPL261218P00175000","type":"put","strike":175,)"
          R"("expiration":"2026-12-18","quantity":-1,"is_stock":false,"action":"sell",)"
          R"("bid":2.15,"ask":2.25,"mid":2.2,"iv":0.284,"delta":-0.21}])");
    CHECK(query_int(check, "SELECT count(*) FROM results WHERE json_valid(legs) AND "
                           "json_valid(flags)") == 3);
    CHECK(query_int(check, "SELECT max_loss IS NULL FROM results WHERE rank = 2") == 1);
    CHECK(query_int(check, "SELECT delta IS NULL FROM results WHERE rank = 2") == 1);
    CHECK(query_text(check, "SELECT metrics FROM results WHERE rank = 1 AND run_id = " +
                                std::to_string(id)) == first.metrics_json);
    CHECK(query_int(check, "SELECT count(*) FROM results WHERE ai_analysis IS NULL") == 3);

    SECTION("a batch with a bad row stores nothing") {
        try {
            store->add_results(id, {put_candidate(3), put_candidate(1)}); // rank 1 exists
            FAIL("a duplicate rank was accepted");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Contains(db.string()) && Contains("UNIQUE"));
        }
        CHECK(store->results(id).size() == 2);      // rank 3 was rolled back with it
        store->add_results(id, {put_candidate(3)}); // and the connection is usable
        CHECK(store->results(id).size() == 3);
    }

    SECTION("AI analysis is attached to one result") {
        store->add_ai_analysis(id, analysis_of_rank(2, "Rich premium; watch the earnings date."));
        CHECK(query_text(check,
                         "SELECT ai_analysis FROM results WHERE run_id = " + std::to_string(id) +
                             " AND rank = 2") == "Rich premium; watch the earnings date.");
        CHECK(query_int(check, "SELECT count(*) FROM results WHERE ai_analysis IS NULL") == 2);
        CHECK_THROWS_AS(store->add_ai_analysis(id, analysis_of_rank(7, "x")), StoreError);
    }
}

TEST_CASE("run errors are stored per run in order", "[store]") {
    TempDir dir;
    auto store = open_store(dir / "errors.db");
    const auto id = store->begin_run(run_start("e"));
    const auto other = store->begin_run(run_start("e2"));
    store->add_run_error(id, {"TSLA", "chain", "HTTP 502 from marketdata"});
    store->add_run_error(other, {"MSFT", "score", "no contracts"});
    store->add_run_error(id, {"GME", "history", "only 12 bars"});

    const auto errors = store->run_errors(id);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].symbol == "TSLA");
    CHECK(errors[0].stage == "chain");
    CHECK(errors[0].message == "HTTP 502 from marketdata");
    CHECK(errors[1].symbol == "GME");
    CHECK(errors[1].stage == "history");
    CHECK(store->run_errors(other).size() == 1);

    SQLite::Database check = raw(dir / "errors.db");
    CHECK(query_text(check, "SELECT min(created_at) FROM run_errors") == k_fixed_text);
    CHECK_THROWS_AS(store->add_run_error(999, {"X", "chain", "m"}), StoreError); // foreign key
}

TEST_CASE("API calls are recorded with and without a run", "[store]") {
    TempDir dir;
    const fs::path db = dir / "calls.db";
    auto store = open_store(db);
    const auto id = store->begin_run(run_start("c"));
    store->record_api_call(id, {"marketdata", "/v1/options/chain/{symbol}/", "AAPL", 200, 153.5,
                                48213, 1.0, false, 0.0});
    store->record_api_call(0, {"anthropic", "/v1/messages", "", 429, 12.25, 0, 0.0, true, 0.0125});

    SQLite::Database check = raw(db);
    SQLite::Statement query(check, "SELECT run_id, ts, provider, endpoint, symbol, status, "
                                   "duration_ms, bytes, credits, cache_hit, cost_usd "
                                   "FROM api_calls ORDER BY id");
    REQUIRE(query.executeStep());
    CHECK(query.getColumn(0).getInt64() == id);
    CHECK(query.getColumn(1).getString() == k_fixed_text);
    CHECK(query.getColumn(2).getString() == "marketdata");
    CHECK(query.getColumn(3).getString() == "/v1/options/chain/{symbol}/");
    CHECK(query.getColumn(4).getString() == "AAPL");
    CHECK(query.getColumn(5).getInt() == 200);
    CHECK(query.getColumn(6).getDouble() == 153.5);
    CHECK(query.getColumn(7).getInt64() == 48213);
    CHECK(query.getColumn(8).getDouble() == 1.0);
    CHECK(query.getColumn(9).getInt() == 0);
    CHECK(query.getColumn(10).getDouble() == 0.0);
    REQUIRE(query.executeStep());
    CHECK(query.getColumn(0).isNull());
    CHECK(query.getColumn(2).getString() == "anthropic");
    CHECK(query.getColumn(5).getInt() == 429);
    CHECK(query.getColumn(9).getInt() == 1);
    CHECK(query.getColumn(10).getDouble() == 0.0125);
    CHECK(!query.executeStep());

    CHECK_THROWS_AS(store->record_api_call(999, api_call("x", "/y", "", 200)), StoreError);
}

TEST_CASE("IV history keeps one row per symbol and session", "[store]") {
    TempDir dir;
    const fs::path db = dir / "iv.db";
    auto store = open_store(db);
    store->record_iv({"AAPL", "2026-11-27", 0.25, 0.22});
    store->record_iv({"AAPL", "2026-11-27", 0.27, std::nullopt}); // re-run of the same session
    store->record_iv({"AAPL", "2026-11-28", 0.30, 0.24});
    store->record_iv({"MSFT", "2026-11-27", 0.19, std::nullopt});

    SQLite::Database check = raw(db);
    CHECK(query_int(check, "SELECT count(*) FROM iv_history") == 3);
    SQLite::Statement query(check, "SELECT atm_iv, hv20 FROM iv_history "
                                   "WHERE symbol = 'AAPL' AND date = '2026-11-27'");
    REQUIRE(query.executeStep());
    CHECK(query.getColumn(0).getDouble() == 0.27); // the later observation wins
    CHECK(query.getColumn(1).getDouble() == 0.22); // a missing hv20 keeps the known one
    CHECK(query_int(check, "SELECT hv20 IS NULL FROM iv_history WHERE symbol = 'MSFT'") == 1);

    CHECK_THROWS_AS(
        store->record_iv({"AAPL", "2026-11-29", std::numeric_limits<double>::quiet_NaN(), {}}),
        StoreError);
    CHECK_THROWS_AS(store->record_iv({"AAPL", "11/29/2026", 0.3, {}}), StoreError);
    CHECK(query_int(check, "SELECT count(*) FROM iv_history") == 3);
}

TEST_CASE("deleting a run cascades to its results, errors and API calls", "[store]") {
    TempDir dir;
    const fs::path db = dir / "cascade.db";
    auto store = open_store(db);
    const auto doomed = store->begin_run(run_start("old"));
    const auto kept = store->begin_run(run_start("new"));
    for (const auto id : {doomed, kept}) {
        store->add_results(id, {put_candidate(1), awkward_candidate(2)});
        store->add_chain_quality(id, {"TSLA", 10, 8, "B", true, {{"zero_bid", 2}}, {}});
        store->add_run_error(id, {"TSLA", "chain", "timeout"});
        store->record_api_call(id, api_call("eodhd", "/api/eod/{symbol}", "TSLA", 200));
    }
    store->record_api_call(0, api_call("eodhd", "/api/eod-bulk-last-day/US", "", 200));

    SQLite::Database conn = raw(db);
    conn.exec("PRAGMA foreign_keys = ON"); // cascades act on the deleting connection
    conn.exec("DELETE FROM runs WHERE id = " + std::to_string(doomed));

    for (const char* table : {"results", "run_errors", "api_calls", "chain_quality"}) {
        INFO(table);
        CHECK(query_int(conn, std::string("SELECT count(*) FROM ") + table +
                                  " WHERE run_id = " + std::to_string(doomed)) == 0);
        CHECK(query_int(conn, std::string("SELECT count(*) FROM ") + table +
                                  " WHERE run_id = " + std::to_string(kept)) > 0);
    }
    CHECK(query_int(conn, "SELECT count(*) FROM api_calls WHERE run_id IS NULL") == 1);
    CHECK(store->results(kept).size() == 2);
    SQLite::Statement fk_check(conn, "PRAGMA foreign_key_check");
    CHECK(!fk_check.executeStep());
}

TEST_CASE("unusable database locations raise StoreError naming the path", "[store]") {
    TempDir dir;

    SECTION("parent is a regular file") {
        const fs::path file = dir / "not_a_dir";
        std::ofstream(file) << "plain file\n";
        const fs::path db = file / "screener.db";
        try {
            open_sqlite_store(db);
            FAIL("opened a database under a regular file");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Contains("cannot open database " + db.string()) &&
                                     Contains("unable to open database file"));
        }
    }

    SECTION("parent does not exist") {
        const fs::path db = dir / "missing" / "screener.db";
        CHECK_THROWS_WITH(open_sqlite_store(db), Contains(db.string()));
        CHECK(!fs::exists(dir / "missing"));
    }

    SECTION("file is not a database") {
        const fs::path db = dir / "corrupt.db";
        {
            std::ofstream out(db, std::ios::binary);
            for (int i = 0; i < 512; ++i) {
                out << "this is not an SQLite database ";
            }
        }
        try {
            open_sqlite_store(db);
            FAIL("opened a corrupt file");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Contains(db.string()) && Contains("not a database"));
        }
    }

    // The next sections need real permission checks: as root they run in a child process
    // that dropped to uid 65534 (see open_unprivileged).
    SECTION("read-only database file in a writable directory") {
        const fs::path sub = dir / "ro_file";
        fs::create_directory(sub);
        set_mode(sub, fs::perms::all); // others may create -wal/-shm here
        const fs::path db = sub / "screener.db";
        open_store(db)->begin_run(run_start("before"));
        set_mode(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

        const std::string outcome = open_unprivileged(db);
        if (outcome.rfind("skip:", 0) == 0) {
            WARN("read-only file not tested: " << outcome);
        } else {
            CHECK_THAT(outcome,
                       Contains("StoreError: ") && Contains(db.string()) && Contains("readonly"));
        }
    }

    SECTION("new database in a read-only directory") {
        const fs::path sub = dir / "ro_dir";
        fs::create_directory(sub);
        set_mode(sub, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                          fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
        const fs::path db = sub / "screener.db";
        const std::string outcome = open_unprivileged(db);
        if (outcome.rfind("skip:", 0) == 0) {
            WARN("read-only directory not tested: " << outcome);
        } else {
            CHECK_THAT(outcome, Contains("StoreError: cannot open database " + db.string()));
        }
        CHECK(!fs::exists(db));
    }

    SECTION("writable database file in a read-only directory (no room for the WAL)") {
        const fs::path sub = dir / "ro_dir_existing";
        fs::create_directory(sub);
        const fs::path db = sub / "screener.db";
        open_store(db)->begin_run(run_start("before"));
        set_mode(db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                         fs::perms::group_write | fs::perms::others_read | fs::perms::others_write);
        set_mode(sub, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                          fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
        const std::string outcome = open_unprivileged(db);
        if (outcome.rfind("skip:", 0) == 0) {
            WARN("read-only directory with a database not tested: " << outcome);
        } else {
            CHECK_THAT(outcome, Contains("StoreError: ") && Contains(db.string()));
        }
        set_mode(sub, fs::perms::owner_all); // so TempDir can clean up as a non-root user
    }
}

TEST_CASE("a v2 database with results migrates to the latest version and keeps its rows",
          "[store]") {
    TempDir dir;
    const fs::path db = dir / "v2.db";
    {
        SQLite::Database old = raw(db);
        migrate_to(old, 2);
        REQUIRE(schema_version(old) == 2);
        old.exec("INSERT INTO runs (execution_id, command, status, started_at) VALUES "
                 "('v2-run', 'scan', 'ok', '2026-11-01T06:30:00.000Z')");
        // A row as the v2 binary wrote it: single-leg, quote in bid/ask/mid, one breakeven.
        old.exec(R"sql(INSERT INTO results (run_id, rank, symbol, strategy, legs, expiration, dte,
            strike, underlying_price, bid, ask, mid, premium, spread_pct, delta, iv,
            open_interest, collateral, breakeven, max_profit, max_loss, pop, return_on_capital,
            annualized_return, score, flags, metrics, ai_analysis) VALUES (1, 1, 'AAPL',
            'cash_secured_put', '[{"option_symbol":"AAPL261218P00175000","type":"put",
            "strike":175,"expiration":"2026-12-18","quantity":-1,"is_stock":false}]',
            '2026-12-18', 47, 175, 182.5, 2.15, 2.25, 2.2, 2.15, 0.045, -0.21, 0.284, 1532, 175,
            172.85, 2.15, 172.85, 0.78, 0.0122857, 0.0954, 0.0954, '["earnings_before_expiry"]',
            '{"a":1}', 'old analysis'))sql");
        old.exec("INSERT INTO iv_history VALUES ('AAPL', '2026-10-31', 0.25, 0.2)");
    }
    auto store = open_store(db);
    CHECK(store->connection_settings().user_version == latest_schema_version());

    const auto got = store->results(1);
    REQUIRE(got.size() == 1);
    const Candidate& c = got[0];
    CHECK(c.symbol == "AAPL");
    CHECK(c.strategy == "cash_secured_put");
    CHECK(c.is_credit);
    CHECK(c.fill_price == 2.15); // from premium
    CHECK(c.mid_price == 2.2);   // from mid
    CHECK(c.breakevens == std::vector<double>{172.85});
    CHECK(c.max_profit == 2.15);
    CHECK(c.max_loss == 172.85);
    CHECK(c.return_on_capital == 0.0122857);
    CHECK(c.return_on_capital_annualized == 0.0954);
    CHECK(!c.return_on_risk);
    CHECK(std::isnan(c.t_years)); // not known for old rows
    CHECK(std::isnan(c.rate));
    CHECK(c.sector.empty());
    CHECK(c.flags == std::vector<std::string>{"earnings_before_expiry"});
    REQUIRE(c.legs.size() == 1);
    CHECK(c.legs[0].strike == 175);
    CHECK(c.legs[0].quantity == -1);
    CHECK(std::isnan(c.legs[0].bid)); // v2 legs carry no quotes
    CHECK(std::isnan(c.legs[0].iv));

    SQLite::Database check = raw(db);
    CHECK(query_text(check, "SELECT ai_analysis FROM results") == "old analysis");
    CHECK(query_int(check, "SELECT bid = 2.15 AND ask = 2.25 FROM results") == 1);
    CHECK(query_int(check, "SELECT count(*) FROM iv_history") == 1);
    CHECK(query_text(check, "PRAGMA integrity_check") == "ok");

    // The migrated database takes v3 rows next to the old one.
    const auto id = store->begin_run(run_start("v3-run"));
    store->add_results(id, {condor_candidate(1)});
    require_same(store->results(id).at(0), condor_candidate(1));
    store->add_chain_quality(id, {"SPY", 120, 118, "A", true, {}, {}});
    CHECK(store->chain_quality(id).size() == 1);
}

TEST_CASE("multi-leg results round-trip: iron condor and long call", "[store]") {
    TempDir dir;
    const fs::path db = dir / "multileg.db";
    auto store = open_store(db);
    const auto id = store->begin_run(run_start("m"));
    const Candidate condor = condor_candidate(1);
    const Candidate call = long_call_candidate(2);
    store->add_results(id, {call, condor});

    const auto got = store->results(id);
    REQUIRE(got.size() == 2);
    require_same(got[0], condor);
    require_same(got[1], call);
    CHECK(got[0].legs.size() == 4);
    CHECK(!got[1].max_profit); // unlimited
    CHECK(!got[1].return_on_capital);
    CHECK(!got[1].is_credit);

    SQLite::Database check = raw(db);
    const std::string where = " FROM results WHERE run_id = " + std::to_string(id);
    // Legs JSON: action from the quantity sign, and each leg's quote.
    CHECK(query_int(check, "SELECT json_array_length(legs)" + where + " AND rank = 1") == 4);
    CHECK(query_text(check, "SELECT group_concat(json_extract(value, '$.action'), ',') FROM "
                            "results, json_each(results.legs) WHERE rank = 1 AND run_id = " +
                                std::to_string(id)) == "buy,sell,sell,buy");
    CHECK(query_text(check, "SELECT json_extract(legs, '$[1].type')" + where + " AND rank = 1") ==
          "put");
    CHECK(check.execAndGet("SELECT json_extract(legs, '$[1].bid')" + where + " AND rank = 1")
              .getDouble() == 1.41);
    CHECK(check.execAndGet("SELECT json_extract(legs, '$[2].iv')" + where + " AND rank = 1")
              .getDouble() == 0.162);
    CHECK(check.execAndGet("SELECT json_extract(legs, '$[3].delta')" + where + " AND rank = 1")
              .getDouble() == 0.09);
    CHECK(query_text(check, "SELECT json_extract(legs, '$[0].action')" + where + " AND rank = 2") ==
          "buy");
    // New columns as stored.
    CHECK(query_text(check, "SELECT breakevens" + where + " AND rank = 1") == "[564.29,635.71]");
    CHECK(query_int(check, "SELECT is_credit" + where + " AND rank = 1") == 1);
    CHECK(query_int(check, "SELECT is_credit" + where + " AND rank = 2") == 0);
    CHECK(query_int(check, "SELECT max_profit IS NULL AND return_on_capital IS NULL AND "
                           "return_on_risk IS NULL" +
                               where + " AND rank = 2") == 1);
    CHECK(query_text(check, "SELECT sector" + where + " AND rank = 1") == "ETF");
    // Legacy columns keep their meaning for old readers.
    CHECK(query_int(check, "SELECT premium = fill_price AND mid = mid_price AND breakeven = "
                           "564.29 AND annualized_return = return_on_capital_annualized AND "
                           "bid IS NULL AND ask IS NULL" +
                               where + " AND rank = 1") == 1);
    CHECK(query_int(check, "SELECT annualized_return IS NULL" + where + " AND rank = 2") == 1);

    SECTION("an empty sector is stored as NULL and no breakevens as []") {
        Candidate odd = long_call_candidate(3);
        odd.sector.clear();
        odd.breakevens.clear();
        store->add_results(id, {odd});
        CHECK(query_int(check, "SELECT sector IS NULL AND breakevens = '[]' AND breakeven IS "
                               "NULL" +
                                   where + " AND rank = 3") == 1);
        require_same(store->results(id).at(2), odd);
    }
}

TEST_CASE("chain quality rows round-trip per run", "[store]") {
    TempDir dir;
    const fs::path db = dir / "quality.db";
    auto store = open_store(db);
    const auto id = store->begin_run(run_start("q"));
    const auto other = store->begin_run(run_start("q2"));

    const ChainQualityRow tsla{"TSLA",
                               412,
                               380,
                               "A",
                               true,
                               {{"crossed", 2}, {"zero_bid", 30}},
                               {{"iv_solved_from_mid", 17}}};
    const ChainQualityRow gme{"GME", 60, 9, "D", false, {{"missing_quote", 51}}, {}};
    const ChainQualityRow weird{"BRK.B", 0, 0, "F", false, {{"quote\"s\n", 1}}, {}};
    store->add_chain_quality(id, tsla);
    store->add_chain_quality(id, gme);
    store->add_chain_quality(id, weird);
    store->add_chain_quality(other, gme);

    auto rows = store->chain_quality(id);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == weird); // ordered by symbol
    CHECK(rows[1] == gme);
    CHECK(rows[2] == tsla);
    CHECK(store->chain_quality(other).size() == 1);
    CHECK(store->chain_quality(other + 1).empty());

    // A second row for the same symbol in the run replaces the first.
    ChainQualityRow regraded = gme;
    regraded.grade = "C";
    regraded.usable = 20;
    regraded.repairs = {{"strike_normalised", 3}};
    store->add_chain_quality(id, regraded);
    rows = store->chain_quality(id);
    REQUIRE(rows.size() == 3);
    CHECK(rows[1] == regraded);

    SQLite::Database check = raw(db);
    CHECK(query_text(check, "SELECT rejections FROM chain_quality WHERE symbol = 'TSLA'") ==
          R"({"crossed":2,"zero_bid":30})");
    CHECK(query_text(check, "SELECT repairs FROM chain_quality WHERE symbol = 'TSLA'") ==
          R"({"iv_solved_from_mid":17})");
    CHECK(query_int(check, "SELECT count(*) FROM chain_quality WHERE json_valid(rejections) AND "
                           "json_valid(repairs)") == 4);
    CHECK_THROWS_AS(store->add_chain_quality(999, gme), StoreError); // foreign key
}

TEST_CASE("IV history reads the latest observations before a date, oldest first", "[store]") {
    TempDir dir;
    auto store = open_store(dir / "ivh.db");
    // Recorded out of order, with another symbol interleaved.
    const std::pair<const char*, double> aapl[] = {{"2026-11-20", 0.30}, {"2026-11-17", 0.27},
                                                   {"2026-11-19", 0.29}, {"2026-11-18", 0.28},
                                                   {"2026-11-16", 0.26}, {"2026-11-21", 0.31}};
    for (const auto& [date, iv] : aapl) {
        store->record_iv({"AAPL", date, iv, std::nullopt});
        store->record_iv({"MSFT", date, iv + 1.0, std::nullopt});
    }

    CHECK(store->iv_history("AAPL", "2026-11-20", 252) ==
          std::vector<double>{0.26, 0.27, 0.28, 0.29}); // strictly before, oldest first
    CHECK(store->iv_history("AAPL", "2026-11-20", 2) == std::vector<double>{0.28, 0.29});
    CHECK(store->iv_history("AAPL", "2026-12-01", 3) == std::vector<double>{0.29, 0.30, 0.31});
    CHECK(store->iv_history("AAPL", "2026-11-16", 252).empty());
    CHECK(store->iv_history("AAPL", "2026-11-20", 0).empty());
    CHECK(store->iv_history("MSFT", "2026-11-18", 252) == std::vector<double>{1.26, 1.27});
    CHECK(store->iv_history("TSLA", "2026-11-20", 252).empty());
    CHECK_THROWS_AS(store->iv_history("AAPL", "11/20/2026", 252), StoreError);

    // 300 sessions: the limit keeps the most recent 252.
    using namespace std::chrono;
    const sys_days first = sys_days{2025y / January / 1};
    for (int i = 0; i < 300; ++i) {
        store->record_iv({"SPY", format_date(year_month_day{first + days{i}}), i / 1000.0, {}});
    }
    const auto spy = store->iv_history("SPY", "2030-01-01", 252);
    REQUIRE(spy.size() == 252);
    CHECK(spy.front() == 48 / 1000.0);
    CHECK(spy.back() == 299 / 1000.0);
}

TEST_CASE("the HTTP cache serves a body until it expires and a later put replaces it", "[store]") {
    TempDir dir;
    auto store = open_store(dir / "cache.db");
    using namespace std::chrono;
    const auto t0 = sys_days{2026y / November / 27} + 21h;
    std::string body = std::string("[{\"close\":1.5}]") + '\0' + "tail"; // bodies are bytes
    store->cache_response("eodhd /eod/AAPL.US from=2026-01-01", body, t0, t0 + 12h);
    CHECK(store->cached_response("eodhd /eod/AAPL.US from=2026-01-01", t0 + 1h) == body);
    CHECK(store->cached_response("eodhd /eod/AAPL.US from=2026-01-01", t0 + 12h) == std::nullopt);
    CHECK(store->cached_response("eodhd /eod/MSFT.US from=2026-01-01", t0) == std::nullopt);
    store->cache_response("eodhd /eod/AAPL.US from=2026-01-01", "[]", t0 + 13h, t0 + 30h);
    CHECK(store->cached_response("eodhd /eod/AAPL.US from=2026-01-01", t0 + 14h) == "[]");
}

TEST_CASE("credits spent sum a provider's calls since a time, across runs", "[store]") {
    TempDir dir;
    using namespace std::chrono;
    auto now = sys_days{2026y / November / 27} + 14h;
    SqliteStoreOptions options;
    options.now = [&] { return now; };
    auto store = open_sqlite_store(dir / "credits.db", options);
    const auto first = store->begin_run(run_start("a"));
    store->record_api_call(
        first, {"marketdata", "/v1/options/chain/{symbol}/", "AAPL", 200, 10, 100, 3, false, 0});
    now += 1h;
    const auto second = store->begin_run(run_start("b"));
    ApiCall chain{"marketdata", "/v1/options/chain/{symbol}/", "MSFT", 200, 10, 100, 92, false, 0};
    store->record_api_call(second, chain);
    store->record_api_call(
        second, {"eodhd", "/eod-bulk-last-day/{exchange}", "", 200, 10, 100, 100, false, 0});
    const double before = store->credits_spent("marketdata", sys_days{2026y / November / 27});
    CHECK(before == 95);
    CHECK(store->credits_spent("marketdata", sys_days{2026y / November / 27} + 14h + 30min) == 92);
    CHECK(store->credits_spent("eodhd", sys_days{2026y / November / 27}) == 100);
    CHECK(store->credits_spent("anthropic", sys_days{2026y / November / 27}) == 0);
}

TEST_CASE("reconciliation rows round-trip per run, one per symbol", "[store]") {
    TempDir dir;
    auto store = open_store(dir / "reconcile.db");
    const auto id = store->begin_run(run_start("r"));
    ReconciliationRow row{
        "AAPL",  "marketdata",
        "eodhd", 8,
        33,      5,
        "C",     {"AAPL261218P00175000 bid 2.15 vs 2.6", "underlying price 182.5 vs 181"}};
    store->add_reconciliation(id, row);
    store->add_reconciliation(
        id, {"KO", "marketdata", "eodhd", 0, 1, 0, "F", {"no contract in common"}});
    row.grade = "D"; // a second measurement of the symbol replaces the first
    store->add_reconciliation(id, row);
    const auto rows = store->reconciliations(id);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == row);
    CHECK(rows[1].symbol == "KO");
    CHECK(rows[1].details == std::vector<std::string>{"no contract in common"});
    CHECK(store->reconciliations(id + 1).empty());
}

TEST_CASE("weekly write-ups: stored with their figures, served as today's cache", "[store]") {
    TempDir dir;
    using namespace std::chrono;
    auto now = sys_days{2026y / November / 29} + 9h;
    SqliteStoreOptions options;
    options.now = [&] { return now; };
    const auto path = dir / "weekly.db";
    auto store = open_sqlite_store(path, options);
    const auto run = store->begin_run(run_start("weekly-1"));

    WeeklyWriteupRecord record;
    record.input_hash = "00112233445566778899aabbccddeeff";
    record.model = "claude-sonnet-5-5";
    record.validation = "accepted";
    record.calls = 1;
    record.input_tokens = 900;
    record.output_tokens = 300;
    record.cost_usd = 0.0048;
    record.request_id = "req_weekly_1";
    record.writeup_json = R"({"summary":"s","observations":["o"],"templated":false})";
    const auto id = store->add_weekly_writeup(run, record);
    CHECK(id > 0);

    SQLite::Database check = raw(path);
    CHECK(query_text(check, "SELECT model || ' ' || validation || ' ' || calls || ' ' || "
                            "input_tokens || ' ' || output_tokens || ' ' || cost_usd || ' ' || "
                            "request_id || ' ' || run_id FROM weekly_writeups") ==
          "claude-sonnet-5-5 accepted 1 900 300 0.0048 req_weekly_1 " + std::to_string(run));

    const auto today = sys_days{2026y / November / 29};
    const auto hit = store->cached_weekly_writeup(record.input_hash, today);
    REQUIRE(hit);
    CHECK(hit->id == id);
    CHECK(hit->validation == "accepted");
    CHECK(hit->writeup_json == record.writeup_json);
    CHECK_FALSE(store->cached_weekly_writeup(record.input_hash, today + days(1)));
    CHECK_FALSE(store->cached_weekly_writeup("ffffffffffffffffffffffffffffffff", today));

    // A templated write-up is stored but never served as the cache.
    now += 1h;
    WeeklyWriteupRecord templated = record;
    templated.validation = "templated";
    templated.reason = "the model's answer was rejected twice";
    store->add_weekly_writeup(store->begin_run(run_start("weekly-2")), templated);
    CHECK(store->cached_weekly_writeup(record.input_hash, today)->id == id);
    CHECK(query_int(check, "SELECT count(*) FROM weekly_writeups") == 2);
    // Not JSON: refused by the table.
    WeeklyWriteupRecord bad = record;
    bad.writeup_json = "not json";
    CHECK_THROWS_AS(store->add_weekly_writeup(run, bad), StoreError);
}

TEST_CASE("AI analyses: stored with their figures, linked to results, served as today's cache",
          "[store]") {
    TempDir dir;
    using namespace std::chrono;
    auto now = sys_days{2026y / November / 27} + 14h;
    SqliteStoreOptions options;
    options.now = [&] { return now; };
    const auto path = dir / "ai.db";
    auto store = open_sqlite_store(path, options);
    const auto run = store->begin_run(run_start("ai-1"));
    store->add_results(run, {put_candidate(1), put_candidate(2), put_candidate(3)});

    AiAnalysisRecord record;
    record.input_hash = "0123456789abcdef0123456789abcdef";
    record.model = "claude-sonnet-5-5";
    record.validation = "accepted_on_retry";
    record.calls = 2;
    record.input_tokens = 2400;
    record.output_tokens = 800;
    record.cache_write_tokens = 10;
    record.cache_read_tokens = 20;
    record.cost_usd = 0.0128;
    record.request_id = "req_fake_0002";
    record.analyses_json = R"([{"rank":1},{"rank":2}])";
    record.picks = {{1, R"({"rank":1,"verdict":"favourable"})"},
                    {2, R"({"rank":2,"verdict":"neutral"})"}};
    const auto id = store->add_ai_analysis(run, record);
    CHECK(id > 0);

    SQLite::Database check = raw(path);
    CHECK(query_text(check, "SELECT model || ' ' || validation || ' ' || calls || ' ' || "
                            "input_tokens || ' ' || output_tokens || ' ' || cache_write_tokens "
                            "|| ' ' || cache_read_tokens || ' ' || request_id FROM ai_analyses") ==
          "claude-sonnet-5-5 accepted_on_retry 2 2400 800 10 20 req_fake_0002");
    CHECK(query_text(check, "SELECT cost_usd FROM ai_analyses") == "0.0128");
    CHECK(query_text(check, "SELECT ai_analysis FROM results WHERE rank = 2") ==
          R"({"rank":2,"verdict":"neutral"})");
    CHECK(query_int(check, "SELECT count(*) FROM results WHERE ai_analysis_id = " +
                               std::to_string(id)) == 2);
    CHECK(query_int(check, "SELECT count(*) FROM results WHERE ai_analysis IS NULL") == 1);
    // The join gives each analysed result its model, tokens, cost and validation.
    CHECK(query_text(check, "SELECT a.validation FROM results r JOIN ai_analyses a ON "
                            "a.id = r.ai_analysis_id WHERE r.rank = 1") == "accepted_on_retry");

    SECTION("the cache serves it the same day, not before, and not a templated one") {
        const auto today = sys_days{2026y / November / 27};
        const auto hit = store->cached_ai_analysis(record.input_hash, today);
        REQUIRE(hit);
        CHECK(hit->id == id);
        CHECK(hit->model == "claude-sonnet-5-5");
        CHECK(hit->analyses_json == record.analyses_json);
        CHECK_FALSE(store->cached_ai_analysis(record.input_hash, today + days(1)));
        CHECK_FALSE(store->cached_ai_analysis("ffffffffffffffffffffffffffffffff", today));

        now += 1h;
        const auto later = store->begin_run(run_start("ai-2"));
        store->add_results(later, {put_candidate(1)});
        AiAnalysisRecord templated = record;
        templated.validation = "templated";
        templated.picks = {{1, "{}"}};
        store->add_ai_analysis(later, templated);
        CHECK(store->cached_ai_analysis(record.input_hash, today)->id == id);
    }

    SECTION("a rank that is not a result stores nothing") {
        AiAnalysisRecord bad = record;
        bad.picks = {{1, "{}"}, {9, "{}"}};
        CHECK_THROWS_AS(store->add_ai_analysis(run, bad), StoreError);
        CHECK(query_int(check, "SELECT count(*) FROM ai_analyses") == 1);
    }

    SECTION("today's AI cost sums api_calls.cost_usd of the provider") {
        ApiCall call{"anthropic", "/v1/messages", "", 200, 900, 2000, 0, false, 0.0064};
        store->record_api_call(run, call);
        store->record_api_call(run, call);
        store->record_api_call(run, {"marketdata", "/v1/x", "", 200, 1, 1, 5, false, 0});
        CHECK(store->cost_spent("anthropic", sys_days{2026y / November / 27}) == Approx(0.0128));
        CHECK(store->cost_spent("anthropic", sys_days{2026y / November / 28}) == 0);
        CHECK(store->cost_spent("marketdata", sys_days{2026y / November / 27}) == 0);
    }
}

TEST_CASE("alert state survives reopening and replaces per key", "[store][alerts]") {
    TempDir dir;
    const fs::path db = dir / "screener.db";
    const auto sent = fixed_time();
    {
        auto store = open_store(db);
        CHECK_FALSE(store->alert_state("health"));
        store->set_alert_state({"health", "warning", sent, "warning:disk"});
        store->set_alert_state({"scan:daily", "failed", sent, ""});
    }
    auto store = open_store(db);
    const auto state = store->alert_state("health");
    REQUIRE(state);
    CHECK(*state == AlertState{"health", "warning", sent, "warning:disk"});
    store->set_alert_state({"health", "ok", sent + std::chrono::seconds(5), "ok"});
    CHECK(store->alert_state("health")->last_status == "ok");
    CHECK(store->alert_state("health")->last_sent_at == sent + std::chrono::seconds(5));
    CHECK(store->alert_state("scan:daily")->last_status == "failed");
}

TEST_CASE("run statistics for metrics and health", "[store][ops]") {
    TempDir dir;
    auto store = open_store(dir / "screener.db");
    const auto first = store->begin_run(run_start("r1"));
    store->finish_run(first, finished("ok"));
    const auto second = store->begin_run(run_start("r2"));
    store->finish_run(second, finished("failed", 2));
    const auto other = store->begin_run(run_start("r3", "weekly"));
    store->finish_run(other, finished("degraded", 1));

    CHECK(store->latest_successful_run("scan", "")->execution_id == "r1");
    CHECK(store->latest_successful_run("scan", "daily")->execution_id == "r1");
    CHECK_FALSE(store->latest_successful_run("scan", "premarket"));
    CHECK(store->latest_successful_run("weekly", "")->execution_id == "r3");

    auto call = api_call("marketdata", "/v1/options/chain/{symbol}/", "AAPL", 200);
    call.duration_ms = 100;
    call.credits = 10;
    call.cost_usd = 0.01;
    store->record_api_call(second, call);
    call.duration_ms = 300;
    store->record_api_call(second, call);
    store->record_api_call(second, api_call("marketdata", "/x", "", 429));
    store->record_api_call(second, api_call("marketdata", "/x", "", 0));
    store->record_api_call(second, api_call("marketdata", "/x", "", 404)); // an answer
    auto hit = api_call("eodhd", "/eod/{symbol}", "AAPL", 200);
    hit.cache_hit = true;
    store->record_api_call(second, hit);
    store->record_api_call(first, api_call("eodhd", "/eod/{symbol}", "AAPL", 503));

    const auto stats = store->api_call_stats(second);
    REQUIRE(stats.size() == 1); // the cache hit is not a call
    CHECK(stats[0].provider == "marketdata");
    CHECK(stats[0].calls == 5);
    CHECK(stats[0].errors == 2);
    CHECK(stats[0].credits == 20);
    CHECK(stats[0].cost_usd == Approx(0.02));
    CHECK(stats[0].mean_duration_ms == Approx(80)); // (100 + 300 + 0 + 0 + 0) / 5
    const auto all = store->api_call_stats_since(fixed_time() - std::chrono::hours(1));
    REQUIRE(all.size() == 2);
    CHECK(all[0].provider == "eodhd");
    CHECK(all[0].errors == 1);
    CHECK(store->api_call_stats_since(fixed_time() + std::chrono::hours(1)).empty());

    store->add_results(first, {put_candidate(1), put_candidate(2)});
    CHECK(store->ai_analyses(first) == 0);
    store->add_ai_analysis(first, analysis_of_rank(2, "looks fine"));
    CHECK(store->ai_analyses(first) == 1);
}

TEST_CASE("inspect_database reads without creating or migrating", "[store][ops]") {
    TempDir dir;
    const fs::path db = dir / "screener.db";
    auto inspection = inspect_database(db, fixed_time());
    CHECK_FALSE(inspection.exists);
    CHECK_FALSE(fs::exists(db));
    {
        auto store = open_store(db);
        const auto run = store->begin_run(run_start("r1"));
        store->finish_run(run, finished("degraded", 1));
        store->cache_response("k1", "body", fixed_time(), fixed_time() + std::chrono::hours(1));
        store->cache_response("k2", "body", fixed_time(), fixed_time() - std::chrono::hours(1));
    }
    inspection = inspect_database(db, fixed_time());
    CHECK(inspection.exists);
    CHECK(inspection.opened);
    CHECK(inspection.error.empty());
    CHECK(inspection.quick_check == "ok");
    CHECK(inspection.schema_version == latest_schema_version());
    CHECK(inspection.cache_rows == 2);
    CHECK(inspection.cache_expired == 1);
    CHECK(inspection.last_scan_finished_at == std::string(k_fixed_text));
    CHECK(parse_utc_timestamp(k_fixed_text) == fixed_time());
    CHECK_FALSE(parse_utc_timestamp("2026-11-28 12:00:00"));
    CHECK(parse_utc_timestamp("2026-11-28T12:00:00Z") ==
          fixed_time() - std::chrono::milliseconds(123));
}
