// run_scan against the fake vendor server (tests/support/fake_vendor.hpp) on 127.0.0.1: EODHD
// serves the universe, history and earnings, MarketData.app the chains, as in
// config/production.yaml. Faults, rate limits, failover, budgets, the cache and secrets.

#include "screener/core/error.hpp"
#include "screener/pipeline/scan.hpp"
#include "screener/store/store.hpp"
#include "support/fake_vendor.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace screener;
using namespace screener::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using TempDir = screener::testing::TempDir;

const Date k_as_of{std::chrono::year{2026}, std::chrono::November, std::chrono::day{20}};
constexpr const char* k_eodhd_token = "EODHD-SECRET-7f3a9c";
constexpr const char* k_marketdata_token = "MD-SECRET-b81e55";

struct Setup {
    int symbols = 12;
    std::string chains = "marketdata"; // routing.chains
    std::string history = "eodhd";     // routing.history
    std::string universe = "eodhd";    // routing.universe
    std::string marketdata_extra;      // more keys under providers.marketdata
    std::string eodhd_extra;           // more keys under providers.eodhd
    std::string providers_extra;       // more keys under providers
    std::string routing_extra;         // more keys under providers.routing
    std::string profile_extra;         // more keys under profiles.daily
    std::string strategies_extra; // more lines after profiles.daily.strategies.cash_secured_put
    int csp_min_open_interest = 0;
    int workers = 6;
    int breaker_failures = 50;
    double eodhd_timeout_s = 2;
    double marketdata_timeout_s = 2;
};

FakeVendorOptions fake_options() {
    FakeVendorOptions options;
    options.eodhd.token = k_eodhd_token;
    options.marketdata.token = k_marketdata_token;
    return options;
}

MarketConfig market(int symbols) {
    MarketConfig config;
    config.symbols = symbols;
    config.as_of = k_as_of;
    return config;
}

config::Config make_config(const fs::path& dir, const FakeVendor& fake, const Setup& setup) {
    std::ostringstream yaml;
    yaml << "data_dir: data\n"
            "providers:\n"
            "  routing:\n"
            "    universe: "
         << setup.universe
         << "\n"
            "    history: "
         << setup.history
         << "\n"
            "    chains: "
         << setup.chains
         << "\n"
            "    earnings: eodhd\n"
         << setup.routing_extra << "  workers: " << setup.workers << "\n"
         << setup.providers_extra
         << "  eodhd:\n"
            "    base_url: "
         << fake.eodhd_base_url()
         << "\n"
            "    api_key: ${EODHD_API_KEY}\n"
            "    retry_base_ms: 5\n"
            "    retry_max_ms: 20\n"
            "    timeout_s: "
         << setup.eodhd_timeout_s << "\n    breaker_failures: " << setup.breaker_failures << "\n"
         << setup.eodhd_extra
         << "  marketdata:\n"
            "    base_url: "
         << fake.marketdata_base_url()
         << "\n"
            "    api_key: ${MARKETDATA_TOKEN}\n"
            "    retry_base_ms: 5\n"
            "    retry_max_ms: 20\n"
            "    timeout_s: "
         << setup.marketdata_timeout_s
         << "\n"
            "    breaker_failures: "
         << setup.breaker_failures << "\n"
         << setup.marketdata_extra
         << "profiles:\n"
            "  daily:\n"
            "    universe:\n"
            "      source: exchange\n"
            "    prefilter:\n"
            "      min_price: 1\n"
            "      min_avg_volume: 0\n"
            "      min_market_cap: 0\n"
            "    top_n: 50\n"
            "    max_per_symbol: 3\n"
            "    history_days: 120\n"
         << setup.profile_extra
         << "    strategies:\n"
            "      cash_secured_put:\n"
            "        dte_min: 7\n"
            "        dte_max: 45\n"
            "        min_open_interest: "
         << setup.csp_min_open_interest
         << "\n"
            "        max_spread_pct: 0.5\n"
            "        min_bid: 0.01\n"
         << setup.strategies_extra;
    auto env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "EODHD_API_KEY") {
            return k_eodhd_token;
        }
        if (name == "MARKETDATA_TOKEN") {
            return k_marketdata_token;
        }
        return std::nullopt;
    };
    return config::parse_config(yaml.str(), "vendors.yaml", dir, env);
}

