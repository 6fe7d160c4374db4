// The elementary functions the implied vol solver uses on AVX-512 CPUs in place of libm
// (src/pricing/black_normalised.hpp): ln, ln(1 + d) and 2 sinh against long double references.
// Their vector mirrors are checked through implied_vol_batch == implied_vol (pricing_iv_test).
#include "pricing/black_normalised.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace screener::pricing::detail;

namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();

// |got - exact| in units of the last place of the exact value (as a double).
double ulps(double got, long double exact) {
    const double rounded = static_cast<double>(exact);
    const double ulp = std::nextafter(std::fabs(rounded), k_inf) - std::fabs(rounded);
    return static_cast<double>(std::fabs(static_cast<long double>(got) - exact) / ulp);
}

// Deterministic positive doubles: random bit patterns over the whole exponent range.
std::vector<double> random_positive(int count) {
    std::vector<double> out;
    std::uint64_t state = 0x243F6A8885A308D3ull;
    while (static_cast<int>(out.size()) < count) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const double a = std::bit_cast<double>(state >> 1);
        if (std::isfinite(a) && a > 0) {
            out.push_back(a);
        }
    }
    return out;
}

} // namespace

TEST_CASE("log_own is within 0.52 ulps of ln over the whole range", "[pricing][math]") {
    std::vector<double> args = random_positive(200000);
    for (int i = -100000; i <= 100000; ++i) {
        args.push_back(1.0 + i * 1e-6);  // around 1, where ln is small
        args.push_back(1.0 + i * 1e-13); // very close to 1
    }
    for (double a = 0.70; a < 1.42; a += 1.0 / 4096) {
        args.push_back(a); // every table interval, edges included
        args.push_back(std::nextafter(a, 0.0));
    }
    args.push_back(std::numeric_limits<double>::denorm_min());
    args.push_back(3e-310);
    args.push_back(std::numeric_limits<double>::max());
    double worst = 0;
    double worst_at = 0;
    for (const double a : args) {
        const long double exact = std::log(static_cast<long double>(a));
        if (exact == 0) {
            CHECK(log_own(a) == 0.0);
            continue;
        }
        const double e = ulps(log_own(a), exact);
        if (e > worst) {
            worst = e;
            worst_at = a;
        }
    }
    INFO("worst " << worst << " ulps at " << worst_at);
    CHECK(worst < 0.52);
}

TEST_CASE("log_own's special values are libm's", "[pricing][math]") {
    CHECK(log_own(0.0) == -k_inf);
    CHECK(log_own(k_inf) == k_inf);
    CHECK(std::isnan(log_own(-1.0)));
    CHECK(std::isnan(log_own(std::numeric_limits<double>::quiet_NaN())));
    CHECK(log_own(1.0) == 0.0);
    CHECK(log_own(2.0) == std::log(2.0));
}

TEST_CASE("log1p_own is within 0.55 ulps of ln(1 + d) for -0.5 < d < 1", "[pricing][math]") {
    double worst = 0;
    for (int i = -199999; i < 400000; ++i) {
        const double d = i * 2.5e-6;
        for (const double arg : {d, d * 1e-5, d * 1e-11}) {
            const long double exact = std::log1p(static_cast<long double>(arg));
            if (exact == 0) {
                CHECK(log1p_own(arg) == 0.0);
                continue;
            }
            worst = std::max(worst, ulps(log1p_own(arg), exact));
        }
    }
    INFO("worst " << worst << " ulps");
    CHECK(worst < 0.55);
}

TEST_CASE("two_sinh_own is within 0.75 ulps of 2 sinh(y)", "[pricing][math]") {
    double worst = 0;
    double worst_at = 0;
    for (int i = 1; i < 400000; ++i) {
        const double y = i * 2.5e-5; // 0 .. 10, both forms and the switch at 1
        for (const double arg : {y, y * 1e-7, y * 70.0}) {
            const double e = ulps(two_sinh_own(arg), 2 * std::sinh(static_cast<long double>(arg)));
            if (e > worst) {
                worst = e;
                worst_at = arg;
            }
        }
    }
    INFO("worst " << worst << " ulps at " << worst_at);
    CHECK(worst < 0.75);
    CHECK(two_sinh_own(0.0) == 0.0);
    CHECK(two_sinh_own(709.0) == static_cast<double>(2 * std::sinh(709.0L)));
    CHECK(two_sinh_own(710.0) == k_inf);
    CHECK(std::isnan(two_sinh_own(std::numeric_limits<double>::quiet_NaN())));
}
