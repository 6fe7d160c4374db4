#pragma once
// The iron condor's per-pair kernel: one put vertical against a run of call verticals of the same
// expiry, held as structure-of-arrays, measured in a straight loop (no Trade, no call) that the
// compiler vectorises (an AVX-512 build picked at run time, see condor_kernel.cpp). It computes
// exactly what IronCondor::measure and finish_trade compute for the score, with the same
// operations in the same order (the file is built with -ffp-contract=off), so a pair it passes
// has the score finish_trade gives the materialised trade.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace screener::strategy {

// Verdict per pair, in the order measure() checks them.
enum CondorStatus : std::int64_t {
    k_condor_pass = 0,
    k_condor_strikes_overlap,      // short put strike >= short call strike (not enumerated)
    k_condor_credit_exceeds_width, // max loss <= 0 (not enumerated)
    k_condor_min_credit,
    k_condor_max_loss,
    k_condor_min_annualized_return,
    k_condor_min_pop,
};

// The put vertical (long put leg, short put leg) with its legs' expected payoffs.
struct CondorPut {
    double credit = 0, width = 0, short_strike = 0, short_iv = 0;
    double long_ev_rw = 0, short_ev_rw = 0;
};

// The call verticals, one entry per vertical in every array.
struct CondorCalls {
    std::vector<double> credit, width, short_strike, short_iv, short_ev_rw, long_ev_rw;
    // From short_iv by derive(): the pm_prob_above_pre constants of the short call.
    std::vector<double> drift_term, inv_sd;
    void clear();
    void push_back(double credit, double width, double short_strike, double short_iv,
                   double short_ev_rw, double long_ev_rw);
    // Call after the last push_back, before condor_pairs.
    void derive(const struct CondorParams& k);
    std::size_t size() const { return credit.size(); }
};

// Everything per expiry and profile the pair's measures need.
struct CondorParams {
    double spot = 0, pop_drift = 0, t = 0, sqrt_t = 0;
    double annualise = 0, rf_growth = 0;
    double w_excess = 0, w_pop = 0, iv_rank_term = 0, w_return = 0; // iv_rank_term = w x rank
    double min_credit = 0, max_loss_cap = 0;                        // cap: +inf when none
    double min_annualized_return = 0, min_pop = 0;
};

// Per pair results; pop and score are meaningful where the status says so (pop from min_pop on,
// score for passes).
struct CondorOut {
    std::vector<std::int64_t> status;
    std::vector<double> pop, score;
    std::int64_t by_status[7] = {}; // pairs per CondorStatus
    void resize(std::size_t n);
};

// out[i] = P(S_T > level[i]) with volatility sigma[i] over one expiry (t, sqrt_t), exactly as
// prob_above (prepare.cpp) computes it, for the plain verticals and the condor's pruning bound.
void prob_above_batch(double spot, double drift, double t, double sqrt_t, const double* level,
                      const double* sigma, double* out, std::size_t n);

// out[i] = E[payoff at expiry] of a call (or put) struck at strike[i] under a lognormal from
// spot with growth factor e^{mu t} = forward / spot and volatility sigma[i] (undiscounted):
// F N(d1) - K N(d2) (or K N(-d2) - F N(-d1)), the intrinsic value at the forward when
// sigma sqrt t is not positive.
void expected_payoff_batch(bool call, double forward, double sqrt_t, const double* strike,
                           const double* sigma, double* out, std::size_t n);

// Measures the pairs (p, calls[j]) for j in [0, n).
void condor_pairs(const CondorParams& k, const CondorPut& p, const CondorCalls& calls,
                  std::size_t n, CondorOut& out);

} // namespace screener::strategy