pipeline::ScanReport scan(const config::Config& config, const fs::path& log_file = "/dev/null") {
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, log_file);
    pipeline::ScanOptions options;
    options.as_of = k_as_of;
    auto report = pipeline::run_scan(config, options, logger);
    // Shown with any failed assertion of the calling test.
    for (const auto& e : report.errors) {
        UNSCOPED_INFO("run error: " << e.symbol << " [" << e.stage << "] " << e.message);
    }
    return report;
}

int query_int(const fs::path& db, const std::string& sql) {
    SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
    return conn.execAndGet(sql).getInt();
}

double query_double(const fs::path& db, const std::string& sql) {
    SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
    return conn.execAndGet(sql).getDouble();
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Requests the fake saw whose path starts with `prefix`.
long count_requests(const FakeVendor& fake, Vendor vendor, const std::string& prefix) {
    const auto log = fake.requests();
    return std::count_if(log.begin(), log.end(), [&](const RequestRecord& r) {
        return r.vendor == vendor && r.path.rfind(prefix, 0) == 0;
    });
}

bool has_error(const pipeline::ScanReport& report, const std::string& symbol,
               const std::string& text) {
    return std::any_of(report.errors.begin(), report.errors.end(), [&](const SymbolError& e) {
        return e.symbol == symbol && e.message.find(text) != std::string::npos;
    });
}

} // namespace

TEST_CASE("a scan against both vendors stores results, every call and the vendors' credits",
          "[vendors]") {
    FakeVendor fake(market(12), fake_options());
    fake.start();
    TempDir dir;
    const auto config = make_config(dir.path(), fake, {});
    const auto report = scan(config);

    CHECK(report.outcome == Outcome::Ok);
    CHECK(report.errors.empty());
    CHECK(report.symbols_total == 12);
    CHECK(report.symbols_screened == 12);
    CHECK_FALSE(report.results.empty());
    CHECK(report.data_source == "eodhd, marketdata");

    const fs::path db = config.database;
    // One bulk call for the universe, one calendar call, then per symbol history and a chain.
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/eod-bulk-last-day/") == 1);
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/calendar/earnings") == 1);
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/eod/") == 12);
    CHECK(count_requests(fake, Vendor::MarketData, "/v1/options/chain/") == 12);
    CHECK(query_int(db, "SELECT count(*) FROM api_calls WHERE run_id = " +
                            std::to_string(report.run_id)) ==
          static_cast<int>(fake.requests().size()));
    // Credits as the vendors count them.
    CHECK(query_double(db, "SELECT sum(credits) FROM api_calls WHERE provider = 'eodhd'") ==
          Approx(static_cast<double>(fake.credits(Vendor::Eodhd))));
    CHECK(query_double(db, "SELECT sum(credits) FROM api_calls WHERE provider = 'marketdata'") ==
          Approx(static_cast<double>(fake.credits(Vendor::MarketData))));
    CHECK(query_int(db, "SELECT count(*) FROM api_calls WHERE endpoint LIKE '%{symbol}%' "
                        "AND symbol = ''") == 0);
}

TEST_CASE("a same-day rerun is served from the cache and spends no credits", "[vendors]") {
    FakeVendor fake(market(8), fake_options());
    fake.start();
    TempDir dir;
    const auto config = make_config(dir.path(), fake, {});
    const auto first = scan(config);
    REQUIRE(first.outcome == Outcome::Ok);
    const auto requests = fake.requests().size();
    const auto second = scan(config);
    CHECK(second.outcome == Outcome::Ok);
    CHECK(fake.requests().size() == requests); // nothing fetched again
    const fs::path db = config.database;
    const std::string run = std::to_string(second.run_id);
    CHECK(query_double(db, "SELECT coalesce(sum(credits), 0) FROM api_calls WHERE run_id = " +
                               run) == 0);
    CHECK(query_int(db, "SELECT count(*) FROM api_calls WHERE run_id = " + run +
                            " AND cache_hit = 1") == static_cast<int>(requests));
    REQUIRE(second.results.size() == first.results.size());
    for (std::size_t i = 0; i < first.results.size(); ++i) {
        CHECK(second.results[i].legs[0].option_symbol == first.results[i].legs[0].option_symbol);
        CHECK(second.results[i].score == first.results[i].score);
    }
}

