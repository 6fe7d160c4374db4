#pragma once
// Vectorised price + Greeks for bs_greeks_batch (internal; included by black_scholes.cpp only).
//
// A chunk of up to k_chunk options is processed as structure-of-arrays temporaries in plain
// fixed-trip loops that GCC auto-vectorises; the kernel is compiled for AVX-512 through a target
// attribute and picked at run time (other CPUs keep the scalar loop, see greeks_chunk_avx512).
// Every operation reproduces the scalar kernel's operation order exactly (black_scholes.cpp is
// built with -ffp-contract=off, see the root CMakeLists.txt: GCC would otherwise fuse a*b+c into
// FMAs in the AVX-512 code only), so the only differences from the scalar path are the vector
// exp/sinh below (measured against 113-bit references: vexp within 0.71 ulp and correctly
// rounded in 98% of arguments, vsinh_small within 0.79 ulp), which may differ from glibc's in the
// last bit. The stand-ins alone use explicit FMAs. ln(F/K) is taken from the scalar libm, because b
// is sensitive to it like |x|/s^2. Lanes the kernel cannot handle exactly like the scalar path
// (invalid inputs, s = 0 or inf, exponents in the partly-underflowing range, deep ITM |x| >= 2,
// non-finite or tiny results) are flagged and recomputed by the scalar kernel.

#include "black_normalised.hpp"
#include "screener/pricing/black_scholes.hpp"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace screener::pricing::detail::simd {

inline constexpr int k_chunk = 128; // lanes per chunk (SoA temporaries stay in L1)
inline constexpr int k_block = 8;   // lanes per block (erfcx range dispatch, region I/II series)

// The vector stand-ins below (vexp, vsinh_small) have no scalar counterpart, so they use explicit
// FMAs (the kernel's target includes fma): half the polynomial work and a smaller rounding error.

// exp(r) - 1 - r = r^2/2 + ... + r^15/15! for |r| <= ln2/2 (truncation < 1e-19 relative).
[[gnu::always_inline]] inline double vexp_tail(double r) {
    constexpr double c[14] = {1.0 / 2,
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
                              1.0 / 6227020800.0,
                              1.0 / 87178291200.0,
                              1.0 / 1307674368000.0};
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double r8 = r4 * r4;
    const double q01 = std::fma(c[1], r, c[0]);
    const double q23 = std::fma(c[3], r, c[2]);
    const double q45 = std::fma(c[5], r, c[4]);
    const double q67 = std::fma(c[7], r, c[6]);
    const double q89 = std::fma(c[9], r, c[8]);
    const double q1011 = std::fma(c[11], r, c[10]);
    const double q1213 = std::fma(c[13], r, c[12]);
    const double lowp = std::fma(std::fma(q67, r2, q45), r4, std::fma(q23, r2, q01));
    const double highp = std::fma(q1213, r4, std::fma(q1011, r2, q89));
    return r2 * std::fma(highp, r8, lowp);
}

// exp(a) for -708 < a < 709 (callers keep a in [-700, 700]): Cody-Waite reduction
// a = k ln2 + r, |r| <= ln2/2, the Taylor tail above and a fast-two-sum 1 + r so that the result
// is within 0.71 ulp (the rounding of the tail's sum costs up to ~0.2 ulp where m < 1).
[[gnu::always_inline]] inline double vexp(double a) {
    constexpr double inv_ln2 = 1.44269504088896338700e+00;
    constexpr double ln2_hi = 6.93147180369123816490e-01; // 0x3fe62e42fee00000
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    constexpr double shifter = 0x1.8p52;
    const double kd_shifted = std::fma(a, inv_ln2, shifter);
    const double kd = kd_shifted - shifter;
    const std::uint64_t kbits = std::bit_cast<std::uint64_t>(kd_shifted);
    const double r_hi = std::fma(-kd, ln2_hi, a); // exact
    const double r_lo = -kd * ln2_lo;
    const double tail = vexp_tail(r_hi + r_lo);
    const double hi = 1.0 + r_hi;
    const double lo = (1.0 - hi) + r_hi; // exact (fast two-sum, |r_hi| < 1)
    const double m = hi + (lo + (r_lo + tail));
    const double two_k = std::bit_cast<double>((kbits + 1023u) << 52);
    return m * two_k;
}

