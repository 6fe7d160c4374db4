// The iron condor's batched pair kernel (src/strategy/condor_kernel.hpp) against a
// straightforward per-pair computation with libm, on random inputs with unequal wings.
#include "strategy/condor_kernel.hpp"
#include "strategy/pop_math.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace screener::strategy;

namespace {

struct Ref {
    std::int64_t status;
    double pop, score;
};

double prob_above_libm(const CondorParams& k, double level, double sigma) {
    if (!(level > 0)) {
        return 1.0;
    }
    const double sd = sigma * std::sqrt(k.t);
    const double d2 = (std::log(k.spot / level) + (k.pop_drift - 0.5 * sigma * sigma) * k.t) / sd;
    return 0.5 * std::erfc(-d2 / std::sqrt(2.0));
}

// One pair as IronCondor::measure + finish_trade would measure it, written plainly.
Ref reference(const CondorParams& k, const CondorPut& p, const CondorCalls& c, std::size_t j) {
    const double credit = p.credit + c.credit[j];
    const double max_loss = std::max(p.width, c.width[j]) - credit;
    const double roc_ann = credit / max_loss * k.annualise;
    const double pop =
        std::max(0.0, prob_above_libm(k, p.short_strike - credit, p.short_iv) -
                          prob_above_libm(k, c.short_strike[j] + credit, c.short_iv[j]));
    const double ev_rw = credit + p.long_ev_rw - p.short_ev_rw - c.short_ev_rw[j] + c.long_ev_rw[j];
    const double excess = (ev_rw - max_loss * k.rf_growth) / max_loss * k.annualise;
    const double score =
        k.w_excess * excess + k.w_pop * pop + k.iv_rank_term + k.w_return * roc_ann;
    std::int64_t status = k_condor_pass;
    if (!(p.short_strike < c.short_strike[j])) {
        status = k_condor_strikes_overlap;
    } else if (!(max_loss > 0)) {
        status = k_condor_credit_exceeds_width;
    } else if (credit < k.min_credit) {
        status = k_condor_min_credit;
    } else if (max_loss > k.max_loss_cap) {
        status = k_condor_max_loss;
    } else if (roc_ann < k.min_annualized_return) {
        status = k_condor_min_annualized_return;
    } else if (pop < k.min_pop) {
        status = k_condor_min_pop;
    }
    return {status, pop, score};
}

bool close(double got, double want, double tol) {
    return std::abs(got - want) <= tol * std::max(1.0, std::abs(want));
}

} // namespace

TEST_CASE("condor kernel matches a per-pair computation", "[strategy][condor_kernel]") {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    int checked = 0, passes = 0;
    std::array<int, 7> seen{};
    for (int round = 0; round < 300; ++round) {
        CondorParams k;
        k.spot = 20 + 480 * u(rng);
        k.pop_drift = round % 3 == 0 ? 0.0 : 0.06 * u(rng);
        const int dte = 1 + static_cast<int>(90 * u(rng));
        k.t = (dte + 0.3) / 365.0;
        k.sqrt_t = std::sqrt(k.t);
        k.annualise = 365.0 / dte;
        k.rf_growth = std::expm1(0.04 * k.t);
        k.w_excess = u(rng);
        k.w_pop = u(rng);
        k.iv_rank_term = 0.2 * u(rng);
        k.w_return = 0.5 * u(rng);
        k.min_credit = 0.05 + 0.3 * u(rng);
        k.max_loss_cap = round % 2 ? std::numeric_limits<double>::infinity() : 2 + 8 * u(rng);
        k.min_annualized_return = 0.5 * u(rng);
        k.min_pop = 0.2 + 0.6 * u(rng);
        const double step = k.spot / 100;
        CondorCalls calls;
        const std::size_t n_calls = 1 + static_cast<std::size_t>(70 * u(rng));
        for (std::size_t j = 0; j < n_calls; ++j) {
            const double width = step * (1 + std::floor(6 * u(rng))); // unequal wings
            calls.push_back(width * (0.02 + 0.6 * u(rng)), width, k.spot * (0.9 + 0.3 * u(rng)),
                            0.1 + 0.8 * u(rng), 5 * u(rng), 4 * u(rng));
        }
        calls.derive(k);
        // A wide credit now and then: max loss <= 0 (credit_exceeds_width).
        calls.credit[0] = round % 5 == 0 ? calls.width[0] * 1.5 : calls.credit[0];
        for (int pi = 0; pi < 10; ++pi) {
            const double pw = step * (1 + std::floor(6 * u(rng)));
            const CondorPut p{
                pw * (0.02 + 0.6 * u(rng)), pw,         k.spot * (0.75 + 0.3 * u(rng)),
                0.1 + 0.8 * u(rng),         3 * u(rng), 4 * u(rng)};
            const std::size_t n = pi == 0 ? n_calls / 2 : n_calls;
            CondorOut out;
            condor_pairs(k, p, calls, n, out);
            std::array<std::int64_t, 7> counted{};
            for (std::size_t j = 0; j < n; ++j) {
                ++counted[static_cast<std::size_t>(out.status[j])];
            }
            for (std::size_t v = 0; v < counted.size(); ++v) {
                CHECK(out.by_status[v] == counted[v]);
            }
            for (std::size_t j = 0; j < n; ++j) {
                const Ref want = reference(k, p, calls, j);
                INFO("round " << round << " put " << pi << " call " << j);
                REQUIRE(out.status[j] == want.status);
                ++seen[static_cast<std::size_t>(want.status)];
                if (want.status >= k_condor_min_credit) {
                    CHECK(close(out.pop[j], want.pop, 1e-12));
                    CHECK(close(out.score[j], want.score, 1e-12));
                }
                // The scalar inline math (prob_above's) gives the kernel's pop bit for bit.
                const double credit = p.credit + calls.credit[j];
                const double scalar =
                    std::max(0.0, pm::pm_prob_above(k.spot, p.short_strike - credit, k.pop_drift,
                                                    p.short_iv, k.t, p.short_iv * k.sqrt_t) -
                                      pm::pm_prob_above(k.spot, calls.short_strike[j] + credit,
                                                        k.pop_drift, calls.short_iv[j], k.t,
                                                        calls.short_iv[j] * k.sqrt_t));
                CHECK(out.pop[j] == scalar);
                passes += want.status == k_condor_pass;
                ++checked;
            }
        }
    }
    CHECK(checked > 50000);
    CHECK(passes > 1000);
    for (const int count : seen) {
        CHECK(count > 0); // every verdict occurs
    }
}