namespace {
struct EndpointCase {
    Vendor vendor;
    std::string path;
    std::string symbol; // the fault hits only this symbol's requests; "" = every request
    Setup setup;
};

// Every endpoint a run can call, each under the routing that calls it.
std::vector<EndpointCase> endpoints_of(Vendor vendor) {
    using Case = EndpointCase;
    Setup eodhd_chains;
    eodhd_chains.chains = "eodhd";
    Setup marketdata_history;
    marketdata_history.history = "marketdata";
    Setup marketdata_universe;
    marketdata_universe.universe = "marketdata";
    Setup marketdata_quotes;
    marketdata_quotes.profile_extra = "    live_quotes: true\n";
    Setup eodhd_quotes = marketdata_quotes;
    eodhd_quotes.routing_extra = "    quotes: eodhd\n";
    Setup dividends;
    dividends.routing_extra = "    dividends: eodhd\n";
    std::vector<Case> endpoints = {
        {Vendor::Eodhd, "/api/eod-bulk-last-day/US", "", {}},
        {Vendor::Eodhd, "/api/calendar/earnings", "", {}},
        {Vendor::Eodhd, "/api/eod/SYM0003.US", "", {}},
        {Vendor::MarketData, "/v1/options/chain/SYM0003/", "", {}},
        {Vendor::Eodhd, "/api/mp/unicornbay/options/contracts", "SYM0003", eodhd_chains},
        {Vendor::MarketData, "/v1/stocks/candles/D/SYM0003", "", marketdata_history},
        {Vendor::MarketData, "/v1/stocks/bulkcandles/", "", marketdata_universe},
        {Vendor::MarketData, "/v1/stocks/quotes/", "", marketdata_quotes},
        {Vendor::Eodhd, "/api/real-time/", "", eodhd_quotes},
        {Vendor::Eodhd, "/api/fundamentals/SYM0003.US", "", dividends},
    };
    std::erase_if(endpoints, [&](const Case& c) { return c.vendor != vendor; });
    return endpoints;
}

void check_transient_faults(Vendor vendor) {
    const auto endpoints = endpoints_of(vendor);
    const std::vector<FaultKind> kinds = {
        FaultKind::TooManyRequests, FaultKind::ServerError, FaultKind::BadGatewayHtml,
        FaultKind::Unavailable,     FaultKind::Slow,        FaultKind::Reset,
        FaultKind::Truncated};
    for (const auto& endpoint : endpoints) {
        for (const auto kind : kinds) {
            DYNAMIC_SECTION(to_string(endpoint.vendor)
                            << " " << endpoint.path << " " << to_string(kind)) {
                FakeVendor fake(market(6), fake_options());
                fake.start();
                Fault fault;
                fault.vendor = endpoint.vendor;
                fault.path = endpoint.path;
                fault.symbol = endpoint.symbol;
                fault.kind = kind;
                fault.count = 2;
                fault.delay = 2500ms; // Slow: past the 1 s timeout below
                fake.add_fault(fault);
                TempDir dir;
                Setup setup = endpoint.setup;
                setup.eodhd_timeout_s = 1;
                setup.marketdata_timeout_s = 1;
                const auto report = scan(make_config(dir.path(), fake, setup));
                CHECK(report.outcome == Outcome::Ok);
                CHECK(report.errors.empty());
                CHECK(report.symbols_screened == 6);
                fake.stop(); // ends the Slow answers' sleeps so their records are final
                // Two faulty answers, each retried; the third attempt is served.
                const auto log = fake.requests();
                long long faulty_credits = 0;
                long faulty = 0;
                for (const auto& r : log) {
                    if (!r.fault.empty()) {
                        ++faulty;
                        faulty_credits += r.credits; // billed answers the client never read
                    }
                }
                CHECK(faulty == 2);
                CHECK(count_requests(fake, endpoint.vendor, endpoint.path) >= 3);
                // Every answer the run read is recorded with the vendor's own credit count.
                CHECK(
                    query_double(make_config(dir.path(), fake, setup).database,
                                 "SELECT coalesce(sum(credits), 0) FROM api_calls") ==
                    Approx(static_cast<double>(fake.credits(Vendor::Eodhd) +
                                               fake.credits(Vendor::MarketData) - faulty_credits)));
            }
        }
    }
}

} // namespace

TEST_CASE("a transient fault on any EODHD endpoint is retried and costs nothing", "[vendors]") {
    check_transient_faults(Vendor::Eodhd);
}

TEST_CASE("a transient fault on any MarketData.app endpoint is retried and costs nothing",
          "[vendors]") {
    check_transient_faults(Vendor::MarketData);
}