// vexp(a) for 0 <= a <= 0.22 (Cody's small-range exp(y^2)): no reduction, and the Taylor tail
// to a^12/12! (truncation < 5e-19).
[[gnu::always_inline]] inline double vexp_small(double a) {
    constexpr double c[11] = {1.0 / 2,       1.0 / 6,        1.0 / 24,       1.0 / 120,
                              1.0 / 720,     1.0 / 5040,     1.0 / 40320,    1.0 / 362880,
                              1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600};
    const double a2 = a * a;
    const double a4 = a2 * a2;
    const double a8 = a4 * a4;
    const double q01 = std::fma(c[1], a, c[0]);
    const double q23 = std::fma(c[3], a, c[2]);
    const double q45 = std::fma(c[5], a, c[4]);
    const double q67 = std::fma(c[7], a, c[6]);
    const double q89 = std::fma(c[9], a, c[8]);
    const double lowp = std::fma(std::fma(q67, a2, q45), a4, std::fma(q23, a2, q01));
    const double highp = std::fma(c[10], a2, q89);
    const double tail = a2 * std::fma(highp, a8, lowp);
    const double hi = 1.0 + a;
    const double lo = (1.0 - hi) + a; // exact (fast two-sum)
    return hi + (lo + tail);
}

// sinh(a) for 0 <= a < 1: odd Taylor series to a^23 (truncation < 1e-23), within 0.79 ulp.
[[gnu::always_inline]] inline double vsinh_small(double a) {
    constexpr double c[11] = {1.0 / 6,
                              1.0 / 120,
                              1.0 / 5040,
                              1.0 / 362880,
                              1.0 / 39916800,
                              1.0 / 6227020800.0,
                              1.0 / 1307674368000.0,
                              1.0 / 355687428096000.0,
                              1.0 / 121645100408832000.0,
                              1.0 / 51090942171709440000.0,
                              1.0 / 25852016738884976640000.0};
    const double a2 = a * a;
    double p = c[10];
    p = std::fma(p, a2, c[9]);
    p = std::fma(p, a2, c[8]);
    p = std::fma(p, a2, c[7]);
    p = std::fma(p, a2, c[6]);
    p = std::fma(p, a2, c[5]);
    p = std::fma(p, a2, c[4]);
    p = std::fma(p, a2, c[3]);
    p = std::fma(p, a2, c[2]);
    p = std::fma(p, a2, c[1]);
    p = std::fma(p, a2, c[0]);
    return std::fma(a, a2 * p, a);
}

// Cody's first range as a fraction: erf(y) = y * num / den, from ysq = y^2.
struct CodySmall {
    double num, den;
};
[[gnu::always_inline]] inline CodySmall cody_small(double ysq) {
    double num = k_cody_a[4] * ysq;
    double den = ysq;
    num = (num + k_cody_a[0]) * ysq;
    den = (den + k_cody_b[0]) * ysq;
    num = (num + k_cody_a[1]) * ysq;
    den = (den + k_cody_b[1]) * ysq;
    num = (num + k_cody_a[2]) * ysq;
    den = (den + k_cody_b[2]) * ysq;
    return {num + k_cody_a[3], den + k_cody_b[3]};
}

// Cody's ranges of y as bits, so that a block of lanes can OR them and skip absent ranges.
inline constexpr std::int64_t k_range_small = 1, k_range_mid = 2, k_range_tail = 4;
[[gnu::always_inline]] inline std::int64_t cody_range(double y) {
    const std::int64_t beyond = y > k_cody_mid ? k_range_tail : 0; // NaN: no range
    return y <= k_cody_small ? k_range_small : (y <= k_cody_mid ? k_range_mid : beyond);
}

// Cody's tail fraction (num, den) from tsq = 1/y^2, as in cody_tail_w.
struct CodyTail {
    double num, den;
};
[[gnu::always_inline]] inline CodyTail cody_tail(double tsq) {
    const double t4 = tsq * tsq;
    const double num = (k_cody_p[4] + k_cody_p[3] * tsq) + (k_cody_p[2] + k_cody_p[1] * tsq) * t4 +
                       (k_cody_p[0] + k_cody_p[5] * tsq) * (t4 * t4);
    const double den = (k_cody_q[4] + k_cody_q[3] * tsq) + (k_cody_q[2] + k_cody_q[1] * tsq) * t4 +
                       (k_cody_q[0] + tsq) * (t4 * t4);
    return {num, den};
}

