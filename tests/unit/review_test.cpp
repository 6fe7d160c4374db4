// Grading of picks against price paths whose outcome is known by construction, with P&L
// computed by hand, and calibration statistics on a hand-checked set.

#include "screener/core/calendar.hpp"
#include "screener/core/date.hpp"
#include "screener/pricing/black_scholes.hpp"
#include "screener/review/calibration.hpp"
#include "screener/review/grading.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace screener;
using namespace screener::review;

namespace {

Date day(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

const Date k_picked = day(2026, 10, 16); // Friday
const Date k_expiry = day(2026, 11, 13); // Friday, four weeks later

Leg option(OptionType type, double strike, int quantity) {
    Leg leg;
    leg.option_symbol = fmt::format("XYZ{}{}", type == OptionType::Put ? 'P' : 'C', strike);
    leg.type = type;
    leg.strike = strike;
    leg.expiration = k_expiry;
    leg.quantity = quantity;
    leg.iv = 0.30;
    return leg;
}

Candidate trade(const std::string& strategy, std::vector<Leg> legs, bool credit, double fill,
                std::optional<double> max_loss, double collateral) {
    Candidate c;
    c.symbol = "XYZ";
    c.strategy = strategy;
    c.legs = std::move(legs);
    c.expiration = k_expiry;
    c.underlying_price = 100;
    c.rate = 0.04;
    c.dividend_yield = 0;
    c.is_credit = credit;
    c.fill_price = fill;
    c.max_loss = max_loss;
    c.collateral = collateral;
    c.pop = 0.7;
    return c;
}

// Daily sessions from the day after the pick to `last`, closing at `close(date)`; the low and
// high are 1 below and above the close unless `low_on` says otherwise.
std::vector<Bar> path(Date last, double final_close,
                      std::optional<std::pair<Date, double>> dip = {}) {
    std::vector<Bar> bars;
    for (Date d = next_trading_day(k_picked); d <= last; d = next_trading_day(d)) {
        Bar b;
        b.date = d;
        b.close = d == last ? final_close : 100;
        b.open = b.close;
        b.low = b.close - 1;
        b.high = b.close + 1;
        if (dip && d == dip->first) {
            b.low = dip->second;
        }
        bars.push_back(b);
    }
    return bars;
}

const Date k_after = day(2026, 11, 20); // a week after expiry

} // namespace

TEST_CASE("cash-secured put: worthless, touched-and-recovered, assigned", "[review]") {
    const auto csp =
        trade("cash_secured_put", {option(OptionType::Put, 95, -1)}, true, 1.50, 95 - 1.50, 95);
    SECTION("finishes above the strike: the whole credit") {
        const auto g = grade_pick(csp, k_picked, k_after, path(k_expiry, 100));
        CHECK(g.status == GradeStatus::Graded);
        CHECK(g.outcome == "expired_worthless");
        CHECK(*g.pnl_per_share == Approx(1.50));
        CHECK(*g.return_on_capital == Approx(1.50 / 95));
        CHECK(*g.win);
        CHECK_FALSE(g.short_strike_touched);
        CHECK(*g.priced_on == k_expiry);
        CHECK(*g.underlying == 100);
    }
    SECTION("trades through the strike mid-way, then recovers: touched, still a win") {
        const auto g = grade_pick(csp, k_picked, k_after,
                                  path(k_expiry, 100, std::pair{day(2026, 10, 28), 93.0}));
        CHECK(g.outcome == "expired_worthless");
        CHECK(*g.pnl_per_share == Approx(1.50));
        CHECK(g.short_strike_touched);
        CHECK(*g.win);
    }
    SECTION("finishes at 90: assigned at 95, P&L 1.50 - 5 = -3.50") {
        const auto g = grade_pick(csp, k_picked, k_after, path(k_expiry, 90));
        CHECK(g.outcome == "assigned");
        CHECK(*g.pnl_per_share == Approx(-3.50));
        CHECK_FALSE(*g.win);
        CHECK(g.short_strike_touched);
    }
    SECTION("bars after the settlement session are not used") {
        auto bars = path(k_expiry, 100);
        Bar later;
        later.date = day(2026, 11, 16);
        later.close = later.low = later.high = 50; // a crash after expiry changes nothing
        bars.push_back(later);
        const auto g = grade_pick(csp, k_picked, k_after, bars);
        CHECK(*g.pnl_per_share == Approx(1.50));
        CHECK_FALSE(g.short_strike_touched);
    }
}

TEST_CASE("bull put spread: worthless, partial, max loss", "[review]") {
    // Short 95 put, long 90 put, 1.20 credit: max loss 5 - 1.20 = 3.80.
    const auto spread =
        trade("bull_put_spread", {option(OptionType::Put, 90, 1), option(OptionType::Put, 95, -1)},
              true, 1.20, 3.80, 3.80);
    const auto at = [&](double close) {
        return grade_pick(spread, k_picked, k_after, path(k_expiry, close));
    };
    CHECK(at(100).outcome == "expired_worthless");
    CHECK(*at(100).pnl_per_share == Approx(1.20));
    CHECK(at(92).outcome == "partial");
    CHECK(*at(92).pnl_per_share == Approx(1.20 - 3.0)); // short put worth 3, long 0
    CHECK(*at(92).return_on_capital == Approx(-1.80 / 3.80));
    CHECK(at(85).outcome == "max_loss");
    CHECK(*at(85).pnl_per_share == Approx(-3.80)); // -10 + 5 + 1.20
}

TEST_CASE("iron condor: the call side breached to break-even and to max loss", "[review]") {
    const auto condor = trade("iron_condor",
                              {option(OptionType::Put, 90, 1), option(OptionType::Put, 95, -1),
                               option(OptionType::Call, 110, -1), option(OptionType::Call, 115, 1)},
                              true, 2.00, 3.00, 3.00);
    const auto at = [&](double close) {
        return grade_pick(condor, k_picked, k_after, path(k_expiry, close));
    };
    CHECK(*at(100).pnl_per_share == Approx(2.00));
    CHECK(at(112).outcome == "partial");
    CHECK(*at(112).pnl_per_share == Approx(0.0).margin(1e-12));
    CHECK_FALSE(*at(112).win); // break-even is not a profit
    CHECK(at(120).outcome == "max_loss");
    CHECK(*at(120).pnl_per_share == Approx(-3.00));
    CHECK(at(120).short_strike_touched);
}

TEST_CASE("covered call and long call at expiry", "[review]") {
    Leg stock;
    stock.is_stock = true;
    stock.quantity = 100;
    const auto covered =
        trade("covered_call", {stock, option(OptionType::Call, 105, -1)}, true, 2.00, 98.0, 100);
    // Called away at 105: 2 + (105 - 100) = 7 = the max profit.
    const auto called = grade_pick(covered, k_picked, k_after, path(k_expiry, 110));
    CHECK(called.outcome == "assigned");
    CHECK(*called.pnl_per_share == Approx(7.0));
    // The call expires, the shares fell 10: 2 - 10 = -8.
    const auto fell = grade_pick(covered, k_picked, k_after, path(k_expiry, 90));
    CHECK(fell.outcome == "expired_worthless");
    CHECK(*fell.pnl_per_share == Approx(-8.0));
    CHECK_FALSE(*fell.win);

    const auto long_call =
        trade("long_call", {option(OptionType::Call, 100, 1)}, false, 3.00, 3.00, 3.00);
    const auto exercised = grade_pick(long_call, k_picked, k_after, path(k_expiry, 110));
    CHECK(exercised.outcome == "exercised");
    CHECK(*exercised.pnl_per_share == Approx(7.0));
    CHECK(*exercised.return_on_capital == Approx(7.0 / 3.0));
    const auto lost = grade_pick(long_call, k_picked, k_after, path(k_expiry, 95));
    CHECK(lost.outcome == "expired_worthless");
    CHECK(*lost.pnl_per_share == Approx(-3.0));
    CHECK_FALSE(lost.short_strike_touched); // no short leg
}

TEST_CASE("missing settlement data is 'no data', an unexpired pick is marked to market",
          "[review]") {
    const auto csp =
        trade("cash_secured_put", {option(OptionType::Put, 95, -1)}, true, 1.50, 93.5, 95);
    SECTION("history stops before the settlement session (delisted)") {
        const auto g = grade_pick(csp, k_picked, k_after, path(day(2026, 11, 6), 100));
        CHECK(g.status == GradeStatus::NoData);
        CHECK(g.outcome == "no_data");
        CHECK_FALSE(g.pnl_per_share);
        CHECK_FALSE(g.win);
    }
    SECTION("no history at all") {
        CHECK(grade_pick(csp, k_picked, k_after, {}).status == GradeStatus::NoData);
    }
    SECTION("on the settlement day itself the pick is still open") {
        const auto g = grade_pick(csp, k_picked, k_expiry, path(k_expiry, 100));
        CHECK(g.status == GradeStatus::Open);
    }
    SECTION("open: legs valued with Black-Scholes at the latest close and the pick's IV") {
        const Date as_of = day(2026, 11, 6);
        const auto g = grade_pick(csp, k_picked, as_of, path(as_of, 97));
        REQUIRE(g.status == GradeStatus::Open);
        CHECK(*g.priced_on == as_of);
        const double t = 7.0 / 365;
        const double put = pricing::bs_price(OptionType::Put, 97, 95, t, 0.04, 0, 0.30);
        CHECK(*g.pnl_per_share == Approx(1.50 - put));
        CHECK(*g.pnl_per_share > 0);
        CHECK(*g.pnl_per_share < 1.50);
        CHECK_FALSE(g.win);
    }
    SECTION("an expiration on a holiday settles on the session before") {
        CHECK(settlement_session(day(2026, 4, 3)) == day(2026, 4, 2)); // Good Friday 2026
        CHECK(settlement_session(k_expiry) == k_expiry);
    }
}

TEST_CASE("calibration: buckets, win rates, Wilson intervals and the Brier score", "[review]") {
    std::vector<GradedPick> picks = {
        {"daily", "cash_secured_put", 0.55, true, 0.01, 0.012},
        {"daily", "cash_secured_put", 0.55, false, -0.03, 0.012},
        {"daily", "cash_secured_put", 0.65, true, 0.02, std::nullopt},
        {"daily", "iron_condor", 0.95, true, 0.05, 0.02},
    };
    const auto groups = calibrate(picks);
    REQUIRE(groups.size() == 4);
    CHECK(groups[0].strategy == "cash_secured_put");
    CHECK(groups[1].strategy == "iron_condor");
    CHECK(groups[2].profile == "daily");
    CHECK(groups[2].strategy == "*");
    CHECK(groups[3].profile == "*");

    const auto& csp = groups[0];
    CHECK(csp.picks == 3);
    CHECK(csp.wins == 2);
    CHECK(csp.mean_pop == Approx((0.55 + 0.55 + 0.65) / 3));
    CHECK(csp.win_rate == Approx(2.0 / 3));
    CHECK(csp.brier == Approx((0.2025 + 0.3025 + 0.1225) / 3));
    CHECK(*csp.mean_predicted_roc == Approx(0.012)); // the pick without a prediction is left out
    CHECK(csp.mean_realized_roc == Approx(0.0).margin(1e-12));
    REQUIRE(csp.buckets.size() == 2);
    CHECK(csp.buckets[0].lo == 0.5);
    CHECK(csp.buckets[0].picks == 2);
    CHECK(csp.buckets[0].wins == 1);
    CHECK(csp.buckets[0].ci_lo == Approx(0.0945).margin(1e-4)); // Wilson, 1 of 2
    CHECK(csp.buckets[0].ci_hi == Approx(0.9055).margin(1e-4));

    const auto& all = groups[3];
    CHECK(all.picks == 4);
    CHECK(all.brier == Approx(0.63 / 4));
    CHECK(all.buckets.back().lo == 0.9);

    SECTION("edges: PoP 0.5 is in [0.5, 0.6), PoP 1.0 in the last bucket, below 0.5 in the first") {
        const auto edge = calibrate({{"p", "s", 0.5, true, 0, {}},
                                     {"p", "s", 1.0, true, 0, {}},
                                     {"p", "s", 0.2, false, 0, {}}});
        REQUIRE(edge[0].buckets.size() == 3);
        CHECK(edge[0].buckets[0].lo == 0.0);
        CHECK(edge[0].buckets[1].lo == 0.5);
        CHECK(edge[0].buckets[2].lo == 0.9);
        CHECK(edge[0].buckets[2].hi == 1.0);
    }
    SECTION("Wilson interval: none without picks, tighter with more") {
        CHECK(wilson_interval(0, 0) == std::pair{0.0, 1.0});
        const auto [lo10, hi10] = wilson_interval(7, 10);
        const auto [lo1000, hi1000] = wilson_interval(700, 1000);
        CHECK(lo10 < lo1000);
        CHECK(hi10 > hi1000);
        CHECK(lo1000 == Approx(0.67088).margin(1e-5));
        CHECK(hi1000 == Approx(0.72759).margin(1e-5));
    }
}