TEST_CASE("a persistent fault fails one symbol, names it and the endpoint, and keeps the rest",
          "[vendors]") {
    struct Case {
        Vendor vendor;
        std::string path;
        FaultKind kind;
        long attempts; // requests the client should make
        std::string message;
        Setup setup{};
        std::string symbol{}; // the fault hits only this symbol's requests; "" = every request
    };
    Setup eodhd_chains;
    eodhd_chains.chains = "eodhd";
    Setup marketdata_history;
    marketdata_history.history = "marketdata";
    const std::vector<Case> cases = {
        {Vendor::MarketData, "/v1/options/chain/SYM0003/", FaultKind::ServerError, 4,
         "marketdata /v1/options/chain/{symbol}/ SYM0003: HTTP 500 after 4 attempt(s)"},
        {Vendor::MarketData, "/v1/options/chain/SYM0003/", FaultKind::MalformedJson, 1,
         "marketdata /v1/options/chain/{symbol}/ SYM0003"},
        {Vendor::MarketData, "/v1/options/chain/SYM0003/", FaultKind::RaggedArrays, 1,
         "ragged columns"},
        {Vendor::MarketData, "/v1/options/chain/SYM0003/", FaultKind::EmptyBody, 1,
         "marketdata /v1/options/chain/{symbol}/ SYM0003"},
        {Vendor::Eodhd, "/api/eod/SYM0003.US", FaultKind::BadGatewayHtml, 4,
         "eodhd /eod/{symbol} SYM0003: HTTP 502 after 4 attempt(s)"},
        {Vendor::Eodhd, "/api/eod/SYM0003.US", FaultKind::NaFields, 1, "SYM0003"},
        {Vendor::Eodhd, "/api/eod/SYM0003.US", FaultKind::Truncated, 4,
         "eodhd /eod/{symbol} SYM0003: connection reset after 4 attempt(s)"},
        {Vendor::Eodhd, "/api/eod/SYM0003.US", FaultKind::Slow, 4,
         "eodhd /eod/{symbol} SYM0003: timeout after 4 attempt(s)"},
        {Vendor::MarketData, "/v1/stocks/candles/D/SYM0003", FaultKind::ServerError, 4,
         "/v1/stocks/candles/D/{symbol}/ SYM0003: HTTP 500 after 4 attempt(s)", marketdata_history},
        {Vendor::MarketData, "/v1/stocks/candles/D/SYM0003", FaultKind::RaggedArrays, 1,
         "ragged columns", marketdata_history},
        {Vendor::MarketData, "/v1/stocks/candles/D/SYM0003", FaultKind::Reset, 4,
         "/v1/stocks/candles/D/{symbol}/ SYM0003: connection reset after 4 attempt(s)",
         marketdata_history},
        {Vendor::Eodhd, "/api/mp/unicornbay/options/contracts", FaultKind::Unavailable, 4,
         "/mp/unicornbay/options/contracts SYM0003: HTTP 503 after 4 attempt(s)", eodhd_chains,
         "SYM0003"},
        {Vendor::Eodhd, "/api/mp/unicornbay/options/contracts", FaultKind::MalformedJson, 1,
         "eodhd /mp/unicornbay/options/contracts SYM0003", eodhd_chains, "SYM0003"},
        {Vendor::Eodhd, "/api/mp/unicornbay/options/contracts", FaultKind::NaFields, 1, "SYM0003",
         eodhd_chains, "SYM0003"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.path << " " << to_string(c.kind)) {
            FakeVendor fake(market(6), fake_options());
            fake.start();
            Fault fault;
            fault.vendor = c.vendor;
            fault.path = c.path;
            fault.kind = c.kind;
            fault.symbol = c.symbol;
            fault.count = -1;
            fault.delay = 1500ms;
            fake.add_fault(fault);
            TempDir dir;
            Setup setup = c.setup;
            setup.eodhd_timeout_s = 0.5;
            setup.marketdata_timeout_s = 0.5;
            auto config = make_config(dir.path(), fake, setup);
            const auto report = scan(config);
            CHECK(report.outcome == Outcome::Degraded);
            CHECK(report.symbols_screened == 5);
            CHECK(report.symbols_failed == 1);
            CHECK(has_error(report, "SYM0003", c.message));
            fake.stop(); // ends the Slow answers' sleeps so their records are final
            const auto log = fake.requests();
            CHECK(std::count_if(log.begin(), log.end(), [](const RequestRecord& r) {
                      return !r.fault.empty();
                  }) == c.attempts);
            CHECK(query_int(config.database, "SELECT count(*) FROM run_errors WHERE symbol = "
                                             "'SYM0003'") == 1);
            CHECK(query_int(
                      config.database,
                      "SELECT count(DISTINCT symbol) FROM results WHERE symbol <> 'SYM0003'") >= 1);
        }
    }
}

