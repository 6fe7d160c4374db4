// run_weekly against the fake vendor server: picks stored with strikes placed around the
// simulated market's real settlement closes, so every outcome and P&L is known by construction.

#include "screener/core/calendar.hpp"
#include "screener/core/date.hpp"
#include "screener/pipeline/weekly.hpp"
#include "screener/store/store.hpp"
#include "support/fake_vendor.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>

using namespace screener;
using namespace screener::testing;
namespace fs = std::filesystem;

namespace {

Date day(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

const Date k_as_of = day(2026, 11, 20);  // the fake market's last session
const Date k_picked = day(2026, 10, 16); // when the graded picks were made
const Date k_expiry = day(2026, 11, 13); // before k_as_of: gradable
const Date k_later = day(2026, 12, 18);  // after k_as_of: still open
constexpr const char* k_eodhd_token = "EODHD-WEEKLY-1";
constexpr const char* k_marketdata_token = "MD-WEEKLY-2";

config::Config make_config(const fs::path& dir, const FakeVendor& fake) {
    std::ostringstream yaml;
    yaml << "data_dir: data\n"
            "providers:\n"
            "  routing:\n"
            "    universe: eodhd\n"
            "    history: eodhd\n"
            "    chains: marketdata\n"
            "    earnings: eodhd\n"
            "  eodhd:\n"
            "    base_url: "
         << fake.eodhd_base_url()
         << "\n    api_key: ${EODHD_API_KEY}\n    retry_base_ms: 5\n    retry_max_ms: 20\n"
            "  marketdata:\n"
            "    base_url: "
         << fake.marketdata_base_url()
         << "\n    api_key: ${MARKETDATA_TOKEN}\n    retry_base_ms: 5\n    retry_max_ms: 20\n"
            "profiles:\n"
            "  weekly:\n"
            "    universe:\n"
            "      source: exchange\n"
            "    prefilter:\n"
            "      min_price: 1\n"
            "      min_avg_volume: 0\n"
            "      min_market_cap: 0\n"
            "    strategies:\n"
            "      cash_secured_put:\n"
            "        dte_min: 7\n"
            "        dte_max: 90\n"
            "        min_open_interest: 0\n"
            "        max_spread_pct: 0.5\n"
            "        min_bid: 0.01\n";
    auto env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "EODHD_API_KEY") {
            return k_eodhd_token;
        }
        if (name == "MARKETDATA_TOKEN") {
            return k_marketdata_token;
        }
        return std::nullopt;
    };
    return config::parse_config(yaml.str(), "weekly.yaml", dir, env);
}

MarketConfig market() {
    MarketConfig m;
    m.symbols = 3;
    m.as_of = k_as_of;
    return m;
}

const Bar& bar_on(const FakeVendor& fake, const std::string& symbol, Date date) {
    const auto* s = fake.market().find(symbol);
    REQUIRE(s != nullptr);
    const auto it = std::find_if(s->history.begin(), s->history.end(),
                                 [&](const Bar& b) { return b.date == date; });
    REQUIRE(it != s->history.end());
    return *it;
}

Leg put(double strike, int quantity, Date expiry) {
    Leg leg;
    leg.option_symbol = fmt::format("P{:g}", strike);
    leg.type = OptionType::Put;
    leg.strike = strike;
    leg.expiration = expiry;
    leg.quantity = quantity;
    leg.iv = 0.35;
    return leg;
}

Candidate pick(const std::string& symbol, const std::string& strategy, std::vector<Leg> legs,
               double credit, double max_loss, double collateral, Date expiry, double pop) {
    Candidate c;
    c.symbol = symbol;
    c.strategy = strategy;
    c.legs = std::move(legs);
    c.expiration = expiry;
    c.dte = days_between(k_picked, expiry);
    c.t_years = c.dte / 365.0;
    c.underlying_price = 100;
    c.rate = 0.04;
    c.dividend_yield = 0;
    c.is_credit = true;
    c.fill_price = credit;
    c.mid_price = credit;
    c.max_profit = credit;
    c.max_loss = max_loss;
    c.collateral = collateral;
    c.pop = pop;
    c.metrics_json = fmt::format(R"({{"ev_real_world":{}}})", 0.1);
    return c;
}

