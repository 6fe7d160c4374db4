// A kept trade as a Candidate: legs with their quotes, flags, and the metrics JSON that names
// every convention (docs/strategies.md). Runs for the few kept trades only.
#include "engine.hpp"
#include "screener/pricing/black_scholes.hpp"
#include "screener/pricing/probability.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace screener::strategy {
namespace {

// Builds the metrics object; NaN becomes null.
class MetricsWriter {
public:
    MetricsWriter() : w_(buffer_) { w_.StartObject(); }
    void number(const char* key, double value) {
        w_.Key(key);
        if (std::isfinite(value)) {
            w_.Double(value);
        } else {
            w_.Null();
        }
    }
    void text(const char* key, std::string_view value) {
        w_.Key(key);
        w_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    void boolean(const char* key, bool value) {
        w_.Key(key);
        w_.Bool(value);
    }
    void start_array(const char* key) {
        w_.Key(key);
        w_.StartArray();
    }
    void end_array() { w_.EndArray(); }
    void start_object(const char* key = nullptr) {
        if (key) {
            w_.Key(key);
        }
        w_.StartObject();
    }
    void end_object() { w_.EndObject(); }
    std::string finish() {
        w_.EndObject();
        return buffer_.GetString();
    }

private:
    rapidjson::StringBuffer buffer_;
    rapidjson::Writer<rapidjson::StringBuffer> w_;
};

double optional_or_nan(const std::optional<double>& value) {
    return value ? *value : k_nan;
}

bool is_short(const TradeLeg& leg) {
    return leg.side == Side::Sell;
}

} // namespace

Candidate materialise(const PreparedChain& chain, const Trade& trade) {
    const SymbolContext& ctx = *chain.context;
    const config::ProfileConfig& profile = *chain.profile;
    const Expiry& e = *trade.expiry;
    Candidate c;
    c.symbol = ctx.symbol;
    c.strategy = std::string(trade.strategy);
    c.expiration = e.expiration;
    c.dte = e.dte;
    c.t_years = e.t;
    c.underlying_price = chain.spot;
    c.rate = chain.rate;
    c.dividend_yield = chain.dividend_yield;
    c.is_credit = trade.is_credit;
    c.fill_price = trade.fill;
    c.mid_price = trade.mid_price;
    c.breakevens.assign(trade.breakevens.begin(), trade.breakevens.begin() + trade.breakeven_count);
    c.pop = trade.pop;
    if (std::isfinite(trade.max_profit)) {
        c.max_profit = trade.max_profit;
    }
    if (std::isfinite(trade.max_loss)) {
        c.max_loss = trade.max_loss;
    }
    c.collateral = trade.collateral;
    if (std::isfinite(trade.roc)) {
        c.return_on_capital = trade.roc;
        c.return_on_capital_annualized = trade.roc_ann;
    }
    if (std::isfinite(trade.ror)) {
        c.return_on_risk = trade.ror;
    }
    c.score = trade.score;
    c.sector = ctx.sector;

    if (trade.stock_leg) {
        Leg stock;
        stock.is_stock = true;
        stock.type = OptionType::Call; // unused for a stock leg
        stock.quantity = 100;
        stock.expiration = e.expiration;
        stock.bid = stock.ask = stock.mid = chain.spot;
        c.legs.push_back(stock);
    }
    const TradeLeg* summary = nullptr; // the first short leg, else the bought leg
    double worst_spread = 0;
    double least_oi = std::numeric_limits<double>::infinity();
    bool any_solved = false;
    for (int i = 0; i < trade.leg_count; ++i) {
        const TradeLeg& leg = trade.legs[static_cast<std::size_t>(i)];
        const LegQuote& q = *leg.quote;
        Leg out;
        out.option_symbol = q.contract->option_symbol;
        out.type = leg.type;
        out.strike = q.strike;
        out.expiration = e.expiration;
        out.quantity = is_short(leg) ? -1 : 1;
        out.bid = q.bid;
        out.ask = q.ask;
        out.mid = q.mid;
        out.iv = q.iv;
        out.delta = q.delta;
        c.legs.push_back(out);
        worst_spread = std::max(worst_spread, q.spread_pct);
        least_oi = std::min(least_oi, q.open_interest);
        any_solved = any_solved || q.iv_solved;
        if (!summary || (is_short(leg) && !is_short(*summary))) {
            summary = &leg;
        }
    }
    c.strike = summary->quote->strike;
    c.delta = summary->quote->delta;
    c.iv = summary->quote->iv;
    c.spread_pct = worst_spread;
    c.open_interest = least_oi;

    // Flags.
    if (ctx.next_earnings && *ctx.next_earnings <= e.expiration &&
        profile.earnings != config::EarningsPolicy::Ignore) {
        c.flags.push_back("earnings_before_expiry");
    }
    const bool dividend_before = ctx.next_dividend && ctx.next_dividend->ex_date <= e.expiration;
    if (dividend_before) {
        c.flags.push_back("ex_dividend_before_expiry");
    }
    bool early_assignment = false;
    for (int i = 0; i < trade.leg_count; ++i) {
        const TradeLeg& leg = trade.legs[static_cast<std::size_t>(i)];
        if (!is_short(leg)) {
            continue;
        }
        const LegQuote& q = *leg.quote;
        if (leg.type == OptionType::Call) {
            // Exercised the day before the ex-date when the dividend beats the time value.
            const double time_value = q.mid - std::max(chain.spot - q.strike, 0.0);
            early_assignment = early_assignment || (dividend_before && q.strike < chain.spot &&
                                                    time_value < ctx.next_dividend->amount);
        } else {
            // Deep in the money: exercising now earns interest on the strike that the time
            // value no longer pays for.
            const double time_value = q.mid - std::max(q.strike - chain.spot, 0.0);
            early_assignment =
                early_assignment || (q.strike > chain.spot && time_value < q.strike * e.rf_growth);
        }
    }
    if (early_assignment) {
        c.flags.push_back("early_assignment_risk");
    }
    if (trade.ev_rw <= trade.hurdle) {
        c.flags.push_back("below_t_bill");
    }
    if (any_solved) {
        c.flags.push_back("iv_solved_from_mid");
    }
    if (trade.held_lot) {
        c.flags.push_back("held_lot");
    }
    if (!chain.rw_known) {
        c.flags.push_back("no_history_volatility");
    }

    // Metrics.
    MetricsWriter m;
    m.text("fill_convention",
           fmt::format("sold legs at mid - k x half-spread, bought legs at mid + k x "
                       "half-spread, k = {}",
                       profile.fill_k));
    m.number("fill_k", profile.fill_k);
    m.number("fill_price", trade.fill);
    m.number("mid_price", trade.mid_price);
    m.number("fill_cost_vs_mid",
             trade.is_credit ? trade.mid_price - trade.fill : trade.fill - trade.mid_price);
    m.text("time_convention", "as-of close to 16:00 ET on expiration, 365-day years");
    m.number("t_years", e.t);
    m.number("rate", chain.rate);
    m.number("dividend_yield", chain.dividend_yield);
    m.text("pop_convention",
           "P(underlying at expiry on the profitable side of every breakeven), lognormal, "
           "N(d2) at each breakeven with the short leg's IV (long options: the bought leg's)");
    m.text("pop_drift", profile.pop_drift == config::PopDrift::RiskNeutral
                            ? "risk-neutral (rate - dividend_yield)"
                            : "zero");
    m.number("pop_drift_rate", chain.pop_drift);
    m.number("pop", trade.pop);
    m.start_array("legs");
    for (int i = 0; i < trade.leg_count; ++i) {
        const TradeLeg& leg = trade.legs[static_cast<std::size_t>(i)];
        const LegQuote& q = *leg.quote;
        m.start_object();
        m.text("action", is_short(leg) ? "sell" : "buy");
        m.text("type", leg.type == OptionType::Put ? "put" : "call");
        m.number("strike", q.strike);
        m.number("fill", is_short(leg) ? q.sell_fill : q.buy_fill);
        m.number("iv", q.iv);
        m.text("iv_source", q.iv_solved ? "solved from mid" : "vendor");
        m.number("delta", q.delta);
        // P(ITM at expiry): N(d2) at the strike with the leg's IV.
        const double itm = leg.type == OptionType::Call ? q.p_above : 1.0 - q.p_above;
        m.number("prob_itm", itm);
        m.number("prob_touch",
                 pricing::prob_touch(chain.spot, q.strike, e.t, chain.pop_drift, q.iv));
        m.number("strike_sigma_distance",
                 pricing::strike_distance_sd(chain.spot, q.strike, q.iv, e.t));
        const auto greeks = pricing::bs_greeks(leg.type, chain.spot, q.strike, e.t, chain.rate,
                                               chain.dividend_yield, q.iv);
        m.number("theta_per_day", greeks.theta / 365.0);
        m.number("open_interest", q.open_interest);
        m.number("volume", q.volume);
        m.number("spread_pct", q.spread_pct);
        m.end_object();
    }
    m.end_array();
    // Position theta per share per day: short legs earn it.
    double theta = 0;
    for (int i = 0; i < trade.leg_count; ++i) {
        const TradeLeg& leg = trade.legs[static_cast<std::size_t>(i)];
        const auto g = pricing::bs_greeks(leg.type, chain.spot, leg.quote->strike, e.t, chain.rate,
                                          chain.dividend_yield, leg.quote->iv);
        theta += (is_short(leg) ? -1.0 : 1.0) * g.theta / 365.0;
    }
    m.number("theta_per_day", theta);
    const double move_iv = ctx.iv30 ? *ctx.iv30 : summary->quote->iv;
    m.number("expected_move_1sd", pricing::expected_move_from_iv(chain.spot, move_iv, e.t));
    m.text("expected_move_source", ctx.iv30 ? "ATM IV30" : "short leg IV");
    m.text("collateral_basis", trade.collateral_basis);
    m.number("collateral", trade.collateral);
    m.number("max_profit", trade.max_profit);
    m.number("max_loss", trade.max_loss);
    m.number("return_on_capital_simple", trade.roc);
    m.number("return_on_capital_annualized_simple", trade.roc_ann);
    m.number("return_on_capital_annualized_compounded",
             std::isfinite(trade.roc) ? std::pow(1.0 + trade.roc, e.annualise) - 1.0 : k_nan);
    m.number("return_on_risk", trade.ror);
    if (trade.stock_leg) {
        const LegQuote& call = *trade.legs[0].quote;
        m.number("static_return", trade.fill / chain.spot);
        m.number("if_called_return", (call.strike - chain.spot + trade.fill) / chain.spot);
        m.number("downside_protection", trade.fill / chain.spot);
        if (trade.held_lot && ctx.holding) {
            m.number("held_shares", ctx.holding->shares);
            m.number("cost_basis", ctx.holding->cost_basis > 0 ? ctx.holding->cost_basis : k_nan);
        }
    }
    m.number("iv", summary->quote->iv);
    m.number("iv30", optional_or_nan(ctx.iv30));
    m.number("iv_rank", optional_or_nan(ctx.iv_rank));
    m.number("iv_percentile", optional_or_nan(ctx.iv_percentile));
    m.text("iv_rank_convention",
           "rank = (IV30 - min) / (max - min) x 100 over the last 252 stored IV30 values; "
           "percentile = % of those below IV30");
    m.number("hv20", optional_or_nan(ctx.hv20));
    m.number("hv60", optional_or_nan(ctx.hv60));
    m.number("iv_hv20_ratio", ctx.hv20 ? summary->quote->iv / *ctx.hv20 : k_nan);
    m.number("iv_hv60_ratio", ctx.hv60 ? summary->quote->iv / *ctx.hv60 : k_nan);
    m.text("ev_convention", "expected P&L per share at expiry, undiscounted, from fill_price");
    m.number("ev_risk_neutral", trade.ev_rn);
    m.number("ev_real_world", trade.ev_rw);
    m.text("real_world_measure",
           chain.rw_known ? fmt::format("lognormal, volatility {} = {:.4f}, drift {:.4f}",
                                        profile.real_world_vol, chain.rw_vol, chain.rw_drift)
                          : std::string("unknown (no history): risk-neutral used"));
    m.number("risk_free_return_on_collateral", trade.hurdle);
    m.number("excess_ev_over_t_bills", trade.ev_rw - trade.hurdle);
    m.boolean("beats_t_bills", trade.ev_rw > trade.hurdle);
    m.text("score_convention",
           "sum of weight x component; excess_return = (ev_real_world - T-bill return on "
           "collateral) / max_loss x 365 / dte");
    m.start_object("score_components");
    m.number("excess_return", trade.excess_return);
    m.number("pop", trade.pop);
    m.number("iv_rank", ctx.iv_rank ? *ctx.iv_rank / 100.0 : 0.0);
    m.number("annualized_return", std::isfinite(trade.roc_ann) ? trade.roc_ann : 0.0);
    m.end_object();
    m.start_object("score_weights");
    m.number("excess_return", profile.weights.excess_return);
    m.number("pop", profile.weights.pop);
    m.number("iv_rank", profile.weights.iv_rank);
    m.number("annualized_return", profile.weights.annualized_return);
    m.end_object();
    m.text("data_quality_grade", std::string(1, chain.quality_grade));
    if (ctx.next_earnings) {
        m.text("next_earnings", format_date(*ctx.next_earnings));
    }
    if (ctx.next_dividend) {
        m.text("next_ex_dividend", format_date(ctx.next_dividend->ex_date));
        m.number("next_dividend_amount", ctx.next_dividend->amount);
    }
    c.metrics_json = m.finish();
    return c;
}

} // namespace screener::strategy