TEST_CASE("the rate limit and the concurrency cap hold across workers", "[vendors]") {
    FakeVendorOptions options = fake_options();
    // Slow enough that chains arriving at EODHD's pace (20/s) would need 4 in flight.
    options.marketdata.latency = 200ms;
    FakeVendor fake(market(30), options);
    fake.start();
    TempDir dir;
    Setup setup;
    setup.marketdata_extra = "    max_in_flight: 3\n";
    setup.eodhd_extra = "    requests_per_minute: 1200\n    burst: 2\n";
    setup.workers = 12;
    const auto report = scan(make_config(dir.path(), fake, setup));
    CHECK(report.outcome == Outcome::Ok);
    CHECK(fake.max_in_flight(Vendor::MarketData) == 3);

    // EODHD at 20/s with a burst of 2: any 500 ms window holds at most 2 + 10 arrivals
    // (windows measured 60 ms short: arrival times carry scheduling jitter).
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    for (const auto& r : fake.requests()) {
        if (r.vendor == Vendor::Eodhd) {
            arrivals.push_back(r.arrival);
        }
    }
    std::sort(arrivals.begin(), arrivals.end());
    REQUIRE(arrivals.size() == 32); // bulk + calendar + 30 histories
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        std::size_t in_window = 0;
        for (std::size_t j = i; j < arrivals.size() && arrivals[j] < arrivals[i] + 440ms; ++j) {
            ++in_window;
        }
        CHECK(in_window <= 12);
    }
    // 32 requests, 30 intervals of 50 ms (1,500 ms), less the jitter allowance.
    CHECK(arrivals.back() - arrivals.front() >= 1440ms);
}

TEST_CASE("a refused key fails the chains over to the backup once, recorded, exit 1", "[vendors]") {
    FakeVendor fake(market(8), fake_options());
    fake.start();
    Fault fault;
    fault.vendor = Vendor::MarketData;
    fault.path = "/v1/options/chain/";
    fault.kind = FaultKind::Unauthorized;
    fake.add_fault(fault);
    TempDir dir;
    Setup setup;
    setup.chains = "[marketdata, eodhd]";
    setup.workers = 1;
    const auto config = make_config(dir.path(), fake, setup);
    const auto report = scan(config);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK(report.symbols_screened == 8);
    REQUIRE(report.failovers.size() == 1);
    CHECK(report.failovers[0] == "chains: marketdata -> eodhd: marketdata refused the "
                                 "credentials (HTTP 401) at /v1/options/chain/{symbol}/");
    CHECK_THAT(report.message, Catch::Contains("vendor failover"));
    // MarketData was asked once; every chain then came from EODHD's marketplace.
    CHECK(count_requests(fake, Vendor::MarketData, "/v1/options/chain/") == 1);
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/mp/unicornbay/options/contracts") >= 8);
    CHECK(query_int(config.database, "SELECT count(*) FROM run_errors WHERE stage = 'failover'") ==
          1);
    CHECK_FALSE(report.results.empty());
}

