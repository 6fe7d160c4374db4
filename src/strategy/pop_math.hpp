#pragma once
// Inline log, exp and normal CDF for the strategy engine's per-trade probabilities (PoP at the
// breakevens: N(d2) with d2 = (ln(S/B) + (mu - sigma^2/2) t) / (sigma sqrt t)).
//
// Why not libm: an iron condor costs two ln and two erfc per pair, and the libm calls are opaque
// to the vectoriser and branchy. These are straight-line code (selects, no table, no call), so
// the pair loop of condor_kernel.cpp vectorises, and they serve the scalar callers (prob_above)
// too, so that a pair measured by the batched kernel and one measured on its own agree bit for
// bit (pm_erfc_block and pm_erfc_scalar skip the Cody ranges their arguments do not need, with
// the same operations in the ranges they evaluate).
//
// Accuracy (tests/unit/strategy_pop_math_test.cpp, against glibc): pm_log and pm_exp within
// 2.3e-16 relative, pm_erfc within ~1e-15 relative down to 4e-307 and 0 below (no subnormals). No
// fma: without a global -march std::fma is a libm call, and the kernel's AVX-512 clone and the
// scalar build must round alike (the strategy files using these are built with -ffp-contract=off,
// see the root CMakeLists.txt).
//
// The Cody erfc coefficients are those of src/pricing/black_normalised.hpp.

#include "../pricing/black_normalised.hpp"

#include <bit>
#include <cstdint>
#include <limits>

