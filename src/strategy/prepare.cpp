// The data-quality gate and the prepared chain: every contract is judged once, and every usable
// one gets its fills, delta, probabilities and expected payoffs computed once per symbol, so the
// strategies' enumeration is plain arithmetic.
#include "condor_kernel.hpp"
#include "engine.hpp"
#include "pop_math.hpp"
#include "screener/core/calendar.hpp"
#include "screener/pricing/black_scholes.hpp"
#include "screener/pricing/implied_vol.hpp"

#include <algorithm>
#include <map>

namespace screener::strategy {
namespace {

bool usable_iv(std::optional<double> iv) {
    return iv && std::isfinite(*iv) && *iv > 0.005 && *iv < 10;
}

double time_to_expiry(Date as_of, Date expiration) {
    return years_to_expiry(market_close_unix(as_of), expiration);
}

char grade_for(double usable_share) {
    return usable_share >= 0.95   ? 'A'
           : usable_share >= 0.85 ? 'B'
           : usable_share >= 0.70 ? 'C'
           : usable_share >= 0.50 ? 'D'
                                  : 'F';
}

} // namespace

bool is_sentinel(std::optional<double> value) {
    return !value || !std::isfinite(*value) || *value == 0.0 || *value <= -999.0;
}

namespace {

// The quote checks that do not involve the IV.
const char* quote_problem(const OptionContract& contract, std::int64_t as_of_close,
                          double max_quote_age_hours) {
    if (!contract.bid || !contract.ask || !std::isfinite(*contract.bid) ||
        !std::isfinite(*contract.ask)) {
        return "missing_quote";
    }
    const double bid = *contract.bid;
    const double ask = *contract.ask;
    if (ask < bid) {
        return "crossed";
    }
    if (bid <= 0) {
        return "zero_bid";
    }
    if (ask == bid) {
        return "locked";
    }
    // A blown quote (tradeblocks' guard): the mid of such a market means nothing.
    if (ask > 10 * bid && 0.5 * (bid + ask) > 1.0) {
        return "blown_spread";
    }
    if (contract.updated > 0 &&
        static_cast<double>(as_of_close - contract.updated) > max_quote_age_hours * 3600.0) {
        return "stale_quote";
    }
    return nullptr;
}

} // namespace

std::optional<std::string> quote_rejection(const OptionContract& contract, std::int64_t as_of_close,
                                           double max_quote_age_hours) {
    if (const char* problem = quote_problem(contract, as_of_close, max_quote_age_hours)) {
        return problem;
    }
    if (!usable_iv(contract.iv)) {
        return "missing_iv";
    }
    return std::nullopt;
}

namespace {

// contract_delta with the time to expiry already known.
double delta_at(const SymbolContext& context, const OptionContract& contract, double iv, double t) {
    if (!is_sentinel(contract.delta)) {
        const double d = *contract.delta;
        const bool right_sign = contract.type == OptionType::Call ? d > 0 : d < 0;
        if (right_sign && std::abs(d) < 1.0) {
            return d;
        }
    }
    return pricing::bs_greeks(contract.type, context.spot, contract.strike, t,
                              context.risk_free_rate, context.dividend_yield, iv)
        .delta;
}

// The IV to use: the vendor's when usable, else solved from the mid (nullopt: none).
std::optional<double> usable_or_solved_iv(const SymbolContext& context, const OptionContract& c,
                                          double t) {
    if (usable_iv(c.iv)) {
        return c.iv;
    }
    if (!c.bid || !c.ask || !(*c.bid > 0) || !(*c.ask > *c.bid)) {
        return std::nullopt;
    }
    const double iv = pricing::implied_vol(c.type, 0.5 * (*c.bid + *c.ask), context.spot, c.strike,
                                           t, context.risk_free_rate, context.dividend_yield);
    return usable_iv(iv) ? std::optional<double>(iv) : std::nullopt;
}

} // namespace

double contract_delta(const SymbolContext& context, const OptionContract& contract) {
    return delta_at(context, contract, contract.iv.value_or(0.0),
                    time_to_expiry(context.as_of, contract.expiration));
}

OptionChain with_solved_iv(const SymbolContext& context, const OptionChain& vendor_chain) {
    OptionChain chain = vendor_chain;
    for (auto& c : chain.contracts) {
        if (usable_iv(c.iv)) {
            continue;
        }
        if (auto iv =
                usable_or_solved_iv(context, c, time_to_expiry(context.as_of, c.expiration))) {
            c.iv = *iv;
            c.iv_solved = true;
        }
    }
    return chain;
}

double prob_above(const PreparedChain& chain, double level, double sigma, double t) {
    if (!(level > 0)) {
        return 1.0;
    }
    // The inline N(d2) of pop_math.hpp, as the batched passes and the iron condor's kernel
    // compute it (pm_prob_above), with the scalar erfc.
    const double z =
        pm::pm_prob_above_z(chain.spot, level, pm::pm_drift_term(chain.pop_drift, sigma, t),
                            1.0 / (sigma * std::sqrt(t)));
    return 0.5 * pm::pm_erfc_scalar(z);
}

namespace {

// Each quote's P(S_T > K) (as prob_above) and expected payoffs, risk-neutral (drift r - q, own
// IV) and real-world (the chain's drift and volatility): per expiry side, in vectorised passes.
void set_probabilities(const PreparedChain& chain, Expiry& e) {
    thread_local std::vector<double> strike, iv, rw_vol, value;
    const double forward_rn = chain.spot * std::exp((chain.rate - chain.dividend_yield) * e.t);
    const double forward_rw = chain.spot * std::exp(chain.rw_drift * e.t);
    for (auto* side : {&e.puts, &e.calls}) {
        const std::size_t n = side->size();
        strike.resize(n);
        iv.resize(n);
        value.resize(n);
        rw_vol.assign(n, chain.rw_vol);
        for (std::size_t i = 0; i < n; ++i) {
            strike[i] = (*side)[i].strike;
            iv[i] = (*side)[i].iv;
        }
        prob_above_batch(chain.spot, chain.pop_drift, e.t, e.sqrt_t, strike.data(), iv.data(),
                         value.data(), n);
        for (std::size_t i = 0; i < n; ++i) {
            (*side)[i].p_above = value[i];
        }
        const bool call = side == &e.calls;
        expected_payoff_batch(call, forward_rn, e.sqrt_t, strike.data(), iv.data(), value.data(),
                              n);
        for (std::size_t i = 0; i < n; ++i) {
            (*side)[i].ev_payoff_rn = value[i];
            (*side)[i].ev_payoff_rw = value[i];
        }
        if (chain.rw_known) {
            expected_payoff_batch(call, forward_rw, e.sqrt_t, strike.data(), rw_vol.data(),
                                  value.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
                (*side)[i].ev_payoff_rw = value[i];
            }
        }
    }
}

} // namespace

// Builds the prepared chain and the quality verdict; IVs the vendor left unusable are solved
// here, without copying the chain.
PreparedChain prepare_chain(const SymbolContext& context, const config::ProfileConfig& profile,
                            const OptionChain& chain, ChainQuality& quality) {
    PreparedChain out;
    out.context = &context;
    out.profile = &profile;
    out.spot = context.spot;
    out.rate = context.risk_free_rate;
    out.dividend_yield = context.dividend_yield;
    out.pop_drift = profile.pop_drift == config::PopDrift::RiskNeutral
                        ? context.risk_free_rate - context.dividend_yield
                        : 0.0;
    out.rw_drift =
        profile.real_world_drift.value_or(context.risk_free_rate - context.dividend_yield);
    const auto rw_vol = profile.real_world_vol == "hv20" ? context.hv20 : context.hv60;
    const auto fallback_vol = profile.real_world_vol == "hv20" ? context.hv60 : context.hv20;
    if (rw_vol && *rw_vol > 0) {
        out.rw_vol = *rw_vol;
        out.rw_known = true;
    } else if (fallback_vol && *fallback_vol > 0) {
        out.rw_vol = *fallback_vol;
        out.rw_known = true;
    }

    const std::int64_t close = market_close_unix(context.as_of);
    std::map<Date, Expiry> by_expiry;
    quality = ChainQuality{};
    quality.contracts = static_cast<int>(chain.contracts.size());
    const double k = profile.fill_k;
    std::map<Date, double> t_of; // a chain has a handful of expirations
    for (const auto& c : chain.contracts) {
        if (const char* problem = quote_problem(c, close, profile.max_quote_age_hours)) {
            ++quality.rejections[problem];
            continue;
        }
        auto [t_it, new_expiration] = t_of.try_emplace(c.expiration, 0.0);
        if (new_expiration) {
            t_it->second = time_to_expiry(context.as_of, c.expiration);
        }
        const double t = t_it->second;
        if (!(t > 0) || !(c.strike > 0)) {
            ++quality.rejections["expired"];
            continue;
        }
        const auto iv = usable_or_solved_iv(context, c, t);
        if (!iv) {
            ++quality.rejections["missing_iv"];
            continue;
        }
        const bool solved = !usable_iv(c.iv);
        ++quality.usable;
        if (solved) {
            ++quality.repairs["iv_solved_from_mid"];
        }
        if (is_sentinel(c.delta) || is_sentinel(c.iv)) {
            ++quality.repairs["sentinel_greeks"];
        }
        auto [it, inserted] = by_expiry.try_emplace(c.expiration);
        Expiry& e = it->second;
        if (inserted) {
            e.expiration = c.expiration;
            e.dte = days_between(context.as_of, c.expiration);
            e.t = t;
            e.sqrt_t = std::sqrt(t);
            e.annualise = 365.0 / std::max(e.dte, 1);
            e.rf_growth = std::expm1(out.rate * t);
            e.stock_growth_rn = std::expm1((out.rate - out.dividend_yield) * t);
            e.stock_growth_rw =
                std::expm1((out.rw_known ? out.rw_drift : out.rate - out.dividend_yield) * t);
        }
        LegQuote q;
        q.contract = &c;
        q.strike = c.strike;
        q.bid = *c.bid;
        q.ask = *c.ask;
        q.mid = 0.5 * (q.bid + q.ask);
        const double half = 0.5 * (q.ask - q.bid);
        q.sell_fill = q.mid - k * half;
        q.buy_fill = q.mid + k * half;
        q.spread_pct = (q.ask - q.bid) / q.mid;
        q.iv = *iv;
        q.iv_solved = solved;
        q.delta = delta_at(context, c, q.iv, t);
        q.open_interest = c.open_interest.value_or(0);
        q.volume = c.volume.value_or(0);
        (c.type == OptionType::Put ? e.puts : e.calls).push_back(q);
    }
    for (auto& [date, e] : by_expiry) {
        const auto by_strike = [](const LegQuote& a, const LegQuote& b) {
            return a.strike < b.strike;
        };
        std::sort(e.puts.begin(), e.puts.end(), by_strike);
        std::sort(e.calls.begin(), e.calls.end(), by_strike);
        set_probabilities(out, e);
        out.expiries.push_back(std::move(e));
    }
    // A zero bid is a market with no buyer (normal for cheap far out-of-the-money contracts),
    // not bad vendor data: such contracts are rejected but do not count against the chain's
    // grade or rankability.
    const auto zero_bids = quality.rejections.count("zero_bid") ? quality.rejections.at("zero_bid")
                                                                : 0;
    const int bad = quality.contracts - quality.usable - zero_bids;
    const double sound_share =
        quality.contracts > 0 ? 1.0 - static_cast<double>(bad) / quality.contracts : 0.0;
    // An empty chain (nothing listed in the DTE window) is not a bad one: grade '-'.
    quality.grade = quality.contracts > 0 ? grade_for(sound_share) : '-';
    out.quality_grade = quality.grade;
    quality.rankable =
        quality.contracts == 0 || 1.0 - sound_share <= profile.max_rejected_fraction;
    return out;
}

} // namespace screener::strategy