TEST_CASE("the daily credit budget stops new chains, the run keeps what it has, exit 1",
          "[vendors]") {
    // What the first chains cost, measured on an identical market without a budget.
    double budget = 0;
    {
        FakeVendor probe(market(20), fake_options());
        probe.start();
        TempDir dir;
        Setup setup;
        setup.workers = 1;
        const auto config = make_config(dir.path(), probe, setup);
        const auto report = scan(config);
        REQUIRE(report.outcome == Outcome::Ok);
        budget = query_double(config.database,
                              "SELECT sum(credits) FROM (SELECT credits FROM api_calls WHERE "
                              "endpoint = '/v1/options/chain/{symbol}/' ORDER BY id LIMIT 5)");
        REQUIRE(budget > 0);
        REQUIRE(probe.credits(Vendor::MarketData) > budget);
    }
    FakeVendor fake(market(20), fake_options());
    fake.start();
    TempDir dir;
    Setup setup;
    setup.workers = 4;
    setup.marketdata_extra = fmt::format("    daily_credit_budget: {}\n", budget);
    const auto config = make_config(dir.path(), fake, setup);
    const auto report = scan(config);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK_THAT(report.stop_reason, Catch::Contains("marketdata: daily credit budget"));
    CHECK_THAT(report.message, Catch::Contains("stopped early"));
    CHECK(report.symbols_skipped > 0);
    CHECK(report.symbols_screened > 0);
    CHECK(report.symbols_screened + report.symbols_skipped + report.symbols_failed == 20);
    // Never past the budget, with four workers asking at once.
    CHECK(static_cast<double>(fake.credits(Vendor::MarketData)) <= budget);
    CHECK(query_double(config.database, "SELECT sum(credits) FROM api_calls WHERE provider = "
                                        "'marketdata'") <= budget);
    CHECK_FALSE(report.results.empty());
    CHECK(query_int(config.database, "SELECT count(*) FROM run_errors WHERE stage = 'stopped'") ==
          1);

    // The next run of the day starts with the budget spent: no new chain is bought.
    const auto chains_before = count_requests(fake, Vendor::MarketData, "/v1/options/chain/");
    const auto second = scan(config);
    CHECK(count_requests(fake, Vendor::MarketData, "/v1/options/chain/") == chains_before);
    CHECK(second.outcome != Outcome::Ok);
}

TEST_CASE("when every vendor is down the pass fails (exit 2) and says why", "[vendors]") {
    FakeVendor fake(market(6), fake_options());
    fake.start();
    for (const auto vendor : {Vendor::Eodhd, Vendor::MarketData}) {
        Fault fault;
        fault.vendor = vendor;
        fault.path = vendor == Vendor::Eodhd ? "/api/eod/" : "/v1/";
        fault.kind = FaultKind::Unavailable;
        fake.add_fault(fault);
    }
    TempDir dir;
    Setup setup;
    setup.history = "[eodhd, marketdata]";
    setup.breaker_failures = 3;
    const auto report = scan(make_config(dir.path(), fake, setup));
    CHECK(report.outcome == Outcome::Failed);
    CHECK(report.symbols_screened == 0);
    CHECK_THAT(report.message, Catch::Contains("circuit open"));
}

TEST_CASE("the tokens never reach logs, api_calls, errors or the database", "[vendors]") {
    FakeVendor fake(market(6), fake_options());
    fake.start();
    Fault unauthorized;
    unauthorized.vendor = Vendor::MarketData;
    unauthorized.path = "/v1/options/chain/SYM0002/";
    unauthorized.kind = FaultKind::ServerError;
    fake.add_fault(unauthorized);
    Fault reset;
    reset.vendor = Vendor::Eodhd;
    reset.path = "/api/eod/SYM0004.US";
    reset.kind = FaultKind::Reset;
    fake.add_fault(reset);
    TempDir dir;
    const auto config = make_config(dir.path(), fake, {});
    const fs::path log = dir.path() / "scan.log";
    const auto report = scan(config, log);
    CHECK(report.outcome == Outcome::Degraded);
    std::string everything = read_file(log);
    for (const auto& entry : fs::recursive_directory_iterator(config.data_dir)) {
        if (entry.is_regular_file()) {
            everything += read_file(entry.path());
        }
    }
    for (const auto& e : report.errors) {
        everything += e.message;
    }
    CHECK(everything.find("api_call") != std::string::npos); // the log has the calls
    CHECK(everything.find(k_eodhd_token) == std::string::npos);
    CHECK(everything.find(k_marketdata_token) == std::string::npos);
}

TEST_CASE("reconciliation grades each symbol by how far the two vendors agree", "[vendors]") {
    FakeVendor fake(market(5), fake_options());
    fake.start();
    TempDir dir;
    Setup setup;
    setup.chains = "[marketdata, eodhd]";
    setup.providers_extra = "  reconcile: true\n";
    const auto config = make_config(dir.path(), fake, setup);
    const auto report = scan(config);
    CHECK(report.outcome == Outcome::Ok);
    auto db = store::open_sqlite_store(config.database);
    const auto rows = db->reconciliations(report.run_id);
    // Every screened symbol with a strike within 5% of spot in its chain.
    REQUIRE(rows.size() >= 3);
    REQUIRE(rows.size() <= 5);
    for (const auto& row : rows) {
        CHECK(row.primary_vendor == "marketdata");
        CHECK(row.secondary_vendor == "eodhd");
        CHECK(row.contracts_compared > 0);
        // Both formats come from one simulated market: they agree.
        CHECK(row.grade == "A");
    }
    CHECK(report.vendor_disagreements.empty());
}