namespace screener::strategy::pm {

using pricing::detail::k_cody_a;
using pricing::detail::k_cody_b;
using pricing::detail::k_cody_c_asc;
using pricing::detail::k_cody_d_asc;
using pricing::detail::k_cody_p;
using pricing::detail::k_cody_q;

inline constexpr double k_ln2_hi = 6.93147180369123816490e-01; // 11 trailing zero bits
inline constexpr double k_ln2_lo = 1.90821492927058770002e-10;
inline constexpr double k_inv_ln2 = 1.44269504088896338700e+00;
inline constexpr double k_inv_sqrt_pi = 0.56418958354775628695;
inline constexpr double k_inv_sqrt2 = 0.70710678118654752440;
inline constexpr double k_inf = std::numeric_limits<double>::infinity();
inline constexpr double k_qnan = std::numeric_limits<double>::quiet_NaN();

// 2^k for -1022 <= k <= 1023 from its exponent bits.
[[gnu::always_inline]] inline double pow2i(std::int64_t k) {
    return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

// e^a for every double: Cody-Waite reduction a = k ln2 + r (|r| <= 0.35), Taylor series of e^r
// to r^13 (truncation < 5e-18 relative) and 2^k applied in two halves so that results down to
// the subnormal range are formed without a branch. NaN in, NaN out; inf and -inf give inf and 0.
[[gnu::always_inline]] inline double pm_exp(double a) {
    const double x = a < -746.0 ? -746.0 : (a > 710.0 ? 710.0 : a); // exp under/overflows anyway
    constexpr double shifter = 0x1.8p52;
    const double kd_shifted = x * k_inv_ln2 + shifter;
    const double kd = kd_shifted - shifter; // round(x / ln2)
    const auto k = static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(kd_shifted) -
                                             std::bit_cast<std::uint64_t>(shifter));
    const double r = (x - kd * k_ln2_hi) - kd * k_ln2_lo; // kd * ln2_hi is exact
    constexpr double c[14] = {1.0,
                              1.0,
                              1.0 / 2,
                              1.0 / 6,
                              1.0 / 24,
                              1.0 / 120,
                              1.0 / 720,
                              1.0 / 5040,
                              1.0 / 40320,
                              1.0 / 362880,
                              1.0 / 3628800,
                              1.0 / 39916800,
                              1.0 / 479001600,
                              1.0 / 6227020800.0};
    // Estrin: a short dependency chain; every term after 1 + r is below 0.07 in magnitude.
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double r8 = r4 * r4;
    const double p23 = c[2] + c[3] * r;
    const double p45 = c[4] + c[5] * r;
    const double p67 = c[6] + c[7] * r;
    const double p89 = c[8] + c[9] * r;
    const double p1011 = c[10] + c[11] * r;
    const double p1213 = c[12] + c[13] * r;
    const double tail =
        r2 * ((p23 + p45 * r2) + (p67 + p89 * r2) * r4 + (p1011 + p1213 * r2) * r8); // e^r - 1 - r
    const double m = 1.0 + (r + tail);
    const std::int64_t k1 = k >> 1; // 2^k = 2^k1 * 2^(k - k1), each in the normal range
    const double result = m * pow2i(k1) * pow2i(k - k1);
    return a != a ? a : result;
}

// ln(x) for every double: x = 2^k m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) with
// s = (m - 1) / (m + 1), |s| <= 0.1716, series to s^21 (truncation < 1e-18 relative). m - 1 is
// exact (Sterbenz). Subnormals are scaled by 2^54 first; 0 gives -inf, negatives NaN, inf inf.
[[gnu::always_inline]] inline double pm_log(double x) {
    const bool subnormal = x < 0x1p-1022;
    const double xs = subnormal ? x * 0x1p54 : x;
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(xs);
    // Subtracting the bits of sqrt(1/2) puts m in [sqrt(1/2), sqrt(2)) (the exponent borrows).
    const std::uint64_t shifted = bits - 0x3fe6a09e667f3bcdULL;
    const std::int64_t k = static_cast<std::int64_t>(shifted) >> 52; // arithmetic shift
    const double m = std::bit_cast<double>(bits - (static_cast<std::uint64_t>(k) << 52));
    const double kd = static_cast<double>(k) - (subnormal ? 54.0 : 0.0);
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double z2 = z * z;
    const double z4 = z2 * z2;
    const double z8 = z4 * z4;
    // 1/3 z + 1/5 z^2 + ... + 1/21 z^10 (Estrin), so that ln m = f - s (f - 2 R), R = that sum:
    // 2 atanh s = 2s + 2s R = 2s (1 + R) and 2s = f - s f.
    const double q1 = 1.0 / 3 + (1.0 / 5) * z;
    const double q2 = 1.0 / 7 + (1.0 / 9) * z;
    const double q3 = 1.0 / 11 + (1.0 / 13) * z;
    const double q4 = 1.0 / 15 + (1.0 / 17) * z;
    const double q5 = 1.0 / 19 + (1.0 / 21) * z;
    const double rz = z * ((q1 + q2 * z2) + (q3 + q4 * z2) * z4 + q5 * z8);
    const double ln_m = f - s * (f - 2.0 * rz); // f - s f + 2 s R = 2s + 2sR
    const double result = kd * k_ln2_hi + (kd * k_ln2_lo + ln_m);
    const double special = x == 0.0 ? -k_inf : (x == k_inf ? k_inf : k_qnan);
    return x > 0.0 && x < k_inf ? result : special; // NaN fails both: NaN
}

// Beyond this erfc(y) < 4e-307 (the normal range ends at 2.2e-308): such y give 0. Arithmetic
// on subnormals is slow (microcode assists on every lane of a vector), and the deep tails of
// far out-of-the-money strikes in short expiries reach it routinely.
inline constexpr double k_erfc_normal = 26.5;

// erfc(z) for every double, Cody's three ranges (|z| <= 0.46875: 1 - erf; <= 4: e^{-z^2} times
// a rational; beyond: e^{-z^2} / |z| times the asymptotic rational), all formed on in-range
// stand-ins and selected before one division. e^{-z^2} takes the low part of the exact square
// (Veltkamp split) as a first-order correction: forming z^2 in one rounding would cost up to
// z^2 ulps. Negative z: 2 - erfc(|z|).
// pm_erfc with only the ranges flagged evaluated: exact for z in those ranges (and NaN), the
// same operations as pm_erfc there. A block of lanes whose ranges are known (pm_erfc_block)
// skips the rational functions none of its lanes needs.
template <bool Small, bool Mid, bool Tail>
[[gnu::always_inline]] inline double pm_erfc_ranges(double z) {
    const double y = z < 0.0 ? -z : z;
    const bool in_small = y <= 0.46875;
    const bool in_mid = y <= 4.0;
    double sn = 1.0, sd = 1.0, mn = 1.0, md = 1.0, tnum = 1.0, tden = 1.0;
    if constexpr (Small) {
        // Small range: erf(z) = z * num / den in ysq (Horner as in Cody).
        const double ys = in_small ? z : 0.25;
        const double ysq = ys * ys;
        sn = k_cody_a[4] * ysq;
        sd = ysq;
        sn = (sn + k_cody_a[0]) * ysq;
        sd = (sd + k_cody_b[0]) * ysq;
        sn = (sn + k_cody_a[1]) * ysq;
        sd = (sd + k_cody_b[1]) * ysq;
        sn = (sn + k_cody_a[2]) * ysq;
        sd = (sd + k_cody_b[2]) * ysq;
        sn = ys * (sn + k_cody_a[3]);
        sd = sd + k_cody_b[3];
    }
    if constexpr (Mid) {
        // Middle range: erfc(y) = e^{-y^2} C(y) / D(y) (Estrin, positive coefficients).
        const double ym0 = y < 0.46875 ? 0.46875 : y;
        const double ym = ym0 > 4.0 ? 4.0 : ym0;
        const pricing::detail::Powers pw = pricing::detail::powers(ym);
        mn = pricing::detail::estrin8(k_cody_c_asc, pw);
        md = pricing::detail::estrin8(k_cody_d_asc, pw);
    }
    if constexpr (Tail) {
        // Tail: erfc(y) = e^{-y^2} (1/sqrt(pi) - w) / y with Cody's w = t P(t) / Q(t), t = 1/y^2.
        // Multiplied through by y^10, P and Q become polynomials in u = y^2 (tn, td; grouping as
        // in cody_tail_w: num p4 + p3 t + p2 t^2 + p1 t^3 + p0 t^4 + p5 t^5, den q4 + ... + t^5),
        // w = tn / (u td), and erfc y e^{y^2} = (u td / sqrt(pi) - tn) / (u td y): no second
        // division.
        const double yt0 = y < 4.0 ? 4.0 : y;
        const double yt = yt0 > k_erfc_normal ? k_erfc_normal : yt0;
        const double u = yt * yt;
        const double u2 = u * u;
        const double u4 = u2 * u2;
        const double tn = (k_cody_p[4] * u + k_cody_p[3]) * u4 +
                          (k_cody_p[2] * u + k_cody_p[1]) * u2 + (k_cody_p[0] * u + k_cody_p[5]);
        const double td = (k_cody_q[4] * u + k_cody_q[3]) * u4 +
                          (k_cody_q[2] * u + k_cody_q[1]) * u2 + (k_cody_q[0] * u + 1.0);
        const double tq = u * td;
        tnum = tq * k_inv_sqrt_pi - tn;
        tden = tq * yt;
    }
    const double num_big = in_mid ? mn : tnum;
    const double den_big = in_mid ? md : tden;
    const double num = in_small ? sn : num_big;
    const double den = in_small ? sd : den_big;
    const double quot = num / den;
    double big = 0.0; // erfc(y), y > 0.46875
    if constexpr (Mid || Tail) {
        // e^{-y^2} with y^2 = hi + lo exactly (Veltkamp split of y, exact products).
        const double ye = y > k_erfc_normal ? k_erfc_normal : y;
        const double split = 134217729.0 * ye; // 2^27 + 1
        const double yh = split - (split - ye);
        const double yl = ye - yh;
        const double hi = ye * ye;
        const double lo = ((yh * yh - hi) + 2.0 * yh * yl) + yl * yl;
        const double ex = pm_exp(-hi) * (1.0 - lo);
        big = y > k_erfc_normal ? 0.0 : ex * quot;
    }
    const double big_signed = z < 0.0 ? 2.0 - big : big;
    const double result = in_small ? 1.0 - quot : big_signed;
    return z != z ? z : result;
}

[[gnu::always_inline]] inline double pm_erfc(double z) {
    return pm_erfc_ranges<true, true, true>(z);
}

// Cody's range of z as a bit (1 small, 2 middle, 4 tail; NaN none).
[[gnu::always_inline]] inline std::int64_t pm_erfc_range(double z) {
    const double y = z < 0.0 ? -z : z;
    const std::int64_t beyond = y > 4.0 ? 4 : 0;
    return y <= 0.46875 ? 1 : (y <= 4.0 ? 2 : beyond);
}

template <bool Small, bool Mid, bool Tail, int N>
[[gnu::always_inline]] inline void pm_erfc_fixed(const double* z, double* out) {
    for (int i = 0; i < N; ++i) {
        out[i] = pm_erfc_ranges<Small, Mid, Tail>(z[i]);
    }
}

// out[i] = pm_erfc(z[i]) for a block of N values, evaluating only the ranges present.
template <int N>
[[gnu::always_inline]] inline void pm_erfc_block(const double* z, double* out) {
    std::int64_t mask = 0;
    for (int i = 0; i < N; ++i) {
        mask |= pm_erfc_range(z[i]);
    }
    switch (mask) {
    case 1:
        pm_erfc_fixed<true, false, false, N>(z, out);
        break;
    case 2:
        pm_erfc_fixed<false, true, false, N>(z, out);
        break;
    case 3:
        pm_erfc_fixed<true, true, false, N>(z, out);
        break;
    case 4:
        pm_erfc_fixed<false, false, true, N>(z, out);
        break;
    case 5:
        pm_erfc_fixed<true, false, true, N>(z, out);
        break;
    case 6:
        pm_erfc_fixed<false, true, true, N>(z, out);
        break;
    default: // all three, or only NaN
        pm_erfc_fixed<true, true, true, N>(z, out);
        break;
    }
}

// pm_erfc for scalar callers: one branch on the range, then only that range's work (the same
// operations, so the same result as pm_erfc).
inline double pm_erfc_scalar(double z) {
    const double y = z < 0.0 ? -z : z;
    if (y <= 0.46875) {
        return pm_erfc_ranges<true, false, false>(z);
    }
    if (y <= 4.0) {
        return pm_erfc_ranges<false, true, false>(z);
    }
    if (y > 4.0) {
        return pm_erfc_ranges<false, false, true>(z);
    }
    return z; // NaN
}

// N(x) = erfc(-x / sqrt 2) / 2, as pricing::norm_cdf forms it.
[[gnu::always_inline]] inline double pm_norm_cdf(double x) {
    return 0.5 * pm_erfc(-x * k_inv_sqrt2);
}

// P(S_T > level) = N(d2), d2 = (ln(spot / level) + drift_term) x inv_sd, from the per-volatility
// constants drift_term = (mu - sigma^2/2) t and inv_sd = 1 / (sigma sqrt t), which a loop over
// pairs computes once per leg (a multiplication instead of a division per pair). level <= 0 (a
// breakeven below zero) or NaN: 1.
[[gnu::always_inline]] inline double pm_prob_above_pre(double spot, double level, double drift_term,
                                                       double inv_sd) {
    const double d2 = (pm_log(spot / level) + drift_term) * inv_sd;
    return level > 0.0 ? pm_norm_cdf(d2) : 1.0;
}
// The erfc argument of pm_prob_above_pre: P = erfc(z) / 2 (z = -inf for level <= 0 or NaN,
// which gives exactly 1).
[[gnu::always_inline]] inline double pm_prob_above_z(double spot, double level, double drift_term,
                                                     double inv_sd) {
    const double d2 = (pm_log(spot / level) + drift_term) * inv_sd;
    return level > 0.0 ? -d2 * k_inv_sqrt2 : -k_inf;
}
[[gnu::always_inline]] inline double pm_drift_term(double mu, double sigma, double t) {
    return (mu - 0.5 * sigma * sigma) * t;
}
// The same from mu, sigma, t and sd = sigma sqrt t > 0.
[[gnu::always_inline]] inline double pm_prob_above(double spot, double level, double mu,
                                                   double sigma, double t, double sd) {
    return pm_prob_above_pre(spot, level, pm_drift_term(mu, sigma, t), 1.0 / sd);
}

} // namespace screener::strategy::pm
