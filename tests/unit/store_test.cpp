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

Candidate put_candidate(int rank) {
    using namespace std::chrono;
    Candidate c;
    c.symbol = "AAPL";
    c.strategy = "cash_secured_put";
    c.legs = {Leg{"AAPL261218P00175000", OptionType::Put, 175.0, 2026y / December / 18, -1, false}};
    c.expiration = 2026y / December / 18;
    c.dte = 20;
    c.strike = 175.0;
    c.underlying_price = 182.37;
    c.bid = 2.15;
    c.ask = 2.25;
    c.mid = 2.2;
    c.premium = 2.15;
    c.spread_pct = 0.1 / 2.2;
    c.delta = -0.21;
    c.iv = 0.284;
    c.open_interest = 1532;
    c.collateral = 175.0;
    c.breakeven = 172.85;
    c.max_profit = 2.15;
    c.max_loss = 172.85;
    c.pop = 0.78;
    c.return_on_capital = 2.15 / 175.0;
    c.annualized_return = 2.15 / 175.0 * 365.0 / 20.0;
    c.score = 0.8123456789012345;
    c.rank = rank;
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
    c.legs = {Leg{"", OptionType::Call, 0.0, Date{}, 100, true},
              Leg{"BRK \"B\"\\261218C\n\x01", OptionType::Call, 0.30000000000000004,
                  2027y / January / 15, -1, false}};
    c.max_loss = std::nullopt;
    c.delta = std::numeric_limits<double>::quiet_NaN();
    c.flags = {"wide_spread", "quote\" back\\slash\nnew\tline\x1f", "caf\xc3\xa9"};
    c.metrics_json = "{}";
    return c;
}

void require_same(const Candidate& got, const Candidate& want) {
    CHECK(got.rank == want.rank);
    CHECK(got.symbol == want.symbol);
    CHECK(got.strategy == want.strategy);
    REQUIRE(got.legs.size() == want.legs.size());
    for (std::size_t i = 0; i < want.legs.size(); ++i) {
        CHECK(got.legs[i].option_symbol == want.legs[i].option_symbol);
        CHECK(got.legs[i].type == want.legs[i].type);
        CHECK(got.legs[i].strike == want.legs[i].strike);
        CHECK(got.legs[i].expiration == want.legs[i].expiration);
        CHECK(got.legs[i].quantity == want.legs[i].quantity);
        CHECK(got.legs[i].is_stock == want.legs[i].is_stock);
    }
    CHECK(got.expiration == want.expiration);
    CHECK(got.dte == want.dte);
    const std::pair<double, double> figures[] = {{got.strike, want.strike},
                                                 {got.underlying_price, want.underlying_price},
                                                 {got.bid, want.bid},
                                                 {got.ask, want.ask},
                                                 {got.mid, want.mid},
                                                 {got.premium, want.premium},
                                                 {got.spread_pct, want.spread_pct},
                                                 {got.delta, want.delta},
                                                 {got.iv, want.iv},
                                                 {got.open_interest, want.open_interest},
                                                 {got.collateral, want.collateral},
                                                 {got.breakeven, want.breakeven},
                                                 {got.max_profit, want.max_profit},
                                                 {got.pop, want.pop},
                                                 {got.return_on_capital, want.return_on_capital},
                                                 {got.annualized_return, want.annualized_return},
                                                 {got.score, want.score}};
    for (const auto& [g, w] : figures) {
        if (std::isnan(w)) {
            CHECK(std::isnan(g));
        } else {
            CHECK(g == w); // REAL columns keep the exact double
        }
    }
    CHECK(got.max_loss == want.max_loss);
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
    CHECK(latest_schema_version() == 2);

    TempDir dir;
    const fs::path db = dir / "new.db";
    REQUIRE(!fs::exists(db));
    open_store(db);
    REQUIRE(fs::exists(db));

    SQLite::Database check = raw(db);
    CHECK(query_int(check, "PRAGMA user_version") == latest_schema_version());
    for (const char* table_name : {"runs", "results", "run_errors", "api_calls", "iv_history"}) {
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
          R"("expiration":"2026-12-18","quantity":-1,"is_stock":false}])");
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
        store->set_ai_analysis(id, 2, "Rich premium; watch the earnings date.");
        CHECK(query_text(check,
                         "SELECT ai_analysis FROM results WHERE run_id = " + std::to_string(id) +
                             " AND rank = 2") == "Rich premium; watch the earnings date.");
        CHECK(query_int(check, "SELECT count(*) FROM results WHERE ai_analysis IS NULL") == 2);
        CHECK_THROWS_AS(store->set_ai_analysis(id, 7, "x"), StoreError);
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
        store->add_run_error(id, {"TSLA", "chain", "timeout"});
        store->record_api_call(id, api_call("eodhd", "/api/eod/{symbol}", "TSLA", 200));
    }
    store->record_api_call(0, api_call("eodhd", "/api/eod-bulk-last-day/US", "", 200));

    SQLite::Database conn = raw(db);
    conn.exec("PRAGMA foreign_keys = ON"); // cascades act on the deleting connection
    conn.exec("DELETE FROM runs WHERE id = " + std::to_string(doomed));

    for (const char* table : {"results", "run_errors", "api_calls"}) {
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
