// Conventions the hand-computed cases in strategy_test.cpp leave at their defaults: the fill
// multiplier, the PoP drift, several expiries, IV solved from the mid, quality grades, ties.
#include "screener/core/calendar.hpp"
#include "screener/pricing/black_scholes.hpp"
#include "screener/strategy/strategy.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace screener;
using namespace screener::strategy;

namespace {

const Date k_as_of = *parse_date("2026-11-20");

double ncdf(double x) {
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

OptionContract put(Date expiration, double k, double bid, double ask, double iv) {
    OptionContract c;
    c.option_symbol = "TESTP" + std::to_string(static_cast<int>(k));
    c.underlying = "TEST";
    c.type = OptionType::Put;
    c.strike = k;
    c.expiration = expiration;
    c.bid = bid;
    c.ask = ask;
    c.iv = iv;
    c.delta = -0.25;
    c.open_interest = 1000;
    c.volume = 10;
    c.underlying_price = 100;
    return c;
}

SymbolContext context() {
    SymbolContext c;
    c.symbol = "TEST";
    c.as_of = k_as_of;
    c.spot = 100;
    c.risk_free_rate = 0.05;
    c.hv60 = 0.2;
    return c;
}

config::ProfileConfig csp_profile() {
    config::ProfileConfig p;
    config::StrategyConfig s;
    s.dte_min = 1;
    s.dte_max = 400;
    s.delta_min = 0;
    s.delta_max = 1;
    s.min_bid = 0;
    s.max_spread_pct = 2;
    s.min_open_interest = 0;
    p.strategies["cash_secured_put"] = s;
    return p;
}

SymbolScore score(const config::ProfileConfig& p, const OptionChain& chain,
                  SymbolContext c = context()) {
    ScoreOptions o;
    o.keep_per_symbol = 1000;
    return score_symbol(c, chain, p, o);
}

double years(Date expiration) {
    return years_to_expiry(market_close_unix(k_as_of), expiration);
}

} // namespace

TEST_CASE("fill_k moves the fill from the mid (k = 0) to the bid (k = 1)", "[strategy]") {
    const Date exp = *parse_date("2026-12-18");
    OptionChain chain{"TEST", {put(exp, 95, 1.00, 1.40, 0.25)}};
    for (const double k : {0.0, 0.5, 1.0}) {
        auto p = csp_profile();
        p.fill_k = k;
        const auto s = score(p, chain);
        REQUIRE(s.candidates.size() == 1);
        const double expected = 1.20 - k * 0.20;
        CHECK(s.candidates[0].fill_price == Approx(expected).epsilon(1e-12));
        CHECK(s.candidates[0].mid_price == Approx(1.20));
        CHECK(s.candidates[0].breakevens[0] == Approx(95 - expected).epsilon(1e-12));
    }
}

TEST_CASE("pop_drift: risk-neutral uses r - q, zero uses none", "[strategy]") {
    const Date exp = *parse_date("2026-12-18");
    OptionChain chain{"TEST", {put(exp, 95, 1.00, 1.40, 0.25)}};
    const double t = years(exp);
    const double breakeven = 95 - 1.10;
    const auto pop_for = [&](double mu) {
        return ncdf((std::log(100 / breakeven) + (mu - 0.25 * 0.25 / 2) * t) /
                    (0.25 * std::sqrt(t)));
    };
    auto p = csp_profile();
    auto c = context();
    c.dividend_yield = 0.02;
    CHECK(score(p, chain, c).candidates.at(0).pop == Approx(pop_for(0.05 - 0.02)).epsilon(1e-12));
    p.pop_drift = config::PopDrift::Zero;
    CHECK(score(p, chain, c).candidates.at(0).pop == Approx(pop_for(0.0)).epsilon(1e-12));
}

TEST_CASE("each expiry is measured with its own time and DTE", "[strategy]") {
    const Date near = *parse_date("2026-11-27");
    const Date far = *parse_date("2027-01-15");
    OptionChain chain{"TEST", {put(near, 95, 0.30, 0.40, 0.25), put(far, 95, 2.00, 2.20, 0.25)}};
    const auto s = score(csp_profile(), chain);
    REQUIRE(s.candidates.size() == 2);
    for (const auto& c : s.candidates) {
        CHECK(c.t_years == Approx(years(c.expiration)).epsilon(1e-12));
        CHECK(c.dte == days_between(k_as_of, c.expiration));
        CHECK(*c.return_on_capital_annualized ==
              Approx(c.fill_price / 95 * 365.0 / c.dte).epsilon(1e-12));
    }
    // Outside the DTE window: the near expiry is dropped and counted.
    auto p = csp_profile();
    p.strategies["cash_secured_put"].dte_min = 30;
    const auto later = score(p, chain);
    REQUIRE(later.candidates.size() == 1);
    CHECK(later.candidates[0].expiration == far);
    CHECK(later.rejections.at("cash_secured_put:dte") == 1);
}

TEST_CASE("a sentinel vendor IV is solved from the mid, counted and flagged", "[strategy]") {
    const Date exp = *parse_date("2026-12-18");
    const double t = years(exp);
    const double mid = pricing::bs_price(OptionType::Put, 100, 95, t, 0.05, 0.0, 0.3);
    auto contract = put(exp, 95, mid - 0.05, mid + 0.05, -999);
    const auto s = score(csp_profile(), OptionChain{"TEST", {contract}});
    REQUIRE(s.candidates.size() == 1);
    CHECK(s.candidates[0].iv == Approx(0.3).epsilon(1e-9));
    CHECK(s.quality.repairs.at("iv_solved_from_mid") == 1);
    CHECK(s.quality.repairs.at("sentinel_greeks") == 1);
    CHECK(std::find(s.candidates[0].flags.begin(), s.candidates[0].flags.end(),
                    "iv_solved_from_mid") != s.candidates[0].flags.end());
}

TEST_CASE("quality grades follow the share of sound quotes, zero bids are not bad data",
          "[strategy]") {
    const Date exp = *parse_date("2026-12-18");
    const auto grade_with_bad = [&](int bad) {
        OptionChain chain{"TEST", {}};
        for (int i = 0; i < 20; ++i) {
            auto c = put(exp, 80 + i, 1.0, 1.1, 0.25);
            if (i < bad) {
                c.bid = 1.2; // crossed: ask < bid
            }
            chain.contracts.push_back(c);
        }
        return score(csp_profile(), chain).quality;
    };
    CHECK(grade_with_bad(0).grade == 'A');
    CHECK(grade_with_bad(1).grade == 'A');  // 95 %
    CHECK(grade_with_bad(2).grade == 'B');  // 90 %
    CHECK(grade_with_bad(5).grade == 'C');  // 75 %
    CHECK(grade_with_bad(8).grade == 'D');  // 60 %
    CHECK(grade_with_bad(10).grade == 'D'); // 50 %: still rankable at the default limit
    CHECK(grade_with_bad(10).rankable);
    CHECK(grade_with_bad(11).grade == 'F');
    CHECK_FALSE(grade_with_bad(11).rankable);
    CHECK(grade_with_bad(11).rejections.at("crossed") == 11);

    // Zero bids are rejected and counted, but a market with no buyer is not bad vendor data:
    // 15 of 20 far out-of-the-money puts bid at zero leave the chain graded A and rankable.
    OptionChain cheap{"TEST", {}};
    for (int i = 0; i < 20; ++i) {
        auto c = put(exp, 80 + i, i < 15 ? 0.0 : 1.0, 1.1, 0.25);
        cheap.contracts.push_back(c);
    }
    const auto quality = score(csp_profile(), cheap).quality;
    CHECK(quality.usable == 5);
    CHECK(quality.rejections.at("zero_bid") == 15);
    CHECK(quality.grade == 'A');
    CHECK(quality.rankable);
}

TEST_CASE("ranking ties break on PoP, then symbol", "[strategy]") {
    Candidate a, b, c;
    a.symbol = "BBB";
    b.symbol = "AAA";
    c.symbol = "CCC";
    a.score = b.score = c.score = 1.0;
    a.pop = b.pop = 0.7;
    c.pop = 0.9;
    const auto ranked = rank_candidates({a, b, c}, 10, 5);
    REQUIRE(ranked.size() == 3);
    CHECK(ranked[0].symbol == "CCC");
    CHECK(ranked[1].symbol == "AAA");
    CHECK(ranked[2].symbol == "BBB");
}

TEST_CASE("an empty chain is not a bad chain", "[strategy]") {
    const auto s = score(csp_profile(), OptionChain{"TEST", {}});
    CHECK(s.quality.contracts == 0);
    CHECK(s.quality.grade == '-');
    CHECK(s.quality.rankable);
    CHECK_FALSE(s.symbol_rejection);
    CHECK(s.candidates.empty());
}
