// Iron condor: a put credit vertical and a call credit vertical of the same expiry, short put
// strike below short call strike.
//   credit c = c_put + c_call; breakevens K_sp - c and K_sc + c;
//   PoP = P(S_T > K_sp - c; iv of the short put) - P(S_T > K_sc + c; iv of the short call);
//   max profit c; max loss max(w_put, w_call) - c (only one side can finish in the money);
//   return on risk c / max loss.
//
// Enumeration: the verticals of each side (verticals.hpp), then every pair. Complexity per
// expiry O(S x W) per side plus O(P x C) pairs. Pruning, each step provably safe:
//   - a put vertical p is dropped when even the best call credit C_max cannot rescue it:
//     c_p + C_max < min_credit, or w_p - c_p - C_max > max_loss (max loss >= w_p - c), or
//     P(S_T > K_sp - c_p - C_max) < min_pop (PoP <= P(S_T > K_sp - c) and the breakeven is at
//     least K_sp - c_p - C_max); the same for call verticals with P_max;
//   - call verticals are visited by descending credit, so the pairs of p stop at the first
//     call vertical with c_p + c_c < min_credit.
// The pairs are measured in batches by the kernel of condor_kernel.hpp (one put vertical
// against the call verticals as arrays); only --explain takes the pair by pair path, which
// records a verdict per pair.
#include "condor_kernel.hpp"
#include "verticals.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace screener::strategy {
namespace {

double best_credit(const std::vector<Vertical>& verticals) {
    double best = 0;
    for (const auto& v : verticals) {
        best = std::max(best, v.credit);
    }
    return best;
}

class IronCondor final : public Strategy {
public:
    std::string_view name() const override { return "iron_condor"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        std::vector<Vertical> puts, calls;
        for (const Expiry& e : chain.expiries) {
            if (const char* reason = expiry_rejection(chain, e, f)) {
                out.reject(name(), reason);
                if (out.explaining()) {
                    out.explain(name(), format_date(e.expiration),
                                std::string("dropped: ") + reason);
                }
                continue;
            }
            puts.clear();
            calls.clear();
            // Without pruning the sides are built with an unbounded other-side credit, which
            // disables the credit and max-loss bounds there too.
            const double unbounded = 1e300;
            credit_verticals(chain, e, OptionType::Put, f, unbounded, name(), out, puts);
            credit_verticals(chain, e, OptionType::Call, f, unbounded, name(), out, calls);
            if (out.pruning()) {
                prune_sides(chain, e, f, out, puts, calls);
            }
            if (out.explaining()) {
                // Every verdict is recorded: the pair by pair path, the reference of the kernel.
                for (const Vertical& p : puts) {
                    for (const Vertical& c : calls) {
                        if (out.pruning() && p.credit + c.credit < f.min_credit) {
                            // Descending call credits: every later pair fails too.
                            const auto rest = &calls.back() - &c + 1;
                            out.reject(name(), "min_credit", static_cast<int>(rest));
                            break;
                        }
                        measure(chain, e, f, p, c, out);
                    }
                }
            } else {
                measure_batched(chain, e, f, puts, calls, out);
            }
        }
    }

private:
    void prune_sides(const PreparedChain& chain, const Expiry& e, const config::StrategyConfig& f,
                     Collector& out, std::vector<Vertical>& puts,
                     std::vector<Vertical>& calls) const {
        const double put_max = best_credit(puts);
        const double call_max = best_credit(calls);
        std::vector<double> levels, sigmas, above;
        const auto drop = [&](std::vector<Vertical>& side, double other_max, bool put_side) {
            // The PoP bounds of the side in one vectorised pass (prob_above's values).
            levels.clear();
            sigmas.clear();
            for (const Vertical& v : side) {
                const double c = v.credit + other_max;
                levels.push_back(put_side ? v.short_leg->strike - c : v.short_leg->strike + c);
                sigmas.push_back(v.short_leg->iv);
            }
            above.resize(side.size());
            prob_above_batch(chain.spot, chain.pop_drift, e.t, e.sqrt_t, levels.data(),
                             sigmas.data(), above.data(), side.size());
            std::erase_if(side, [&](const Vertical& v) {
                // remove_if tests each element at its original place before moving any.
                const double p_above = above[static_cast<std::size_t>(&v - side.data())];
                const double c = v.credit + other_max; // the most this side's condors can take
                const char* reason = nullptr;
                if (c < f.min_credit) {
                    reason = "min_credit";
                } else if (f.max_loss && v.width - c > *f.max_loss) {
                    reason = "max_loss";
                } else if (f.min_pop > 0) {
                    const double bound = put_side ? p_above : 1.0 - p_above;
                    reason = bound < f.min_pop ? "min_pop" : nullptr;
                }
                if (reason) {
                    out.reject(name(), reason);
                }
                return reason != nullptr;
            });
        };
        drop(puts, call_max, true);
        drop(calls, put_max, false);
        std::sort(calls.begin(), calls.end(),
                  [](const Vertical& a, const Vertical& b) { return a.credit > b.credit; });
    }

