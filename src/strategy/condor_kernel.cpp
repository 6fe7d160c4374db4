// The iron condor's per-pair kernel (condor_kernel.hpp). Built with -ffp-contract=off (root
// CMakeLists.txt): the AVX-512 clone and the default build must round alike, and both like
// finish_trade in trade.cpp.
#include "condor_kernel.hpp"

#include "pop_math.hpp"

#include <algorithm>

namespace screener::strategy {

void CondorCalls::clear() {
    for (auto* v : {&credit, &width, &short_strike, &short_iv, &short_ev_rw, &long_ev_rw,
                    &drift_term, &inv_sd}) {
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

void CondorCalls::derive(const CondorParams& k) {
    drift_term.resize(size());
    inv_sd.resize(size());
    for (std::size_t j = 0; j < size(); ++j) {
        drift_term[j] = pm::pm_drift_term(k.pop_drift, short_iv[j], k.t);
        inv_sd[j] = 1.0 / (short_iv[j] * k.sqrt_t);
    }
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
            const double* __restrict cw, const double* __restrict ck,
            const double* __restrict cdrift, const double* __restrict cinv,
            const double* __restrict cs_ev, const double* __restrict cl_ev, std::size_t n,
            std::int64_t* __restrict status, double* __restrict pop_out,
            double* __restrict score_out) {
    const double drift_put = pm::pm_drift_term(k.pop_drift, p.short_iv, k.t);
    const double inv_sd_put = 1.0 / (p.short_iv * k.sqrt_t);
    // Blocks of 8 pairs (n is a multiple of 8): the 16 erfc arguments first, then erfc over the
    // block with only the Cody ranges present evaluated, then the rest per pair.
    for (std::size_t b = 0; b < n; b += 8) {
        double z[16], erfc_z[16];
        for (std::size_t l = 0; l < 8; ++l) {
            const std::size_t j = b + l;
            const double credit = p.credit + cc[j];
            z[l] = pm::pm_prob_above_z(k.spot, p.short_strike - credit, drift_put, inv_sd_put);
            z[8 + l] = pm::pm_prob_above_z(k.spot, ck[j] + credit, cdrift[j], cinv[j]);
        }
        // The put side's 8 arguments (one short put, credits close together) usually fall in
        // one Cody range: a mask per side skips more than one over all 16.
        pm::pm_erfc_block<8>(z, erfc_z);
        pm::pm_erfc_block<8>(z + 8, erfc_z + 8);
        for (std::size_t l = 0; l < 8; ++l) {
            const std::size_t j = b + l;
            const double credit = p.credit + cc[j];
            const double wider = p.width < cw[j] ? cw[j] : p.width; // std::max
            const double max_loss = wider - credit;
            const double roc_ann = credit / max_loss * k.annualise;
            const double above_low = 0.5 * erfc_z[l];
            const double above_high = 0.5 * erfc_z[8 + l];
            const double diff = above_low - above_high;
            const double pop = 0.0 < diff ? diff : 0.0; // std::max(0.0, diff), NaN included
            const double ev_rw = (((credit + p.long_ev_rw) - p.short_ev_rw) - cs_ev[j]) + cl_ev[j];
            const double hurdle = max_loss * k.rf_growth;
            const double excess = (ev_rw - hurdle) / max_loss * k.annualise;
            const double score =
                k.w_excess * excess + k.w_pop * pop + k.iv_rank_term + k.w_return * roc_ann;
            // Two-way selects from the last check to the first (a nested chain is not
            // if-converted).
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
}

using CondorRun = void (*)(const CondorParams&, const CondorPut&, const double*, const double*,
                           const double*, const double*, const double*, const double*,
                           const double*, std::size_t, std::int64_t*, double*, double*);

void condor_default(const CondorParams& k, const CondorPut& p, const double* cc, const double* cw,
                    const double* ck, const double* cdrift, const double* cinv, const double* cs_ev,
                    const double* cl_ev, std::size_t n, std::int64_t* status, double* pop,
                    double* score) {
    condor_body(k, p, cc, cw, ck, cdrift, cinv, cs_ev, cl_ev, n, status, pop, score);
}

// 8 lanes with masks for the selects; no fma in the target (and -ffp-contract=off) so that it
// rounds like the default build.
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void
condor_avx512(const CondorParams& k, const CondorPut& p, const double* cc, const double* cw,
              const double* ck, const double* cdrift, const double* cinv, const double* cs_ev,
              const double* cl_ev, std::size_t n, std::int64_t* status, double* pop,
              double* score) {
    condor_body(k, p, cc, cw, ck, cdrift, cinv, cs_ev, cl_ev, n, status, pop, score);
}

[[gnu::always_inline]] inline void prob_body(double spot, double drift, double t, double sqrt_t,
                                             const double* __restrict level,
                                             const double* __restrict sigma, double* __restrict out,
                                             std::size_t n) {
    // Blocks of 8 (n is a multiple of 8), erfc over the ranges present (see condor_body).
    for (std::size_t b = 0; b < n; b += 8) {
        double z[8], erfc_z[8];
        for (std::size_t l = 0; l < 8; ++l) {
            const double sg = sigma[b + l];
            z[l] = pm::pm_prob_above_z(spot, level[b + l], pm::pm_drift_term(drift, sg, t),
                                       1.0 / (sg * sqrt_t));
        }
        pm::pm_erfc_block<8>(z, erfc_z);
        for (std::size_t l = 0; l < 8; ++l) {
            out[b + l] = 0.5 * erfc_z[l];
        }
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

// The option type as a template parameter: a run-time flag in the loop is not if-converted.
template <bool Call>
[[gnu::always_inline]] inline void
payoff_body(double forward, double sqrt_t, const double* __restrict strike,
            const double* __restrict sigma, double* __restrict out, std::size_t n) {
    // Blocks of 8 (n is a multiple of 8): N(d1), N(d2) (or of -d1, -d2) through erfc over the
    // ranges present, as pm_norm_cdf forms them.
    for (std::size_t b = 0; b < n; b += 8) {
        double z[16], erfc_z[16];
        for (std::size_t l = 0; l < 8; ++l) {
            const double sd = sigma[b + l] * sqrt_t;
            const double d1 = (pm::pm_log(forward / strike[b + l]) + 0.5 * sd * sd) / sd;
            const double d2 = d1 - sd;
            const double x1 = Call ? d1 : -d1;
            const double x2 = Call ? d2 : -d2;
            z[l] = -x1 * pm::k_inv_sqrt2;
            z[8 + l] = -x2 * pm::k_inv_sqrt2;
        }
        pm::pm_erfc_block<16>(z, erfc_z);
        for (std::size_t l = 0; l < 8; ++l) {
            const double k = strike[b + l];
            const double sd = sigma[b + l] * sqrt_t;
            const double n1 = 0.5 * erfc_z[l];
            const double n2 = 0.5 * erfc_z[8 + l];
            double value, intrinsic;
            if constexpr (Call) {
                value = forward * n1 - k * n2;
                intrinsic = forward - k > 0.0 ? forward - k : 0.0;
            } else {
                value = k * n2 - forward * n1;
                intrinsic = k - forward > 0.0 ? k - forward : 0.0;
            }
            out[b + l] = sd > 0.0 ? value : intrinsic;
        }
    }
}
void payoff_default(bool call, double forward, double sqrt_t, const double* strike,
                    const double* sigma, double* out, std::size_t n) {
    if (call) {
        payoff_body<true>(forward, sqrt_t, strike, sigma, out, n);
    } else {
        payoff_body<false>(forward, sqrt_t, strike, sigma, out, n);
    }
}
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void
payoff_avx512(bool call, double forward, double sqrt_t, const double* strike, const double* sigma,
              double* out, std::size_t n) {
    if (call) {
        payoff_body<true>(forward, sqrt_t, strike, sigma, out, n);
    } else {
        payoff_body<false>(forward, sqrt_t, strike, sigma, out, n);
    }
}

// Pairs per verdict: seven independent sums, vectorised.
[[gnu::always_inline]] inline void count_body(const std::int64_t* __restrict status, std::size_t n,
                                              std::int64_t* __restrict by_status) {
    std::int64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const std::int64_t v = status[j];
        c0 += v == 0;
        c1 += v == 1;
        c2 += v == 2;
        c3 += v == 3;
        c4 += v == 4;
        c5 += v == 5;
        c6 += v == 6;
    }
    const std::int64_t counts[7] = {c0, c1, c2, c3, c4, c5, c6};
    for (int v = 0; v < 7; ++v) {
        by_status[v] = counts[v];
    }
}
void count_default(const std::int64_t* status, std::size_t n, std::int64_t* by_status) {
    count_body(status, n, by_status);
}
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void
count_avx512(const std::int64_t* status, std::size_t n, std::int64_t* by_status) {
    count_body(status, n, by_status);
}

bool have_avx512() {
    static const bool available = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0;
    }();
    return available;
}

} // namespace

// Both entry points run the kernels on whole blocks of k_lanes (the vector width of the AVX-512
// build) and the last partial block through a padded copy: a compiled remainder loop would
// measure up to 7 pairs per call one at a time, which cost as much as the vector part.
constexpr std::size_t k_lanes = 8;

namespace {

// The last partial block of condor_pairs, padded with copies of the last pair.
void condor_remainder(CondorRun run, const CondorParams& k, const CondorPut& p,
                      const CondorCalls& calls, std::size_t full, std::size_t n, CondorOut& out) {
    constexpr std::size_t k_columns = 7;
    double in[k_columns][k_lanes];
    const std::vector<double>* columns[k_columns] = {
        &calls.credit, &calls.width,       &calls.short_strike, &calls.drift_term,
        &calls.inv_sd, &calls.short_ev_rw, &calls.long_ev_rw};
    for (std::size_t c = 0; c < k_columns; ++c) {
        for (std::size_t l = 0; l < k_lanes; ++l) {
            in[c][l] = (*columns[c])[std::min(full + l, n - 1)];
        }
    }
    std::int64_t status[k_lanes];
    double pop[k_lanes], score[k_lanes];
    run(k, p, in[0], in[1], in[2], in[3], in[4], in[5], in[6], k_lanes, status, pop, score);
    for (std::size_t l = 0; full + l < n; ++l) {
        out.status[full + l] = status[l];
        out.pop[full + l] = pop[l];
        out.score[full + l] = score[l];
    }
}

} // namespace

void condor_pairs(const CondorParams& k, const CondorPut& p, const CondorCalls& calls,
                  std::size_t n, CondorOut& out) {
    if (out.status.size() < n) {
        out.resize(calls.size() > n ? calls.size() : n);
    }
    const CondorRun run = have_avx512() ? condor_avx512 : condor_default;
    const std::size_t full = n - n % k_lanes;
    run(k, p, calls.credit.data(), calls.width.data(), calls.short_strike.data(),
        calls.drift_term.data(), calls.inv_sd.data(), calls.short_ev_rw.data(),
        calls.long_ev_rw.data(), full, out.status.data(), out.pop.data(), out.score.data());
    if (full < n) {
        condor_remainder(run, k, p, calls, full, n, out);
    }
    (have_avx512() ? count_avx512 : count_default)(out.status.data(), n, out.by_status);
}

void prob_above_batch(double spot, double drift, double t, double sqrt_t, const double* level,
                      const double* sigma, double* out, std::size_t n) {
    const auto run = have_avx512() ? prob_avx512 : prob_default;
    const std::size_t full = n - n % k_lanes;
    run(spot, drift, t, sqrt_t, level, sigma, out, full);
    if (full == n) {
        return;
    }
    double lv[k_lanes], sg[k_lanes], res[k_lanes];
    for (std::size_t l = 0; l < k_lanes; ++l) {
        lv[l] = level[std::min(full + l, n - 1)];
        sg[l] = sigma[std::min(full + l, n - 1)];
    }
    run(spot, drift, t, sqrt_t, lv, sg, res, k_lanes);
    for (std::size_t l = 0; full + l < n; ++l) {
        out[full + l] = res[l];
    }
}

void expected_payoff_batch(bool call, double forward, double sqrt_t, const double* strike,
                           const double* sigma, double* out, std::size_t n) {
    const auto run = have_avx512() ? payoff_avx512 : payoff_default;
    const std::size_t full = n - n % k_lanes;
    run(call, forward, sqrt_t, strike, sigma, out, full);
    if (full == n) {
        return;
    }
    double kv[k_lanes], sg[k_lanes], res[k_lanes];
    for (std::size_t l = 0; l < k_lanes; ++l) {
        kv[l] = strike[std::min(full + l, n - 1)];
        sg[l] = sigma[std::min(full + l, n - 1)];
    }
    run(call, forward, sqrt_t, kv, sg, res, k_lanes);
    for (std::size_t l = 0; full + l < n; ++l) {
        out[full + l] = res[l];
    }
}

} // namespace screener::strategy
