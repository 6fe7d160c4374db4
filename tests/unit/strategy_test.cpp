#include "screener/pricing/black_scholes.hpp"
#include "screener/strategy/strategy.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace screener;
using namespace screener::strategy;

namespace {

const Date k_as_of = *parse_date("2026-11-20");

OptionContract option(OptionType type, double strike, int dte, double bid, double ask, double iv,
                      double delta, double open_interest = 500) {
    OptionContract c;
    c.option_symbol = type == OptionType::Put ? "TEST261220P00095000" : "TEST261220C00105000";
    c.underlying = "TEST";
    c.type = type;
    c.strike = strike;
    c.dte = dte;
    c.expiration = add_days(k_as_of, dte);
    c.bid = bid;
    c.ask = ask;
    c.iv = iv;
    c.delta = delta;
    c.open_interest = open_interest;
    c.underlying_price = 100.0;
    return c;
}

SymbolContext context() {
    SymbolContext ctx;
    ctx.symbol = "TEST";
    ctx.as_of = k_as_of;
    ctx.spot = 100.0;
    ctx.risk_free_rate = 0.05;
    return ctx;
}

config::ProfileConfig profile_with(const std::string& strategy) {
    config::ProfileConfig profile;
    profile.name = "test";
    config::StrategyConfig filters;
    filters.dte_min = 7;
    filters.dte_max = 60;
    filters.delta_min = 0.15;
    filters.delta_max = 0.35;
    filters.min_open_interest = 100;
    filters.max_spread_pct = 0.15;
    filters.min_bid = 0.10;
    profile.strategies[strategy] = filters;
    return profile;
}

} // namespace

TEST_CASE("cash-secured put measured by hand", "[strategy]") {
    OptionChain chain{"TEST", {option(OptionType::Put, 95, 30, 1.00, 1.10, 0.30, -0.25)}};
    const auto out = score_symbol(context(), chain, profile_with("cash_secured_put"));
    REQUIRE(out.candidates.size() == 1);
    const auto& c = out.candidates[0];
    CHECK(c.strategy == "cash_secured_put");
    CHECK(c.premium == 1.00); // the bid, not the mid
    CHECK(c.mid == Approx(1.05));
    CHECK(c.spread_pct == Approx(0.10 / 1.05));
    CHECK(c.collateral == 95.0); // strike
    CHECK(c.breakeven == 94.0);  // strike - credit
    CHECK(c.max_profit == 1.00);
    REQUIRE(c.max_loss);
    CHECK(*c.max_loss == 94.0);
    CHECK(c.return_on_capital == Approx(1.0 / 95.0));
    CHECK(c.annualized_return == Approx(0.1280701754)); // (1/95) * 365/30
    CHECK(c.score == c.annualized_return);
    // N(d2) at the breakeven 94, not at the strike and not 1 - |delta|:
    // d2 = (ln(100/94) + (0.05 - 0.3^2/2) * 30/365) / (0.3 * sqrt(30/365)) = 0.72420.
    CHECK(c.pop == Approx(0.7655280087).epsilon(1e-9));
    CHECK(c.pop != Approx(0.75));
    CHECK(c.delta == -0.25);
    REQUIRE(c.legs.size() == 1);
    CHECK(c.legs[0].quantity == -1);
    CHECK(c.legs[0].type == OptionType::Put);

    rapidjson::Document metrics;
    REQUIRE_FALSE(metrics.Parse(c.metrics_json.c_str()).HasParseError());
    CHECK(std::string(metrics["pop_convention"].GetString()).find("breakeven") !=
          std::string::npos);
    CHECK(metrics["annualized_return_compounded"].GetDouble() ==
          Approx(std::pow(1 + 1.0 / 95, 365.0 / 30) - 1));
    // Finishing below the strike is likelier than finishing below the breakeven.
    CHECK(metrics["prob_itm_short"].GetDouble() == Approx(0.2738663685));
    CHECK(metrics["prob_itm_short"].GetDouble() > 1 - c.pop);
}

TEST_CASE("covered call as a buy-write measured by hand", "[strategy]") {
    OptionChain chain{"TEST", {option(OptionType::Call, 105, 30, 1.50, 1.60, 0.25, 0.30)}};
    const auto out = score_symbol(context(), chain, profile_with("covered_call"));
    REQUIRE(out.candidates.size() == 1);
    const auto& c = out.candidates[0];
    CHECK(c.collateral == 100.0);       // spot: cost of the shares
    CHECK(c.breakeven == 98.5);         // spot - credit
    CHECK(c.max_profit == Approx(6.5)); // 105 - 100 + 1.5 if called
    CHECK(c.return_on_capital == Approx(0.015));
    CHECK(c.annualized_return == Approx(0.1825));
    CHECK(c.pop == Approx(0.5918753890).epsilon(1e-9));
    REQUIRE(c.legs.size() == 2);
    CHECK(c.legs[0].is_stock);
    CHECK(c.legs[0].quantity == 100);
}

TEST_CASE("bad quotes are rejected, never scored", "[strategy]") {
    auto crossed = option(OptionType::Put, 95, 30, 1.20, 1.10, 0.30, -0.25);
    auto locked = option(OptionType::Put, 94, 30, 1.10, 1.10, 0.30, -0.24);
    auto zero_bid = option(OptionType::Put, 93, 30, 0.0, 0.10, 0.30, -0.23);
    auto missing = option(OptionType::Put, 92, 30, 1.0, 1.1, 0.30, -0.22);
    missing.bid.reset();
    // No vendor IV and a mid below intrinsic (strike 120, spot 100): no IV can be solved.
    auto no_iv = option(OptionType::Put, 120, 30, 1.0, 1.1, 0.30, -0.21);
    no_iv.iv.reset();
    OptionChain chain{"TEST", {crossed, locked, zero_bid, missing, no_iv}};
    const auto out = score_symbol(context(), chain, profile_with("cash_secured_put"));
    CHECK(out.candidates.empty());
    CHECK(out.contracts_seen == 5);
    CHECK(out.rejections.at("crossed") == 1);
    CHECK(out.rejections.at("locked") == 1);
    CHECK(out.rejections.at("zero_bid") == 1);
    CHECK(out.rejections.at("missing_quote") == 1);
    CHECK(out.rejections.at("missing_iv") == 1);
}