    // The trade of the pair (p, c) up to the probability: legs, fill, max loss, returns,
    // breakevens. Returns the verdict decided before the trade-level filters, or nullptr.
    const char* form(const Expiry& e, const Vertical& p, const Vertical& c, Trade& trade) const {
        trade.strategy = name();
        trade.expiry = &e;
        trade.legs[0] = {p.long_leg, OptionType::Put, Side::Buy};
        trade.legs[1] = {p.short_leg, OptionType::Put, Side::Sell};
        trade.legs[2] = {c.short_leg, OptionType::Call, Side::Sell};
        trade.legs[3] = {c.long_leg, OptionType::Call, Side::Buy};
        trade.leg_count = 4;
        if (!(p.short_leg->strike < c.short_leg->strike)) {
            return "strikes_overlap";
        }
        const double credit = p.credit + c.credit;
        trade.is_credit = true;
        trade.fill = credit;
        trade.mid_price = p.mid_credit + c.mid_credit;
        trade.max_profit = credit;
        trade.max_loss = std::max(p.width, c.width) - credit;
        if (!(trade.max_loss > 0)) {
            return "credit_exceeds_width";
        }
        trade.collateral = trade.max_loss;
        trade.collateral_basis = "max loss (wider wing - credit: the margin net of the credit)";
        trade.roc = credit / trade.max_loss;
        trade.ror = trade.roc;
        set_annualised_return(trade);
        trade.breakevens = {p.short_leg->strike - credit, c.short_leg->strike + credit};
        trade.breakeven_count = 2;
        return nullptr;
    }

    void measure(const PreparedChain& chain, const Expiry& e, const config::StrategyConfig& f,
                 const Vertical& p, const Vertical& c, Collector& out) const {
        Trade trade;
        if (const char* reason = form(e, p, c, trade)) {
            out.reject(name(), reason);
            return;
        }
        if (!out.precheck(trade, f)) {
            return;
        }
        trade.pop = std::max(0.0, prob_above(chain, trade.breakevens[0], p.short_leg->iv, e.t) -
                                      prob_above(chain, trade.breakevens[1], c.short_leg->iv, e.t));
        finish_trade(chain, trade);
        out.offer(trade, f);
    }

    // The pairs of one expiry through the kernel (condor_kernel.hpp): per put vertical, the
    // call verticals as arrays; a Trade is formed only for a pair the collector would keep.
    // Counts and kept trades are those of measure() on every pair in the same order.
    void measure_batched(const PreparedChain& chain, const Expiry& e,
                         const config::StrategyConfig& f, const std::vector<Vertical>& puts,
                         const std::vector<Vertical>& calls, Collector& out) const {
        const config::ScoreWeights& w = chain.profile->weights;
        const auto& ctx = *chain.context;
        CondorParams k;
        k.spot = chain.spot;
        k.pop_drift = chain.pop_drift;
        k.t = e.t;
        k.sqrt_t = e.sqrt_t;
        k.annualise = e.annualise;
        k.rf_growth = e.rf_growth;
        k.w_excess = w.excess_return;
        k.w_pop = w.pop;
        k.iv_rank_term = w.iv_rank * (ctx.iv_rank ? *ctx.iv_rank / 100.0 : 0.0);
        k.w_return = w.annualized_return;
        k.min_credit = f.min_credit;
        k.max_loss_cap = f.max_loss ? *f.max_loss : std::numeric_limits<double>::infinity();
        k.min_annualized_return = f.min_annualized_return;
        k.min_pop = f.min_pop;
        // Scratch reused across expiries and symbols (per thread: the strategy is a singleton).
        thread_local CondorCalls soa;
        thread_local CondorOut res;
        soa.clear();
        for (const Vertical& c : calls) {
            soa.push_back(c.credit, c.width, c.short_leg->strike, c.short_leg->iv,
                          c.short_leg->ev_payoff_rw, c.long_leg->ev_payoff_rw);
        }
        soa.derive(k);
        std::array<std::int64_t, static_cast<int>(TradeReason::Count)> rejected{};
        std::int64_t overlap = 0, exceeds = 0, measured = 0, passed = 0;
        for (const Vertical& p : puts) {
            std::size_t n = calls.size();
            if (out.pruning()) {
                // Descending call credits: from the first pair short of min_credit on, every
                // pair fails too (p.credit + c is monotone in c, so the first is found by
                // bisection).
                const auto enough = [&](const Vertical& c) {
                    return !(p.credit + c.credit < f.min_credit);
                };
                n = static_cast<std::size_t>(
                    std::partition_point(calls.begin(), calls.end(), enough) - calls.begin());
            }
            const CondorPut cp{p.credit,
                               p.width,
                               p.short_leg->strike,
                               p.short_leg->iv,
                               p.long_leg->ev_payoff_rw,
                               p.short_leg->ev_payoff_rw};
            condor_pairs(k, cp, soa, n, res);
            // Only the passes the collector would keep become trades.
            std::size_t room = out.room();
            double threshold = out.threshold();
            for (std::size_t j = 0; j < n; ++j) {
                if (res.status[j] == k_condor_pass && (room > 0 || res.score[j] > threshold)) {
                    Trade trade;
                    form(e, p, calls[j], trade);
                    trade.pop = res.pop[j];
                    finish_trade(chain, trade);
                    out.keep(trade);
                    room = out.room();
                    threshold = out.threshold();
                }
            }
            const auto& by_status = res.by_status;
            overlap += by_status[k_condor_strikes_overlap];
            exceeds += by_status[k_condor_credit_exceeds_width];
            passed += by_status[k_condor_pass];
            measured += by_status[k_condor_pass];
            for (std::int64_t v = k_condor_min_credit; v <= k_condor_min_pop; ++v) {
                measured += by_status[v];
                rejected[static_cast<std::size_t>(v - k_condor_min_credit)] += by_status[v];
            }
            if (n < calls.size()) {
                out.reject(name(), "min_credit", static_cast<int>(calls.size() - n));
            }
        }
        if (overlap > 0) {
            out.reject(name(), "strikes_overlap", static_cast<int>(overlap));
        }
        if (exceeds > 0) {
            out.reject(name(), "credit_exceeds_width", static_cast<int>(exceeds));
        }
        out.count_measured(name(), rejected, measured, passed);
    }
};

} // namespace

const Strategy& iron_condor_strategy() {
    static const IronCondor strategy;
    return strategy;
}

} // namespace screener::strategy
