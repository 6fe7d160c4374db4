#pragma once
// Ranked candidates for the AI tests: an iron condor and a cash-secured put with every figure
// the prompt shows, so a grounded answer and the validator have real facts to work on.

#include "screener/core/types.hpp"

#include <string>
#include <vector>

namespace screener::testing {

inline Candidate ai_condor(int rank, const std::string& symbol) {
    Candidate c;
    c.rank = rank;
    c.symbol = symbol;
    c.strategy = "iron_condor";
    c.expiration = Date{std::chrono::year{2026}, std::chrono::November, std::chrono::day{27}};
    c.dte = 7;
    c.underlying_price = 318.09;
    c.is_credit = true;
    c.fill_price = 2.765;
    c.mid_price = 2.81;
    c.breakevens = {297.235, 332.765};
    c.pop = 0.6584681713403351;
    c.max_profit = 2.765;
    c.max_loss = 7.235;
    c.collateral = 7.235;
    c.return_on_capital = 0.38217000691084996;
    c.return_on_capital_annualized = 19.92743607463718;
    c.return_on_risk = 0.38217000691084996;
    c.strike = 300;
    c.delta = -0.1684;
    c.iv = 0.4601;
    c.score = 7.149326918159912;
    c.sector = "Information Technology";
    c.flags = {"earnings_before_expiry"};
    const auto leg = [&](OptionType type, double strike, int quantity, double bid, double ask,
                         double iv, double delta) {
        Leg l;
        l.type = type;
        l.strike = strike;
        l.expiration = c.expiration;
        l.quantity = quantity;
        l.bid = bid;
        l.ask = ask;
        l.mid = (bid + ask) / 2;
        l.iv = iv;
        l.delta = delta;
        return l;
    };
    c.legs = {leg(OptionType::Put, 290, 1, 0.80, 0.84, 0.4929, -0.0811),
              leg(OptionType::Put, 300, -1, 1.85, 1.90, 0.4601, -0.1684),
              leg(OptionType::Call, 330, -1, 2.59, 2.64, 0.3888, 0.2596),
              leg(OptionType::Call, 340, 1, 0.84, 0.88, 0.3794, 0.1094)};
    c.metrics_json =
        R"({"iv30":0.45613947899829943,"iv_rank":{"value":62.5},"hv60":0.3253254526764268,)"
        R"("expected_move_1sd":19.91304143048628,"data_quality_grade":"A",)"
        R"("next_earnings":"2026-11-25"})";
    return c;
}

inline Candidate ai_put(int rank, const std::string& symbol) {
    Candidate c = ai_condor(rank, symbol);
    c.strategy = "cash_secured_put";
    c.underlying_price = 214.67;
    c.fill_price = 1.9;
    c.breakevens = {208.1};
    c.pop = 0.71234;
    c.max_profit = 1.9;
    c.max_loss = 208.1;
    c.collateral = 210;
    c.return_on_capital = 0.009047619;
    c.return_on_capital_annualized = 0.4717;
    c.return_on_risk.reset();
    c.strike = 210;
    c.flags.clear();
    c.legs = {c.legs[1]};
    c.legs[0].strike = 210;
    c.metrics_json = R"({"iv30":0.31,"data_quality_grade":"B"})";
    return c;
}

inline std::vector<Candidate> ai_picks() {
    return {ai_condor(1, "AVGO"), ai_put(2, "AMZN")};
}

} // namespace screener::testing