TEST_CASE("live quotes: one batched call prices the universe, EODHD batches by 20", "[vendors]") {
    FakeVendor fake(market(25), fake_options());
    fake.start();
    SECTION("MarketData.app, the chains' vendor, by default") {
        TempDir dir;
        Setup setup;
        setup.profile_extra = "    live_quotes: true\n";
        const auto report = scan(make_config(dir.path(), fake, setup));
        CHECK(report.outcome == Outcome::Ok);
        CHECK(count_requests(fake, Vendor::MarketData, "/v1/stocks/quotes/") == 1);
        REQUIRE_FALSE(report.results.empty());
        for (const auto& c : report.results) {
            const auto* symbol = fake.market().find(c.symbol);
            REQUIRE(symbol != nullptr);
            CHECK(c.underlying_price == Approx(symbol->last()).epsilon(1e-9));
        }
    }
    SECTION("EODHD real-time when routed there") {
        TempDir dir;
        Setup setup;
        setup.profile_extra = "    live_quotes: true\n";
        setup.routing_extra = "    quotes: eodhd\n";
        const auto report = scan(make_config(dir.path(), fake, setup));
        CHECK(report.outcome == Outcome::Ok);
        CHECK(count_requests(fake, Vendor::Eodhd, "/api/real-time/") == 2); // 20 + 5 tickers
        CHECK(count_requests(fake, Vendor::MarketData, "/v1/stocks/quotes/") == 0);
    }
    SECTION("without live_quotes no quote is bought") {
        TempDir dir;
        const auto report = scan(make_config(dir.path(), fake, {}));
        CHECK(report.outcome == Outcome::Ok);
        CHECK(count_requests(fake, Vendor::MarketData, "/v1/stocks/quotes/") == 0);
        CHECK(count_requests(fake, Vendor::Eodhd, "/api/real-time/") == 0);
    }
}

TEST_CASE("with EODHD refusing the key, MarketData.app serves the universe and history",
          "[vendors]") {
    FakeVendor fake(market(8), fake_options());
    fake.start();
    Fault refused;
    refused.vendor = Vendor::Eodhd;
    refused.path = "/api/";
    refused.kind = FaultKind::Unauthorized;
    fake.add_fault(refused);
    TempDir dir;
    Setup setup;
    setup.workers = 2;
    setup.universe = "[eodhd, marketdata]";
    setup.history = "[eodhd, marketdata]";
    auto config = make_config(dir.path(), fake, setup);
    const auto report = scan(config);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK(report.symbols_total == 8);
    CHECK(report.symbols_screened == 8);
    CHECK(count_requests(fake, Vendor::MarketData, "/v1/stocks/bulkcandles/D/") == 1);
    CHECK(count_requests(fake, Vendor::MarketData, "/v1/stocks/candles/D/") == 8);
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/") == 1); // asked once, never again
    CHECK(report.failovers.size() == 2);                      // universe and history
    CHECK(has_error(report, "*", "eodhd refused the credentials (HTTP 401)")); // earnings
}

TEST_CASE("dividends from EODHD fundamentals price and flag the trades", "[vendors]") {
    FakeVendor fake(market(10), fake_options());
    fake.start();
    TempDir dir;
    Setup setup;
    setup.routing_extra = "    dividends: eodhd\n";
    const auto config = make_config(dir.path(), fake, setup);
    const auto report = scan(config);
    CHECK(report.outcome == Outcome::Ok);
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/fundamentals/") == 10);
    CHECK(query_double(config.database, "SELECT sum(credits) FROM api_calls WHERE endpoint = "
                                        "'/fundamentals/{symbol}'") == 100);
    REQUIRE_FALSE(report.results.empty());
    int payers = 0;
    for (const auto& c : report.results) {
        const auto* symbol = fake.market().find(c.symbol);
        REQUIRE(symbol != nullptr);
        // The fake's simple yield, rounded to 4 places, back as a continuous rate.
        const double simple = std::round(std::expm1(symbol->dividend_yield) * 1e4) / 1e4;
        CHECK(c.dividend_yield == Approx(std::log1p(simple)).margin(1e-12));
        payers += c.dividend_yield > 0 ? 1 : 0;
    }
    CHECK(payers > 0);
    // Announced ex-dates inside a trade's life raise the flag the strategy engine defines.
    CHECK(std::any_of(report.results.begin(), report.results.end(), [](const Candidate& c) {
        return std::find(c.flags.begin(), c.flags.end(), "ex_dividend_before_expiry") !=
               c.flags.end();
    }));

    // Without the route nothing is fetched and the yield is zero.
    TempDir other;
    const auto plain = scan(make_config(other.path(), fake, {}));
    CHECK(count_requests(fake, Vendor::Eodhd, "/api/fundamentals/") == 10);
    for (const auto& c : plain.results) {
        CHECK(c.dividend_yield == 0);
    }
}