std::int64_t store_picks(const config::Config& config, std::vector<Candidate> picks) {
    fs::create_directories(config.data_dir);
    auto db = store::open_sqlite_store(config.database);
    const auto run = db->begin_run(
        {pipeline::new_execution_id(), "scan", "weekly", format_date(k_picked), "test", 1});
    for (std::size_t i = 0; i < picks.size(); ++i) {
        picks[i].rank = static_cast<int>(i) + 1;
    }
    db->add_results(run, picks);
    db->finish_run(run, {"ok", 0, 0, 0, 0, static_cast<int>(picks.size()), 1, 0, ""});
    return run;
}

std::string query_text(const fs::path& db, const std::string& sql) {
    SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
    return conn.execAndGet(sql).getString();
}

int query_int(const fs::path& db, const std::string& sql) {
    SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
    return conn.execAndGet(sql).getInt();
}

pipeline::WeeklyReport weekly(const config::Config& config, Date as_of, bool scan = false) {
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, "/dev/null");
    pipeline::WeeklyOptions options;
    options.as_of = as_of;
    options.scan = scan;
    options.since = day(2026, 1, 1);
    return pipeline::run_weekly(config, options, logger);
}

} // namespace

TEST_CASE("weekly grades every stored pick by construction, once, and calibrates", "[weekly]") {
    FakeVendor fake(market(), {});
    {
        FakeVendorOptions options;
        options.eodhd.token = k_eodhd_token;
        options.marketdata.token = k_marketdata_token;
        fake.set_options(options);
    }
    fake.start();
    TempDir dir;
    const auto config = make_config(dir.path(), fake);

    // SYM0001's settlement close decides picks A-C; low before expiry decides "touched".
    const double settle = bar_on(fake, "SYM0001", k_expiry).close;
    double low = 1e300;
    for (const auto& b : fake.market().find("SYM0001")->history) {
        if (b.date > k_picked && b.date <= k_expiry) {
            low = std::min(low, b.low);
        }
    }
    const double k_otm = std::floor(settle * 0.9); // A: expires worthless
    const double k_itm = std::ceil(settle * 1.1);  // B: assigned
    const double k_short = std::ceil(settle) + 2;  // C: spread short leg in the money
    const double k_long = std::floor(settle) - 3;  //    long leg out of it
    store_picks(
        config,
        {pick("SYM0001", "cash_secured_put", {put(k_otm, -1, k_expiry)}, 1.0, k_otm - 1, k_otm,
              k_expiry, 0.85),
         pick("SYM0001", "cash_secured_put", {put(k_itm, -1, k_expiry)}, 1.0, k_itm - 1, k_itm,
              k_expiry, 0.55),
         pick("SYM0001", "bull_put_spread", {put(k_long, 1, k_expiry), put(k_short, -1, k_expiry)},
              1.5, k_short - k_long - 1.5, k_short - k_long - 1.5, k_expiry, 0.6),
         pick("SYM0002", "cash_secured_put", {put(50, -1, k_later)}, 1.0, 49, 50, k_later, 0.8),
         pick("GONE", "cash_secured_put", {put(50, -1, k_expiry)}, 1.0, 49, 50, k_expiry, 0.8),
         pick("SYM0003", "cash_secured_put", {put(50, -1, k_expiry)}, 1.0, 49, 50, k_expiry, 0.8)});
    // SYM0003's history fails on every attempt this week.
    Fault fault;
    fault.vendor = Vendor::Eodhd;
    fault.path = "/api/eod/SYM0003.US";
    fault.kind = FaultKind::ServerError;
    fake.add_fault(fault);

    const auto first = weekly(config, k_as_of);
    const fs::path db = config.database;
    CHECK(first.outcome == Outcome::Degraded);
    CHECK(first.grading.picks == 6);
    CHECK(first.grading.graded == 3);
    CHECK(first.grading.open == 1);
    CHECK(first.grading.no_data == 1); // GONE: the vendor has no such ticker
    CHECK(first.grading.no_data_final == 0);
    CHECK(first.grading.failed == 1); // SYM0003: left for the next pass
    CHECK(first.message.find("not graded") != std::string::npos);
    REQUIRE(first.grading.errors.size() == 1);
    CHECK(first.grading.errors[0].symbol == "SYM0003");
    CHECK(query_int(db, "SELECT count(*) FROM run_errors WHERE symbol = 'SYM0003' AND "
                        "stage = 'grading'") == 1);

    const auto outcome_of = [&](int rank) {
        return query_text(db, fmt::format("SELECT o.outcome || '|' || printf('%.6f', "
                                          "coalesce(o.pnl_per_share, -999)) || '|' || o.status "
                                          "|| '|' || o.short_strike_touched FROM pick_outcomes o "
                                          "JOIN results r ON r.id = o.result_id WHERE r.rank = {}",
                                          rank));
    };
    CHECK(outcome_of(1) ==
          fmt::format("expired_worthless|{:.6f}|graded|{}", 1.0, low <= k_otm ? 1 : 0));
    CHECK(outcome_of(2) == fmt::format("assigned|{:.6f}|graded|1", 1.0 - (k_itm - settle)));
    CHECK(outcome_of(3) == fmt::format("partial|{:.6f}|graded|1", 1.5 - (k_short - settle)));
    CHECK(outcome_of(4).rfind("open|", 0) == 0);
    CHECK(outcome_of(5) == "no_data|-999.000000|no_data|0");
    CHECK(query_int(db, "SELECT count(*) FROM pick_outcomes o JOIN results r ON r.id = "
                        "o.result_id WHERE r.symbol = 'SYM0003'") == 0);
    CHECK(query_int(db, fmt::format("SELECT count(*) FROM calibration WHERE run_id = {}",
                                    first.run_id)) >= 3);
    CHECK(query_text(db, fmt::format("SELECT picks || '/' || wins FROM calibration WHERE run_id "
                                     "= {} AND profile = '*'",
                                     first.run_id)) == "3/1");
    CHECK(query_text(db, fmt::format("SELECT command || ' ' || status FROM runs WHERE id = {}",
                                     first.run_id)) == "weekly degraded");
    const std::string graded_at =
        query_text(db, "SELECT group_concat(written_at) FROM pick_outcomes WHERE status = "
                       "'graded' ORDER BY result_id");

    SECTION("a rerun grades nothing twice; the vendor is back, so SYM0003 is graded now") {
        fake.clear_faults();
        const auto second = weekly(config, k_as_of);
        CHECK(second.grading.picks == 3); // open, no data (in its grace period), SYM0003
        CHECK(second.grading.graded == 1);
        CHECK(query_text(db, "SELECT group_concat(written_at) FROM pick_outcomes WHERE status = "
                             "'graded' AND result_id IN (SELECT id FROM results WHERE symbol = "
                             "'SYM0001') ORDER BY result_id") == graded_at);
        CHECK(query_int(db, "SELECT count(*) FROM pick_outcomes WHERE status = 'graded'") == 4);
        CHECK(query_int(db, "SELECT count(*) FROM pick_outcomes") == 6);

        // Past the grace period the missing data is final, and never asked for again.
        const auto third = weekly(config, add_days(k_expiry, pipeline::k_no_data_grace_days + 1));
        CHECK(third.grading.no_data == 1);
        CHECK(third.grading.no_data_final == 1);
        const auto fourth = weekly(config, add_days(k_expiry, pipeline::k_no_data_grace_days + 1));
        CHECK(fourth.grading.picks == 1); // only the open one
        CHECK(fourth.outcome == Outcome::Ok);
    }
}

TEST_CASE("weekly scans the weekly profile as its own run", "[weekly]") {
    FakeVendorOptions options;
    options.eodhd.token = k_eodhd_token;
    options.marketdata.token = k_marketdata_token;
    FakeVendor fake(market(), options);
    fake.start();
    TempDir dir;
    const auto config = make_config(dir.path(), fake);
    const auto report = weekly(config, k_as_of, true);
    REQUIRE(report.scan);
    CHECK(report.scan->symbols_screened == 3);
    CHECK(report.outcome == Outcome::Ok);
    // Its own picks were made today: open, not gradable yet.
    CHECK(report.grading.picks == static_cast<int>(report.scan->results.size()));
    CHECK(report.grading.open == report.grading.picks);
    CHECK(query_text(config.database, "SELECT group_concat(command) FROM runs") == "weekly");
    CHECK(report.summary.runs == 1);
}