// erfcx(y) for y >= 0 over a block of k_block lanes whose Cody ranges are among Small/Mid/Tail,
// branch-free with the same operations as detail::erfcx: every included range's numerator and
// denominator are formed on in-range stand-ins, the selected pair shares one division. Ranges
// absent from the block are not evaluated (the divisions dominate the kernel's cost).
template <bool Small, bool Mid, bool Tail>
[[gnu::always_inline]] inline void verfcx_block(const double* yv, double* out) {
    for (int l = 0; l < k_block; ++l) {
        const double y = yv[l];
        const bool in_small = y <= k_cody_small;
        const bool in_mid = y <= k_cody_mid;
        double qn = 0.0, qd = 1.0, ysq = 0.0, y_tail = 5.0;
        if constexpr (Tail) {
            y_tail = in_mid ? 5.0 : y;
            const double tsq = 1.0 / (y_tail * y_tail);
            const CodyTail tail = cody_tail(tsq);
            qn = tsq * tail.num; // w = (tsq num) / den
            qd = tail.den;
        }
        if constexpr (Mid) {
            const Powers p = powers(in_small | !in_mid ? 1.0 : y);
            qn = in_mid ? cody_mid_num(p) : qn;
            qd = in_mid ? cody_mid_den(p) : qd;
        }
        if constexpr (Small) {
            const double y_small = in_small ? y : 0.25;
            ysq = y_small * y_small;
            const CodySmall small = cody_small(ysq); // erf = (y num) / den
            qn = in_small ? y_small * small.num : qn;
            qd = in_small ? small.den : qd;
        }
        const double quot = qn / qd;
        double r = quot;
        if constexpr (Small) {
            r = in_small ? vexp_small(ysq) * (1.0 - quot) : r;
        }
        if constexpr (Tail) {
            r = in_mid ? r : (k_inv_sqrt_pi - quot) / y_tail;
        }
        out[l] = r;
    }
}

// mills_left(h) for h <= 0 over a block, like verfcx_block (the middle range's 1/den is the
// shared quotient with numerator 1).
template <bool Small, bool Mid, bool Tail>
[[gnu::always_inline]] inline void vmills_block(const double* hv, double* m0, double* m1) {
    for (int l = 0; l < k_block; ++l) {
        const double h = hv[l];
        const double y = -h * k_inv_sqrt2;
        const bool in_small = y <= k_cody_small;
        const bool in_mid = y <= k_cody_mid;
        double qn = 0.0, qd = 1.0, ysq = 0.0, y_tail = 5.0;
        Powers p{1.0, 1.0, 1.0, 1.0};
        if constexpr (Tail) {
            y_tail = in_mid ? 5.0 : y;
            const double tsq = 1.0 / (y_tail * y_tail);
            const CodyTail tail = cody_tail(tsq);
            qn = tsq * tail.num;
            qd = tail.den;
        }
        if constexpr (Mid) {
            p = powers(in_small | !in_mid ? 1.0 : y);
            qn = in_mid ? 1.0 : qn;
            qd = in_mid ? cody_mid_den(p) : qd;
        }
        if constexpr (Small) {
            const double y_small = in_small ? y : 0.25;
            ysq = y_small * y_small;
            const CodySmall small = cody_small(ysq);
            qn = in_small ? y_small * small.num : qn;
            qd = in_small ? small.den : qd;
        }
        const double quot = qn / qd;
        double r0 = 0.0, r1 = 0.0;
        if constexpr (Tail) {
            r0 = k_sqrt_half_pi * (k_inv_sqrt_pi - quot) / y_tail;
            r1 = k_sqrt_pi * quot;
        }
        if constexpr (Mid) {
            r0 = in_mid ? k_sqrt_half_pi * cody_mid_num(p) * quot : r0;
            r1 = in_mid ? estrin9(k_mills1_n_asc, p) * quot : r1;
        }
        if constexpr (Small) {
            const double m0_small = k_sqrt_half_pi * (vexp_small(ysq) * (1.0 - quot));
            r0 = in_small ? m0_small : r0;
            r1 = in_small ? 1.0 + h * m0_small : r1;
        }
        m0[l] = r0;
        m1[l] = r1;
    }
}