TEST_CASE("EODHD's marketplace pool has its own budget and its own name in api_calls",
          "[vendors]") {
    FakeVendor fake(market(8), fake_options());
    fake.start();
    TempDir dir;
    Setup setup;
    setup.chains = "eodhd";
    setup.workers = 1;
    // Three pages of options at 10 calls each; the main pool has no budget.
    setup.eodhd_extra = "    marketplace_daily_credit_budget: 30\n";
    const auto config = make_config(dir.path(), fake, setup);
    const auto report = scan(config);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK_THAT(report.stop_reason, Catch::Contains("eodhd_marketplace: daily credit budget"));
    CHECK(fake.eodhd_marketplace_credits() <= 30);
    CHECK(query_double(config.database, "SELECT sum(credits) FROM api_calls WHERE provider = "
                                        "'eodhd_marketplace'") <= 30);
    CHECK(query_int(config.database, "SELECT count(*) FROM api_calls WHERE provider = 'eodhd' "
                                     "AND endpoint LIKE '/mp/%'") == 0);
    CHECK(report.symbols_screened >= 1);
    CHECK(report.symbols_skipped >= 1);
}

TEST_CASE("chains are filtered on MarketData.app's side to what the strategies can use",
          "[vendors]") {
    const auto chain_params = [](const FakeVendor& fake) {
        std::vector<std::map<std::string, std::string>> out;
        for (const auto& r : fake.requests()) {
            if (r.vendor == Vendor::MarketData && r.path.rfind("/v1/options/chain/", 0) == 0) {
                out.emplace_back(r.params.begin(), r.params.end());
            }
        }
        return out;
    };
    const auto run = [&](const Setup& setup, long long& credits) {
        FakeVendor fake(market(6), fake_options());
        fake.start();
        TempDir dir;
        const auto report = scan(make_config(dir.path(), fake, setup));
        CHECK(report.outcome == Outcome::Ok);
        credits = fake.credits(Vendor::MarketData);
        return std::make_pair(report, chain_params(fake));
    };

    SECTION("single legs: an absolute-delta floor below the strategies' and their minimum OI") {
        Setup setup;
        setup.strategies_extra = "        delta_min: 0.15\n";
        setup.csp_min_open_interest = 50;
        long long filtered_credits = 0;
        const auto [report, params] = run(setup, filtered_credits);
        REQUIRE(params.size() == 6);
        for (const auto& p : params) {
            CHECK(p.at("delta") == ">0.120");
            CHECK(p.at("minOpenInterest") == "50");
            CHECK(p.count("minVolume") == 0); // 0: nothing to filter
        }
        REQUIRE_FALSE(report.results.empty());
        for (const auto& c : report.results) {
            CHECK(std::fabs(c.legs[0].delta) >= 0.15);
        }
        // The same profile without the floors pays for every contract in the window.
        Setup unfiltered;
        unfiltered.strategies_extra = "        delta_min: 0\n";
        long long all_credits = 0;
        const auto [all_report, all_params] = run(unfiltered, all_credits);
        for (const auto& p : all_params) {
            CHECK(p.count("delta") == 0);
            CHECK(p.count("minOpenInterest") == 0);
        }
        CHECK(filtered_credits < all_credits);
    }

    SECTION("spreads buy wings of any delta: no delta floor") {
        Setup setup;
        setup.strategies_extra = "      bull_put_spread:\n        dte_min: 7\n        dte_max: 45\n"
                                 "        min_open_interest: 10\n        max_spread_pct: 0.5\n";
        long long credits = 0;
        const auto [report, params] = run(setup, credits);
        REQUIRE(params.size() == 6);
        for (const auto& p : params) {
            CHECK(p.count("delta") == 0);
            CHECK(p.count("minOpenInterest") == 0); // the CSP's minimum is 0
            CHECK(p.at("side") == "put");
        }
    }
}
