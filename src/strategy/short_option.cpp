#include "short_option.hpp"

#include "screener/core/calendar.hpp"
#include "screener/pricing/black_scholes.hpp"

#include <cmath>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace screener::strategy {
namespace {

// From the as-of session's close to 16:00 ET on the expiration day, in 365-day years: the
// snapshot is end-of-day, so this is close to close (an early close on as-of adds its hours).
double time_to_expiry(const SymbolContext& context, const OptionContract& contract) {
    return years_to_expiry(market_close_unix(context.as_of), contract.expiration);
}

} // namespace

double contract_delta(const SymbolContext& context, const OptionContract& contract) {
    // Vendors send 0 or -999 as "unknown"; a delta outside (-1, 1) or of the wrong sign is
    // recomputed from the contract's own IV rather than trusted.
    if (contract.delta) {
        const double d = *contract.delta;
        const bool right_sign = contract.type == OptionType::Call ? d > 0 : d < 0;
        if (right_sign && std::abs(d) < 1.0) {
            return d;
        }
    }
    return pricing::bs_greeks(contract.type, context.spot, contract.strike,
                              time_to_expiry(context, contract), context.risk_free_rate, 0.0,
                              contract.iv.value_or(0.0))
        .delta;
}

namespace {

// Applies the strategy filters to one contract; returns the rejection reason or nullopt.
std::optional<std::string> filter_rejection(const SymbolContext& context,
                                            const OptionContract& contract,
                                            const config::StrategyConfig& filters) {
    if (contract.dte < filters.dte_min || contract.dte > filters.dte_max) {
        return "dte";
    }
    if (context.earnings_policy == config::EarningsPolicy::Exclude && context.next_earnings &&
        *context.next_earnings <= contract.expiration) {
        return "earnings";
    }
    const double abs_delta = std::abs(contract_delta(context, contract));
    if (abs_delta < filters.delta_min || abs_delta > filters.delta_max) {
        return "delta";
    }
    if (contract.open_interest.value_or(0) < filters.min_open_interest) {
        return "open_interest";
    }
    if (*contract.bid < filters.min_bid) {
        return "min_bid";
    }
    const double mid = 0.5 * (*contract.bid + *contract.ask);
    if ((*contract.ask - *contract.bid) / mid > filters.max_spread_pct) {
        return "spread";
    }
    return std::nullopt;
}

// Measures and appends one candidate (the contract already passed the filters).
void add_short_option_candidate(const SymbolContext& context, const OptionContract& contract,
                                const ShortOptionTerms& terms, SymbolScore& out) {
    const double bid = *contract.bid;
    const double ask = *contract.ask;
    const double mid = 0.5 * (bid + ask);
    const double iv = *contract.iv;
    const double t = time_to_expiry(context, contract);
    const double r = context.risk_free_rate;
    const double delta = contract_delta(context, contract);

    Candidate c;
    c.symbol = context.symbol;
    c.strategy = terms.strategy;
    c.legs = terms.legs;
    c.expiration = contract.expiration;
    c.dte = contract.dte;
    c.strike = contract.strike;
    c.underlying_price = context.spot;
    c.bid = bid;
    c.ask = ask;
    c.mid = mid;
    c.premium = bid;
    c.spread_pct = (ask - bid) / mid;
    c.delta = delta;
    c.iv = iv;
    c.open_interest = contract.open_interest.value_or(0);
    c.collateral = terms.collateral;
    c.breakeven = terms.breakeven;
    c.max_profit = terms.max_profit;
    c.max_loss = terms.max_loss;
    const double above = pricing::prob_above(context.spot, terms.breakeven, t, r, iv);
    c.pop = terms.profit_above_breakeven ? above : 1.0 - above;
    c.return_on_capital = bid / terms.collateral;
    c.annualized_return = c.dte > 0 ? c.return_on_capital * 365.0 / c.dte : 0.0;
    c.score = c.annualized_return;
    if (context.next_earnings && *context.next_earnings <= contract.expiration) {
        c.flags.push_back("earnings_before_expiry");
    }

    // Probability the short option finishes in the money, N(d2) at the strike.
    const double above_strike = pricing::prob_above(context.spot, contract.strike, t, r, iv);
    const double prob_itm = contract.type == OptionType::Call ? above_strike : 1.0 - above_strike;
    const double expected_move = context.spot * iv * std::sqrt(t);

    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto number = [&w](const char* key, double value) {
        w.Key(key);
        if (std::isfinite(value)) {
            w.Double(value);
        } else {
            w.Null();
        }
    };
    auto text = [&w](const char* key, const char* value) {
        w.Key(key);
        w.String(value);
    };
    w.StartObject();
    text("fill_convention", "bid (seller's natural fill)");
    number("premium", bid);
    number("mid", mid);
    number("spread_pct", c.spread_pct);
    text("time_convention", "as-of close to 16:00 ET on expiration, 365-day years");
    number("t_years", t);
    number("risk_free_rate", r);
    number("iv", iv);
    text("iv_source", contract.iv_solved ? "solved from mid" : "vendor");
    number("delta", delta);
    text("pop_convention", "N(d2) at breakeven, risk-neutral drift r");
    number("pop", c.pop);
    number("prob_itm_short", prob_itm);
    number("expected_move_1sd", expected_move);
    number("strike_sigma_distance",
           iv > 0 && t > 0 ? std::log(contract.strike / context.spot) / (iv * std::sqrt(t)) : NAN);
    text("collateral_basis", terms.collateral_basis);
    number("collateral", terms.collateral);
    number("return_on_capital_simple", c.return_on_capital);
    number("annualized_return_simple", c.annualized_return);
    number("annualized_return_compounded",
           c.dte > 0 ? std::pow(1.0 + c.return_on_capital, 365.0 / c.dte) - 1.0 : NAN);
    number("breakeven", c.breakeven);
    number("max_profit", c.max_profit);
    if (c.max_loss) {
        number("max_loss", *c.max_loss);
    }
    number("theta_per_day", contract.theta.value_or(NAN));
    if (context.hv20) {
        number("hv20", *context.hv20);
        number("iv_hv20_ratio", iv / *context.hv20);
    }
    if (context.hv60) {
        number("hv60", *context.hv60);
    }
    text("score_convention", "annualized_return_simple");
    w.EndObject();
    c.metrics_json = buffer.GetString();
    out.candidates.push_back(std::move(c));
}

} // namespace

void build_short_option(const SymbolContext& context, const OptionChain& chain,
                        const config::StrategyConfig& filters, OptionType type,
                        const std::string& strategy, const TermsOf& terms_of, SymbolScore& out) {
    for (const auto& contract : chain.contracts) {
        if (contract.type != type || quote_rejection(contract)) {
            continue; // quote rejections are counted once per contract by score_symbol
        }
        if (auto reason = filter_rejection(context, contract, filters)) {
            ++out.rejections[strategy + ":" + *reason];
            continue;
        }
        add_short_option_candidate(context, contract, terms_of(context, contract), out);
    }
}

} // namespace screener::strategy