TEST_CASE("profile filters drop what they should", "[strategy]") {
    OptionChain chain{"TEST",
                      {option(OptionType::Put, 95, 5, 1.0, 1.1, 0.3, -0.25),      // dte
                       option(OptionType::Put, 99, 30, 3.0, 3.2, 0.3, -0.45),     // delta
                       option(OptionType::Put, 95, 30, 1.0, 1.1, 0.3, -0.25, 50), // OI
                       option(OptionType::Put, 80, 30, 0.05, 0.06, 0.6, -0.16),   // min bid
                       option(OptionType::Put, 95, 30, 1.0, 1.5, 0.3, -0.25),     // spread
                       option(OptionType::Put, 95, 30, 1.0, 1.1, 0.3, -0.25)}};   // passes
    const auto out = score_symbol(context(), chain, profile_with("cash_secured_put"));
    CHECK(out.candidates.size() == 1);
    for (const char* reason : {"dte", "delta", "open_interest", "min_bid", "spread"}) {
        INFO(reason);
        CHECK(out.rejections.at(std::string("cash_secured_put:") + reason) == 1);
    }
}

TEST_CASE("a sentinel vendor delta is recomputed from the IV", "[strategy]") {
    auto c = option(OptionType::Put, 95, 30, 1.0, 1.1, 0.30, -999);
    const double delta = contract_delta(context(), c);
    CHECK(delta < -0.2);
    CHECK(delta > -0.35);
}

TEST_CASE("earnings before expiry: flagged or excluded per profile", "[strategy]") {
    OptionChain chain{"TEST", {option(OptionType::Put, 95, 30, 1.0, 1.1, 0.3, -0.25)}};
    auto ctx = context();
    ctx.next_earnings = add_days(k_as_of, 10);
    auto flagged = score_symbol(ctx, chain, profile_with("cash_secured_put"));
    REQUIRE(flagged.candidates.size() == 1);
    CHECK(flagged.candidates[0].flags == std::vector<std::string>{"earnings_before_expiry"});
    ctx.earnings_policy = config::EarningsPolicy::Exclude;
    CHECK(score_symbol(ctx, chain, profile_with("cash_secured_put")).candidates.empty());
    ctx.next_earnings = add_days(k_as_of, 31); // after expiry: no flag
    ctx.earnings_policy = config::EarningsPolicy::Flag;
    CHECK(score_symbol(ctx, chain, profile_with("cash_secured_put")).candidates[0].flags.empty());
}

TEST_CASE("ranking: best score first, per-symbol cap, top N", "[strategy]") {
    std::vector<Candidate> all;
    auto make = [](const char* symbol, double score) {
        Candidate c;
        c.symbol = symbol;
        c.score = score;
        return c;
    };
    all = {make("A", 0.10), make("A", 0.30), make("A", 0.20), make("B", 0.25), make("C", 0.05)};
    const auto ranked = rank_candidates(all, 3, 2);
    REQUIRE(ranked.size() == 3);
    CHECK(ranked[0].symbol == "A");
    CHECK(ranked[0].score == 0.30);
    CHECK(ranked[0].rank == 1);
    CHECK(ranked[1].symbol == "B");
    CHECK(ranked[2].score == 0.20); // A's third candidate (0.10) is over the cap; C is cut by N
    CHECK(ranked[2].rank == 3);
    CHECK(rank_candidates(all, 10, 1).size() == 3);
}

TEST_CASE("a missing or zero vendor IV is solved from the mid", "[strategy]") {
    const double t = 30.0 / 365;
    const double mid = pricing::bs_price(OptionType::Put, 100, 95, t, 0.05, 0.0, 0.30);
    auto missing = option(OptionType::Put, 95, 30, mid - 0.05, mid + 0.05, 0.30, -0.25);
    missing.iv.reset();
    auto zero = missing;
    zero.iv = 0.0;
    zero.option_symbol = "ZERO";
    auto vendor = option(OptionType::Put, 95, 30, mid - 0.05, mid + 0.05, 0.31, -0.25);
    const auto solved = with_solved_iv(context(), OptionChain{"TEST", {missing, zero, vendor}});
    REQUIRE(solved.contracts.size() == 3);
    for (int i = 0; i < 2; ++i) {
        REQUIRE(solved.contracts[i].iv);
        CHECK(*solved.contracts[i].iv == Approx(0.30).epsilon(1e-12));
        CHECK(solved.contracts[i].iv_solved);
    }
    CHECK(*solved.contracts[2].iv == 0.31); // a plausible vendor IV is kept
    CHECK_FALSE(solved.contracts[2].iv_solved);

    const auto out =
        score_symbol(context(), OptionChain{"TEST", {missing}}, profile_with("cash_secured_put"));
    REQUIRE(out.candidates.size() == 1);
    rapidjson::Document metrics;
    REQUIRE_FALSE(metrics.Parse(out.candidates[0].metrics_json.c_str()).HasParseError());
    CHECK(std::string(metrics["iv_source"].GetString()) == "solved from mid");
}
