// The strategy engine's inline log, exp and normal CDF (src/strategy/pop_math.hpp) against libm
// over wide random ranges and the edge cases the callers can meet.
#include "strategy/pop_math.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>

using namespace screener::strategy::pm;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// Relative error, with results below the normal range compared absolutely (their relative
// precision is gone in libm too).
double rel_err(double got, double want) {
    if (std::isnan(want)) {
        return std::isnan(got) ? 0.0 : inf;
    }
    if (std::isinf(want)) {
        return got == want ? 0.0 : inf;
    }
    const double scale = std::max(std::abs(want), 0x1p-1000);
    return std::abs(got - want) / scale;
}

// For erfc and N: results below 4e-307 are flushed to 0 by design (pop_math.hpp).
double rel_err_flushed(double got, double want) {
    if (std::abs(want) < 4e-307) {
        return std::abs(got) < 4e-307 ? 0.0 : inf;
    }
    return rel_err(got, want);
}

// Uniform in log scale over [2^lo, 2^hi].
double log_uniform(std::mt19937_64& rng, double lo, double hi) {
    std::uniform_real_distribution<double> e(lo, hi);
    return std::exp2(e(rng));
}

} // namespace

TEST_CASE("pm_log matches std::log", "[strategy][pop_math]") {
    std::mt19937_64 rng(1);
    double worst = 0;
    for (int i = 0; i < 400000; ++i) {
        const double x = log_uniform(rng, -1070, 1020);
        worst = std::max(worst, rel_err(pm_log(x), std::log(x)));
    }
    // Near 1, where ln x is small and cancellation would show.
    std::uniform_real_distribution<double> near1(0.5, 2.0);
    for (int i = 0; i < 400000; ++i) {
        const double x = near1(rng);
        worst = std::max(worst, rel_err(pm_log(x), std::log(x)));
    }
    for (const double x :
         {1.0, 1.0 + 0x1p-52, 1.0 - 0x1p-53, 0x1p-1074, 0x1p-1022,
          std::numeric_limits<double>::max(), 2.0, 0.5, 0.7071067811865476, 1.4142135623730951}) {
        worst = std::max(worst, rel_err(pm_log(x), std::log(x)));
    }
    CHECK(worst < 1e-15);
    CHECK(pm_log(1.0) == 0.0);
    CHECK(pm_log(0.0) == -inf);
    CHECK(pm_log(inf) == inf);
    CHECK(std::isnan(pm_log(-1.0)));
    CHECK(std::isnan(pm_log(-inf)));
    CHECK(std::isnan(pm_log(nan_v)));
}

TEST_CASE("pm_exp matches std::exp", "[strategy][pop_math]") {
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<double> wide(-745.0, 709.7);
    std::uniform_real_distribution<double> narrow(-2.0, 2.0);
    double worst = 0;
    for (int i = 0; i < 400000; ++i) {
        const double a = wide(rng);
        worst = std::max(worst, rel_err(pm_exp(a), std::exp(a)));
        const double b = narrow(rng);
        worst = std::max(worst, rel_err(pm_exp(b), std::exp(b)));
        const double c = log_uniform(rng, -1074, 0) * (i % 2 ? 1 : -1);
        worst = std::max(worst, rel_err(pm_exp(c), std::exp(c)));
    }
    for (const double a : {0.0, -0.0, 1.0, -1.0, 709.78, -708.3, -720.0, -744.0, 0.5 * M_LN2}) {
        worst = std::max(worst, rel_err(pm_exp(a), std::exp(a)));
    }
    CHECK(worst < 1e-15);
    CHECK(pm_exp(0.0) == 1.0);
    CHECK(pm_exp(710.0) == inf);
    CHECK(pm_exp(1e300) == inf);
    CHECK(pm_exp(inf) == inf);
    CHECK(pm_exp(-746.0) == 0.0);
    CHECK(pm_exp(-1e300) == 0.0);
    CHECK(pm_exp(-inf) == 0.0);
    CHECK(std::isnan(pm_exp(nan_v)));
}

