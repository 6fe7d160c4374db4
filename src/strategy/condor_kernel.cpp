// The iron condor's per-pair kernel (condor_kernel.hpp). Built with -ffp-contract=off (root
// CMakeLists.txt): the AVX-512 clone and the default build must round alike, and both like
// finish_trade in trade.cpp.
#include "condor_kernel.hpp"

#include "pop_math.hpp"

namespace screener::strategy {

void CondorCalls::clear() {
    for (auto* v : {&credit, &width, &short_strike, &short_iv, &short_ev_rw, &long_ev_rw}) {
        v->clear();
    }
}

void CondorCalls::push_back(double c, double w, double k, double iv, double s_ev, double l_ev) {
    credit.push_back(c);
    width.push_back(w);
    short_strike.push_back(k);
    short_iv.push_back(iv);
    short_ev_rw.push_back(s_ev);
    long_ev_rw.push_back(l_ev);
}

void CondorOut::resize(std::size_t n) {
    status.resize(n);
    pop.resize(n);
    score.resize(n);
}

namespace {

// One pass over the pairs: every measure as in IronCondor::measure and finish_trade, the verdict
// as a select chain in their order of checks.
[[gnu::always_inline]] inline void
condor_body(const CondorParams& k, const CondorPut& p, const double* __restrict cc,
            const double* __restrict cw, const double* __restrict ck, const double* __restrict civ,
            const double* __restrict cs_ev, const double* __restrict cl_ev, std::size_t n,
            std::int64_t* __restrict status, double* __restrict pop_out,
            double* __restrict score_out) {
    const double sd_put = p.short_iv * k.sqrt_t;
    for (std::size_t j = 0; j < n; ++j) {
        const double credit = p.credit + cc[j];
        const double wider = p.width < cw[j] ? cw[j] : p.width; // std::max
        const double max_loss = wider - credit;
        const double roc_ann = credit / max_loss * k.annualise;
        const double low = p.short_strike - credit;
        const double high = ck[j] + credit;
        const double above_low =
            pm::pm_prob_above(k.spot, low, k.pop_drift, p.short_iv, k.t, sd_put);
        const double above_high =
            pm::pm_prob_above(k.spot, high, k.pop_drift, civ[j], k.t, civ[j] * k.sqrt_t);
        const double diff = above_low - above_high;
        const double pop = 0.0 < diff ? diff : 0.0; // std::max(0.0, diff), NaN included
        const double ev_rw = (((credit + p.long_ev_rw) - p.short_ev_rw) - cs_ev[j]) + cl_ev[j];
        const double hurdle = max_loss * k.rf_growth;
        const double excess = (ev_rw - hurdle) / max_loss * k.annualise;
        const double score =
            k.w_excess * excess + k.w_pop * pop + k.iv_rank_term + k.w_return * roc_ann;
        // Two-way selects from the last check to the first (a nested chain is not if-converted).
        std::int64_t verdict = pop < k.min_pop ? k_condor_min_pop : k_condor_pass;
        verdict = roc_ann < k.min_annualized_return ? k_condor_min_annualized_return : verdict;
        verdict = !(max_loss <= k.max_loss_cap) ? k_condor_max_loss : verdict;
        verdict = credit < k.min_credit ? k_condor_min_credit : verdict;
        verdict = !(max_loss > 0.0) ? k_condor_credit_exceeds_width : verdict;
        verdict = !(p.short_strike < ck[j]) ? k_condor_strikes_overlap : verdict;
        status[j] = verdict;
        pop_out[j] = pop;
        score_out[j] = score;
    }
}

void condor_default(const CondorParams& k, const CondorPut& p, const CondorCalls& c, std::size_t n,
                    CondorOut& out) {
    condor_body(k, p, c.credit.data(), c.width.data(), c.short_strike.data(), c.short_iv.data(),
                c.short_ev_rw.data(), c.long_ev_rw.data(), n, out.status.data(), out.pop.data(),
                out.score.data());
}

// 8 lanes with masks for the selects; no fma in the target (and -ffp-contract=off) so that it
// rounds like the default build.
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void
condor_avx512(const CondorParams& k, const CondorPut& p, const CondorCalls& c, std::size_t n,
              CondorOut& out) {
    condor_body(k, p, c.credit.data(), c.width.data(), c.short_strike.data(), c.short_iv.data(),
                c.short_ev_rw.data(), c.long_ev_rw.data(), n, out.status.data(), out.pop.data(),
                out.score.data());
}

[[gnu::always_inline]] inline void prob_body(double spot, double drift, double t, double sqrt_t,
                                             const double* __restrict level,
                                             const double* __restrict sigma, double* __restrict out,
                                             std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = pm::pm_prob_above(spot, level[i], drift, sigma[i], t, sigma[i] * sqrt_t);
    }
}
void prob_default(double spot, double drift, double t, double sqrt_t, const double* level,
                  const double* sigma, double* out, std::size_t n) {
    prob_body(spot, drift, t, sqrt_t, level, sigma, out, n);
}
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void
prob_avx512(double spot, double drift, double t, double sqrt_t, const double* level,
            const double* sigma, double* out, std::size_t n) {
    prob_body(spot, drift, t, sqrt_t, level, sigma, out, n);
}

bool have_avx512() {
    static const bool available = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0;
    }();
    return available;
}

} // namespace

void condor_pairs(const CondorParams& k, const CondorPut& p, const CondorCalls& calls,
                  std::size_t n, CondorOut& out) {
    if (out.status.size() < n) {
        out.resize(calls.size() > n ? calls.size() : n);
    }
    if (have_avx512()) {
        condor_avx512(k, p, calls, n, out);
    } else {
        condor_default(k, p, calls, n, out);
    }
}

void prob_above_batch(double spot, double drift, double t, double sqrt_t, const double* level,
                      const double* sigma, double* out, std::size_t n) {
    if (have_avx512()) {
        prob_avx512(spot, drift, t, sqrt_t, level, sigma, out, n);
    } else {
        prob_default(spot, drift, t, sqrt_t, level, sigma, out, n);
    }
}

} // namespace screener::strategy