// Calls F<Small, Mid, Tail> for the ranges present in mask (all three if none: NaN lanes).
template <template <bool, bool, bool> class F, typename... A>
[[gnu::always_inline]] inline void by_ranges(std::int64_t mask, A... args) {
    switch (mask) {
    case 1:
        F<true, false, false>::run(args...);
        break;
    case 2:
        F<false, true, false>::run(args...);
        break;
    case 3:
        F<true, true, false>::run(args...);
        break;
    case 4:
        F<false, false, true>::run(args...);
        break;
    case 5:
        F<true, false, true>::run(args...);
        break;
    case 6:
        F<false, true, true>::run(args...);
        break;
    default:
        F<true, true, true>::run(args...);
        break;
    }
}
template <bool S, bool M, bool T>
struct VerfcxBlock {
    [[gnu::always_inline]] static void run(const double* y, double* out) {
        verfcx_block<S, M, T>(y, out);
    }
};
template <bool S, bool M, bool T>
struct VmillsBlock {
    [[gnu::always_inline]] static void run(const double* h, double* m0, double* m1) {
        vmills_block<S, M, T>(h, m0, m1);
    }
};

struct BatchIn {
    const OptionType* type;
    const double *spot, *strike, *t, *r, *q, *sigma;
};

// Processes n <= k_chunk options; sets fallback[j] = 1 where out[j] must be recomputed by the
// scalar kernel (out[j] is then left unspecified).
[[gnu::always_inline]] inline void greeks_chunk_body(int n, BatchIn in, Greeks* out,
                                                     unsigned char* fallback) {
    alignas(64) double ts[k_chunk], sp[k_chunk], kk[k_chunk], tt[k_chunk], rr[k_chunk], qq[k_chunk],
        sg[k_chunk];
    alignas(64) double ratio[k_chunk], lm[k_chunk];
    alignas(64) double x[k_chunk], scale[k_chunk], sqrt_t[k_chunk], s[k_chunk], df_r[k_chunk],
        df_q[k_chunk], intrinsic[k_chunk];
    alignas(64) double h[k_chunk], th[k_chunk], d1[k_chunk], d2[k_chunk], e[k_chunk], vega[k_chunk],
        hbm[k_chunk], mant[k_chunk];
    alignas(64) double e1[k_chunk], e2[k_chunk], mills0[k_chunk], mills1[k_chunk], y1[k_chunk],
        y2[k_chunk];
    alignas(64) std::int64_t rg1[k_chunk], rg2[k_chunk], rgm[k_chunk]; // cody_range bits
    alignas(64) double g_price[k_chunk], g_delta[k_chunk], g_gamma[k_chunk], g_theta[k_chunk],
        g_vega[k_chunk], g_rho[k_chunk];
    // Flags as 64-bit integers so every loop works on one element width (full-width vectors).
    alignas(64) std::int64_t bad[k_chunk], dead[k_chunk];
    alignas(64) std::int64_t region[k_chunk]; // 0: dead lane, 1: I, 2: II, 3: III, 4: IV

    // Inputs, with harmless stand-ins for invalid options. Options and padding (to a whole number
    // of blocks, results discarded) in separate loops, the option type in a third: each loop then
    // works on one element width and vectorises.
    const int m = (n + k_block - 1) / k_block * k_block;
    const auto load = [&](int j, double spot, double strike, double t, double r, double q,
                          double sigma) {
        const bool valid =
            (spot > 0) & (strike > 0) & (t >= 0) & (sigma >= 0) & !std::isnan(r) & !std::isnan(q);
        bad[j] = !valid;
        sp[j] = valid ? spot : 1.0;
        kk[j] = valid ? strike : 1.0;
        tt[j] = valid ? t : 1.0;
        rr[j] = valid ? r : 0.0;
        qq[j] = valid ? q : 0.0;
        sg[j] = valid ? sigma : 0.2;
        ratio[j] = sp[j] / kk[j];
    };
    for (int j = 0; j < n; ++j) {
        load(j, in.spot[j], in.strike[j], in.t[j], in.r[j], in.q[j], in.sigma[j]);
    }
    // Padding keeps the last option's t, r, q so that a chain stays uniform (see below).
    for (int j = n; j < m; ++j) {
        load(j, 1.0, 1.0, in.t[n - 1], in.r[n - 1], in.q[n - 1], 0.2);
    }
    for (int j = 0; j < n; ++j) {
        ts[j] = in.type[j] == OptionType::Put ? -1.0 : 1.0;
    }
    for (int j = n; j < m; ++j) {
        ts[j] = 1.0;
    }
    // ln(F/K) from the scalar libm, exactly as detail::normalise.
    for (int j = 0; j < m; ++j) {
        const double rt = ratio[j];
        lm[j] = rt > 0.5 && rt < 2.0 ? std::log1p((sp[j] - kk[j]) / kk[j]) : std::log(rt);
    }
    // x, scale, s and the discount factors e^{-rt}, e^{-qt} from the exponentials' arguments.
    const auto normalise = [&](int j, bool args_ok, double e_scale, double e_r, double e_q,
                               double st) {
        const double spot = sp[j], strike = kk[j], t = tt[j], r = rr[j], q = qq[j], sigma = sg[j];
        const double xs = lm[j] + (r - q) * t;
        const double sc = std::sqrt(spot) * std::sqrt(strike) * e_scale;
        const double sv = sigma * st;
        x[j] = xs;
        scale[j] = sc;
        sqrt_t[j] = st;
        s[j] = sv;
        df_r[j] = e_r;
        df_q[j] = e_q;
        const bool ok =
            args_ok & (sv > 0) & !std::isinf(sv) & std::isfinite(xs) & (sc > 0) & std::isfinite(sc);
        bad[j] = bad[j] | !ok;
    };
    // An option chain shares (t, r, q) across its strikes: then the three exponentials and sqrt(t)
    // are evaluated once for the chunk (same arguments bit for bit, so the same results).
    std::uint64_t differs = 0;
    for (int j = 0; j < m; ++j) {
        differs |= (std::bit_cast<std::uint64_t>(tt[j]) ^ std::bit_cast<std::uint64_t>(tt[0])) |
                   (std::bit_cast<std::uint64_t>(rr[j]) ^ std::bit_cast<std::uint64_t>(rr[0])) |
                   (std::bit_cast<std::uint64_t>(qq[j]) ^ std::bit_cast<std::uint64_t>(qq[0]));
    }
    if (differs == 0 && m > 0) {
        const double t = tt[0], r = rr[0], q = qq[0];
        const double a_scale = -0.5 * (r + q) * t;
        const double a_r = -r * t;
        const double a_q = -q * t;
        const bool args_ok =
            (std::fabs(a_scale) <= 700.0) & (std::fabs(a_r) <= 700.0) & (std::fabs(a_q) <= 700.0);
        const double e_scale = vexp(args_ok ? a_scale : 0.0);
        const double e_r = vexp(args_ok ? a_r : 0.0);
        const double e_q = vexp(args_ok ? a_q : 0.0);
        const double st = std::sqrt(t);
        for (int j = 0; j < m; ++j) {
            normalise(j, args_ok, e_scale, e_r, e_q, st);
        }
    } else {
        for (int j = 0; j < m; ++j) {
            const double t = tt[j], r = rr[j], q = qq[j];
            const double a_scale = -0.5 * (r + q) * t;
            const double a_r = -r * t;
            const double a_q = -q * t;
            const bool args_ok = (std::fabs(a_scale) <= 700.0) & (std::fabs(a_r) <= 700.0) &
                                 (std::fabs(a_q) <= 700.0);
            normalise(j, args_ok, vexp(args_ok ? a_scale : 0.0), vexp(args_ok ? a_r : 0.0),
                      vexp(args_ok ? a_q : 0.0), std::sqrt(t));
        }
    }
    for (int j = 0; j < m; ++j) {
        const double xs = x[j];
        const double half_abs_x = 0.5 * std::fabs(xs);
        const bool itm = ts[j] * xs > 0;
        intrinsic[j] = itm ? 2.0 * vsinh_small(half_abs_x < 1.0 ? half_abs_x : 0.0) : 0.0;
        bad[j] = bad[j] | (itm & !(half_abs_x < 1.0));
    }
    for (int j = 0; j < m; ++j) {
        const double xs = x[j];
        const double sv = bad[j] ? 1.0 : s[j];
        const double xfv = -std::fabs(xs);
        const double hv = xfv / sv;
        const double thv = 0.5 * sv;
        const double d1v = hv + thv;
        const double d2v = hv - thv;
        const double exponent = -0.5 * (hv * hv + thv * thv);
        const bool live = (exponent > -700.0) & (xfv > -1400.0);
        // So deep that every Gaussian factor underflows to exactly 0 in the scalar kernel too
        // (e, phi(d1), phi(d2), and the split product in scaled_black while scale < 1e20): the
        // price is the discounted intrinsic (or 0) and N(d1), N(d2) are exactly 0 or 1.
        const bool dead_lane =
            (exponent < -800.0) & (d1v <= -40.0) & (xfv > -1400.0) & (scale[j] < 1e20);
        const bool exp_ok = live | dead_lane;
        const double ev_live = vexp(live ? exponent : 0.0);
        const double ev = dead_lane ? 0.0 : ev_live;
        const double hb = vexp(exp_ok ? 0.5 * xfv : 0.0);
        dead[j] = dead_lane;
        h[j] = hv;
        th[j] = thv;
        d1[j] = d1v;
        d2[j] = d2v;
        e[j] = ev;
        vega[j] = k_inv_sqrt_2pi * ev;
        hbm[j] = hb;
        // Region as a chain of plain selects (a nested ?: blocks if-conversion).
        std::int64_t reg = d1v < 0 ? 3 : 4;
        reg = thv < k_region_small_t ? 2 : reg;
        reg = d1v <= k_region_asymptotic ? 1 : reg;
        region[j] = dead_lane ? 0 : reg;
        mant[j] = 0.0;
        bad[j] = bad[j] | !exp_ok;
    }
    // erfcx at |d1|/sqrt2 and -d2/sqrt2, and region II's M(h), M'(h), block by block over the
    // Cody ranges present (only region II lanes count for the latter).
    for (int j = 0; j < m; ++j) {
        y1[j] = std::fabs(d1[j]) * k_inv_sqrt2;
        y2[j] = -d2[j] * k_inv_sqrt2;
        rg1[j] = cody_range(y1[j]);
        rg2[j] = cody_range(y2[j]);
        rgm[j] = region[j] == 2 ? cody_range(-h[j] * k_inv_sqrt2) | 8 : 0; // 8: region II
    }
    for (int j0 = 0; j0 < m; j0 += k_block) {
        std::int64_t mask1 = 0, mask2 = 0, maskm = 0;
        for (int j = j0; j < j0 + k_block; ++j) {
            mask1 |= rg1[j];
            mask2 |= rg2[j];
            maskm |= rgm[j];
        }
        by_ranges<VerfcxBlock>(mask1, y1 + j0, e1 + j0);
        by_ranges<VerfcxBlock>(mask2, y2 + j0, e2 + j0);
        if (maskm != 0) {
            by_ranges<VmillsBlock>(maskm & 7, h + j0, mills0 + j0, mills1 + j0);
        }
    }

    // Region I (d1 <= -10): asymptotic series, per-lane termination under masks.
    for (int j0 = 0; j0 < m; j0 += k_block) {
        bool any = false;
        for (int j = j0; j < j0 + k_block; ++j) {
            any |= (region[j] == 1) & !bad[j];
        }
        if (!any) {
            continue;
        }
        double P[k_block], RHO2[k_block], OPR[k_block], INV_P2[k_block], GEO[k_block],
            RHON[k_block], COEF[k_block], SUM[k_block], OMR[k_block];
        std::int64_t act[k_block];
        for (int l = 0; l < k_block; ++l) {
            const int j = j0 + l;
            const bool use = region[j] == 1;
            const double p = use ? -d1[j] : 20.0;
            const double q = use ? -d2[j] : 21.0;
            const double t = use ? th[j] : 0.5;
            const double rho = p / q;
            OMR[l] = 2.0 * t / q;
            INV_P2[l] = 1.0 / (p * p);
            GEO[l] = 1.0;
            RHON[l] = rho;
            COEF[l] = 1.0;
            SUM[l] = 1.0;
            OPR[l] = 1.0 + rho;
            RHO2[l] = rho * rho;
            P[l] = p;
            act[l] = use ? 1 : 0;
        }
        // The activity test is reduced in the update loop itself: a separate scalar pass over
        // act[] right after its vector store was a tenth of the kernel's time.
        std::int64_t any_active = 1;
        for (int k = 1; k < 40 && any_active != 0; k += 2) {
            any_active = 0;
            const double f1 = -(2.0 * k - 1.0);
            const double f2 = -(2.0 * k + 1.0);
            for (int l = 0; l < k_block; ++l) {
                const double g1 = GEO[l] + RHON[l] * OPR[l];
                const double rn1 = RHON[l] * RHO2[l];
                const double c1 = COEF[l] * (f1 * INV_P2[l]);
                const double s1 = SUM[l] + c1 * g1;
                const double g2 = g1 + rn1 * OPR[l];
                const double rn2 = rn1 * RHO2[l];
                const double c2 = c1 * (f2 * INV_P2[l]);
                const double term = c2 * g2;
                const double s2 = s1 + term;
                const bool a = act[l] != 0;
                GEO[l] = a ? g2 : GEO[l];
                RHON[l] = a ? rn2 : RHON[l];
                COEF[l] = a ? c2 : COEF[l];
                SUM[l] = a ? s2 : SUM[l];
                const std::int64_t next = (a & !(std::fabs(term) <= 0.25 * k_eps * s2)) ? 1 : 0;
                act[l] = next;
                any_active |= next;
            }
        }
        for (int l = 0; l < k_block; ++l) {
            const int j = j0 + l;
            const double mv = k_inv_sqrt_2pi * OMR[l] * SUM[l] / P[l];
            mant[j] = region[j] == 1 ? mv : mant[j];
        }
    }

    // Region II (t < 1/2): Taylor series in t around h, same masks.
    for (int j0 = 0; j0 < m; j0 += k_block) {
        bool any = false;
        for (int j = j0; j < j0 + k_block; ++j) {
            any |= (region[j] == 2) & !bad[j];
        }
        if (!any) {
            continue;
        }
        double H[k_block], HH[k_block], T2[k_block], PREV[k_block], CUR[k_block], SUM[k_block],
            SCALE[k_block], TT[k_block];
        std::int64_t act[k_block];
        for (int l = 0; l < k_block; ++l) {
            const int j = j0 + l;
            const bool use = region[j] == 2;
            const double hv = use ? h[j] : -1.0;
            const double t = use ? th[j] : 0.25;
            const double m0 = mills0[j];
            const double m1 = mills1[j];
            H[l] = hv;
            HH[l] = hv * hv;
            T2[l] = t * t;
            TT[l] = t;
            PREV[l] = m0;
            CUR[l] = m1;
            SUM[l] = m1;
            SCALE[l] = 1.0;
            act[l] = use ? 1 : 0;
        }
        std::int64_t any_active = 1;
        for (int n1 = 1; n1 < 2 * k_taylor_terms && any_active != 0; n1 += 4) {
            any_active = 0;
            const double nd = n1;
            const double np1 = n1 + 1;
            const int n2 = n1 + 2;
            const double n2d = n2;
            const double n2p1 = n2 + 1;
            const double inv1 = k_taylor_inv[n1 >> 1];
            const double inv2 = k_taylor_inv[n2 >> 1];
            for (int l = 0; l < k_block; ++l) {
                const double hv = H[l];
                const double cur = CUR[l];
                const double prev = PREV[l];
                const double even = hv * cur + nd * prev;
                const double odd = (HH[l] + np1) * cur + (nd * hv) * prev;
                const double sc1 = SCALE[l] * (T2[l] * inv1);
                const double s1 = SUM[l] + sc1 * odd;
                const double even2 = hv * odd + n2d * even;
                const double odd2 = (HH[l] + n2p1) * odd + (n2d * hv) * even;
                const double sc2 = sc1 * (T2[l] * inv2);
                const double term = sc2 * odd2;
                const double s2 = s1 + term;
                const bool a = act[l] != 0;
                PREV[l] = a ? even2 : prev;
                CUR[l] = a ? odd2 : cur;
                SCALE[l] = a ? sc2 : SCALE[l];
                SUM[l] = a ? s2 : SUM[l];
                const std::int64_t next = (a & !(term <= 0.25 * k_eps * s2)) ? 1 : 0;
                act[l] = next;
                any_active |= next;
            }
        }
        for (int l = 0; l < k_block; ++l) {
            const int j = j0 + l;
            const double mv = k_inv_sqrt_2pi * 2.0 * TT[l] * SUM[l];
            mant[j] = region[j] == 2 ? mv : mant[j];
        }
    }

    // Regions III/IV, the price and the Greeks.
    for (int j = 0; j < m; ++j) {
        const int reg = region[j];
        const double ev = e[j];
        const double mant3 = 0.5 * (e1[j] - e2[j]);
        const double upper = 0.5 * ev * (e1[j] + e2[j]);
        const double bmax_minus = hbm[j] - upper;
        const double b4 = bmax_minus > 0.0 ? bmax_minus : 0.0; // std::max(b_max - upper, 0)
        const double mv = reg == 3 ? mant3 : mant[j];
        const double bv = reg == 4 ? b4 : mv * ev;
        const double sc = scale[j];
        const double intr = intrinsic[j];
        g_price[j] = intr > 0 ? sc * (intr + bv) : sc * bv;

        const double vg = vega[j];
        const double hb = hbm[j];
        const double phi1 = vg / hb;
        const double phi2 = vg * hb;
        const double d1f = d1[j];
        const double tail1 = k_sqrt_half_pi * e1[j] * phi1;
        const double tail2 = k_sqrt_half_pi * e2[j] * phi2;
        const double n_d1f = d1f <= 0 ? tail1 : 1.0 - tail1;
        const double n_d2f = tail2;
        const double one_m_tail1 = 1.0 - tail1;
        const double one_m_tail2 = 1.0 - tail2;
        const bool xneg = x[j] <= 0;
        const double nd1 = xneg ? n_d1f : one_m_tail2;
        const double nmd1 = xneg ? (d1f <= 0 ? one_m_tail1 : tail1) : tail2;
        const double nd2 = xneg ? n_d2f : (d1f <= 0 ? one_m_tail1 : tail1);
        const double nmd2 = xneg ? one_m_tail2 : n_d1f;
        const double tsv = ts[j];
        const double n1 = tsv > 0 ? nd1 : nmd1;
        const double n2 = tsv > 0 ? nd2 : nmd2;
        const double spot = sp[j], strike = kk[j], t = tt[j], r = rr[j], q = qq[j], sigma = sg[j];
        const double st = sqrt_t[j];
        const double dens = sc * vg;
        g_delta[j] = tsv * df_q[j] * n1;
        g_gamma[j] = dens / (spot * spot * s[j]);
        g_vega[j] = dens * st;
        g_theta[j] =
            -dens * sigma / (2 * st) + tsv * (q * spot * df_q[j] * n1 - r * strike * df_r[j] * n2);
        g_rho[j] = tsv * strike * t * df_r[j] * n2;
        const bool live =
            (hb > 1e-300) & (vg > 0) & (ev >= 1e-290) & (std::fabs(g_price[j]) >= 1e-290);
        const bool fine = (live | (dead[j] != 0)) & std::isfinite(g_price[j]) &
                          std::isfinite(g_delta[j]) & std::isfinite(g_gamma[j]) &
                          std::isfinite(g_theta[j]) & std::isfinite(g_vega[j]) &
                          std::isfinite(g_rho[j]);
        bad[j] = bad[j] | !fine;
    }
    // Separate loops: mixing the byte flags into the record stores kept both scalar.
    for (int j = 0; j < n; ++j) {
        out[j] = Greeks{g_price[j], g_delta[j], g_gamma[j], g_theta[j], g_vega[j], g_rho[j]};
    }
    for (int j = 0; j < n; ++j) {
        fallback[j] = bad[j] != 0;
    }
}

// The kernel is built for AVX-512 only (512-bit vectors; the ISA's masks make the selects
// cheap). Measured on the bench grid, AVX2 and SSE2 builds of the same loops were no faster than
// the scalar kernel (4 or 2 lanes against ~5 selected evaluations per lane), so CPUs without
// AVX-512 keep the scalar loop. The choice is made once per process from the CPU features
// (libgcc also checks that the OS saves the zmm state).
[[gnu::target("avx512f,fma,prefer-vector-width=512")]] inline void
greeks_chunk_avx512(int n, BatchIn in, Greeks* out, unsigned char* fallback) {
    greeks_chunk_body(n, in, out, fallback);
}
inline bool have_vector_kernel() {
    static const bool available = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("fma") != 0;
    }();
    return available;
}

} // namespace screener::pricing::detail::simd