TEST_CASE("pm_erfc and pm_norm_cdf match libm", "[strategy][pop_math]") {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> wide(-30.0, 30.0);
    std::uniform_real_distribution<double> core(-5.0, 5.0);
    double worst = 0;
    for (int i = 0; i < 400000; ++i) {
        for (const double z : {wide(rng), core(rng), log_uniform(rng, -80, 5) * (i % 2 ? 1 : -1)}) {
            worst = std::max(worst, rel_err_flushed(pm_erfc(z), std::erfc(z)));
            const double x = z * 1.4142135623730951;
            worst =
                std::max(worst, rel_err_flushed(pm_norm_cdf(x), 0.5 * std::erfc(-x * k_inv_sqrt2)));
        }
    }
    // Range boundaries of Cody's approximation and the clamps.
    for (const double z :
         {0.0, -0.0, 0.46875, -0.46875, 0.46875 + 1e-16, 4.0, -4.0, 4.000000000000001, 26.0, 26.5,
          27.0, 27.3, 28.0, -28.0, 1e-300, -1e-300, 5e-324}) {
        worst = std::max(worst, rel_err_flushed(pm_erfc(z), std::erfc(z)));
    }
    CHECK(worst < 1e-14);
    CHECK(pm_erfc(0.0) == 1.0);
    CHECK(pm_erfc(30.0) == 0.0);
    CHECK(pm_erfc(inf) == 0.0);
    CHECK(pm_erfc(-inf) == 2.0);
    CHECK(pm_erfc(-30.0) == 2.0);
    CHECK(std::isnan(pm_erfc(nan_v)));
    CHECK(pm_norm_cdf(-inf) == 0.0);
    CHECK(pm_norm_cdf(inf) == 1.0);
    CHECK(pm_norm_cdf(0.0) == 0.5);
    CHECK(std::isnan(pm_norm_cdf(nan_v)));
}

TEST_CASE("pm_prob_above matches the libm formula", "[strategy][pop_math]") {
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double worst = 0;
    for (int i = 0; i < 200000; ++i) {
        const double spot = 1 + 1000 * u(rng);
        const double level = spot * std::exp(2.0 * (u(rng) - 0.5));
        const double sigma = 0.02 + 2.0 * u(rng);
        const double t = 1.0 / 365 + 2.0 * u(rng);
        const double mu = 0.1 * (u(rng) - 0.5);
        const double sd = sigma * std::sqrt(t);
        const double d2 = (std::log(spot / level) + (mu - 0.5 * sigma * sigma) * t) / sd;
        const double want = 0.5 * std::erfc(-d2 * k_inv_sqrt2);
        // N's relative condition number is about |d2| in the lower tail and d2 carries a
        // rounding error of about |d2| ulps: allow for d2^2.
        const double err = rel_err_flushed(pm_prob_above(spot, level, mu, sigma, t, sd), want);
        worst = std::max(worst, err / std::max(1.0, d2 * d2));
    }
    CHECK(worst < 1e-14);
    CHECK(pm_prob_above(100, 0.0, 0.0, 0.2, 0.1, 0.2 * std::sqrt(0.1)) == 1.0);
    CHECK(pm_prob_above(100, -5.0, 0.0, 0.2, 0.1, 0.2 * std::sqrt(0.1)) == 1.0);
    CHECK(pm_prob_above(100, nan_v, 0.0, 0.2, 0.1, 0.2 * std::sqrt(0.1)) == 1.0);
}

TEST_CASE("range-restricted erfc agrees with pm_erfc bit for bit", "[strategy][pop_math]") {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> wide(-30.0, 30.0);
    std::uniform_real_distribution<double> core(-1.0, 1.0);
    for (int i = 0; i < 20000; ++i) {
        double z[16], got[16];
        for (int l = 0; l < 16; ++l) {
            // Blocks with one, two or three ranges, and now and then a NaN or an infinity.
            z[l] =
                i % 3 == 0 ? core(rng) : (i % 3 == 1 ? 0.5 + 3 * std::abs(core(rng)) : wide(rng));
        }
        if (i % 97 == 0) {
            z[i % 16] = i % 2 ? nan_v : -inf;
        }
        pm_erfc_block<16>(z, got);
        for (int l = 0; l < 16; ++l) {
            const double want = pm_erfc(z[l]);
            CHECK((std::isnan(want) ? std::isnan(got[l]) : got[l] == want));
            const double scalar = pm_erfc_scalar(z[l]);
            CHECK((std::isnan(want) ? std::isnan(scalar) : scalar == want));
        }
    }
}
