#pragma once
// Vector mirrors of black_normalised.hpp for the implied vol batch (internal; included by
// implied_vol.cpp only): normalised_black_with<true, true> and the elementary functions of the
// solver's AVX-512 path (exp_nonpositive<true>, log_own, log1p_own, two_sinh_own, ...), eight
// arguments at a time. GCC vector extensions in an AVX-512 target region, chosen at run time (no
// global -march). Every lane performs exactly the scalar code's operations in the same order
// (implied_vol.cpp is built with -ffp-contract=off; vfma exactly where the scalar code has
// madd<true> or std::fma), so each lane's result equals the scalar one bit for bit: regions are
// selected per lane, absent regions and Cody ranges are skipped per vector, and the series of
// regions I and II run under a mask until every lane has converged.

#include "black_normalised.hpp"

#include <cstdint>
#include <cstdlib>
#include <immintrin.h>
#include <limits>
#include <string_view>

namespace screener::pricing::detail::simd {

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,fma,prefer-vector-width=512")

typedef double vd __attribute__((vector_size(64)));
typedef std::int64_t vl __attribute__((vector_size(64)));

[[gnu::always_inline]] inline vd splat(double a) {
    return vd{a, a, a, a, a, a, a, a};
}
[[gnu::always_inline]] inline bool any(vl m) {
    // One vptestmq into a mask register (a horizontal OR of the lanes costs a chain of shuffles).
    return __builtin_ia32_ptestmq512((__v8di)m, (__v8di)m, 0xff) != 0;
}
[[gnu::always_inline]] inline vd sel(vl m, vd a, vd b) {
    return m ? a : b;
}
// madd<true>, lane by lane: a * b + c in one rounding.
[[gnu::always_inline]] inline vd vfma(vd a, vd b, vd c) {
    return (vd)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
}
[[gnu::always_inline]] inline vd vfabs(vd a) {
    return (vd)((vl)a & 0x7fffffffffffffffLL);
}

// expm1_small, lane by lane.
[[gnu::always_inline]] inline vd vexpm1_small(vd r) {
    const auto& c = k_exp_tail_coef;
    const vd r2 = r * r;
    const vd r4 = r2 * r2;
    const vd r8 = r4 * r4;
    const vd q01 = c[0] + c[1] * r;
    const vd q23 = c[2] + c[3] * r;
    const vd q45 = c[4] + c[5] * r;
    const vd q67 = c[6] + c[7] * r;
    const vd q89 = c[8] + c[9] * r;
    const vd q1011 = c[10] + c[11] * r;
    const vd lowp = (q01 + q23 * r2) + (q45 + q67 * r2) * r4;
    const vd highp = q89 + q1011 * r2;
    return r + r2 * (lowp + highp * r8);
}

// exp_parts and exp_nonpositive, lane by lane (the table through a permutation of a register).
struct VExpParts {
    vd t_hi, corr;
    vl k;
};
[[gnu::always_inline]] inline VExpParts vexp_parts(vd a) {
    const vd tab_hi = {k_exp2_8_hi[0], k_exp2_8_hi[1], k_exp2_8_hi[2], k_exp2_8_hi[3],
                       k_exp2_8_hi[4], k_exp2_8_hi[5], k_exp2_8_hi[6], k_exp2_8_hi[7]};
    const vd tab_lo = {k_exp2_8_lo[0], k_exp2_8_lo[1], k_exp2_8_lo[2], k_exp2_8_lo[3],
                       k_exp2_8_lo[4], k_exp2_8_lo[5], k_exp2_8_lo[6], k_exp2_8_lo[7]};
    const auto& c = k_exp_tail8_coef;
    const vd n_shifted = vfma(a, splat(k_exp_inv_ln2_8), splat(k_exp_shifter));
    const vd nd = n_shifted - k_exp_shifter;
    const vl n = (vl)n_shifted - std::bit_cast<std::int64_t>(k_exp_shifter);
    const vd r_hi = a - nd * k_exp_ln2_8_hi;
    const vd r_lo = nd * k_exp_ln2_8_lo;
    const vd r = r_hi - r_lo;
    const vd r2 = r * r;
    const vd r4 = r2 * r2;
    const vd q01 = vfma(splat(c[1]), r, splat(c[0]));
    const vd q23 = vfma(splat(c[3]), r, splat(c[2]));
    const vd q45 = vfma(splat(c[5]), r, splat(c[4]));
    const vd tail = r2 * vfma(vfma(splat(c[6]), r2, q45), r4, vfma(q23, r2, q01));
    const vd em1 = r_hi + (tail - r_lo);
    const vl j = n & 7;
    const vd t_hi = __builtin_shuffle(tab_hi, j);
    return {t_hi, vfma(t_hi, em1, __builtin_shuffle(tab_lo, j)), n >> 3};
}
[[gnu::always_inline]] inline vd vexp_np(vd a) {
    const vl zero = a < -745.2;
    const vd ac = sel(zero, splat(0.0), a);
    const VExpParts p = vexp_parts(ac);
    const vd m = p.t_hi + p.corr;
    const vl k = p.k;
    const vl tiny = k < -1020;
    const vl k1 = tiny ? k + 600 : k;
    const vd f1 = (vd)((k1 + 1023) << 52);
    const vd f2 = sel(tiny, splat(0x1p-600), splat(1.0));
    const vd v = m * f1 * f2;
    return sel(zero, splat(0.0), v);
}

[[gnu::always_inline]] inline vd vsqrt(vd a) {
    return (vd)_mm512_mask_sqrt_pd((__m512d)a, 0xff, (__m512d)a); // no undefined source
}
[[gnu::always_inline]] inline vd vgather(const double* table, vl index) {
    return (vd)_mm512_mask_i64gather_pd(_mm512_setzero_pd(), 0xff, (__m512i)index, table, 8);
}

// log_own_plus, lane by lane.
[[gnu::always_inline]] inline vd vlog_own_plus(vd a, vd delta) {
    const vl sub = a < 0x1p-1022;
    const vd an = sel(sub, a * 0x1p54, a);
    const vl bits = (vl)an;
    const vl tmp = bits - k_log_offset;
    const vl i = (tmp >> 46) & 63;
    const vl e_raw = tmp >> 52;
    const vd z = (vd)(bits - (e_raw << 52));
    const vd r = vfma(z, vgather(k_log_table.inv_c, i), splat(-1.0));
    const vd r2 = r * r;
    const vd r4 = r2 * r2;
    const vd p01 = vfma(splat(k_log_p[1]), r, splat(k_log_p[0]));
    const vd p23 = vfma(splat(k_log_p[3]), r, splat(k_log_p[2]));
    const vd p45 = vfma(splat(k_log_p[5]), r, splat(k_log_p[4]));
    const vd p67 = vfma(splat(k_log_p[7]), r, splat(k_log_p[6]));
    const vd poly = vfma(vfma(p67, r2, p45), r4, vfma(p23, r2, p01));
    const vl e_int = e_raw - (sub & 54);
    const vd e = __builtin_convertvector(e_int, vd);
    const vd ln_c = vgather(k_log_table.ln_c, i);
    const vd e_ln2 = e * k_ln2_hi;
    const vd hi = e_ln2 + ln_c;
    const vd hi_err = (e_ln2 - hi) + ln_c;
    const vd sum = hi + r;
    const vd r_part = sum - hi;
    const vd sum_err = (hi - (sum - r_part)) + (r - r_part);
    const vd low =
        vfma(e, splat(k_ln2_lo), vgather(k_log_table.ln_c_lo, i)) + ((hi_err + sum_err) + delta);
    const vd v = sum + vfma(r2, poly, low);
    const vl finite_positive = (a > 0.0) & (a < std::numeric_limits<double>::infinity());
    const vd special = sel(a == 0.0, splat(-std::numeric_limits<double>::infinity()),
                           sel(a > 0.0, a, splat(std::numeric_limits<double>::quiet_NaN())));
    return sel(finite_positive, v, special);
}
[[gnu::always_inline]] inline vd vlog_own(vd a) {
    return vlog_own_plus(a, splat(0.0));
}
[[gnu::always_inline]] inline vd vlog1p_own(vd d) {
    const vd u = 1.0 + d;
    return vlog_own_plus(u, (d - (u - 1.0)) / u);
}
// two_sinh_own, lane by lane (both forms where any lane needs them).
[[gnu::always_inline]] inline vd vtwo_sinh_own(vd y) {
    const vl series = y < 1.0;
    vd out = splat(0.0);
    if (any(series)) {
        const vd ys = sel(series, y, splat(0.5));
        const double* c = k_sinh_coef.v;
        const vd w = ys * ys;
        vd q = splat(c[12]);
        for (int k = 11; k >= 0; --k) {
            q = vfma(q, w, splat(c[k]));
        }
        const vd two_y = 2.0 * ys;
        out = vfma(two_y * w, q, two_y);
    }
    const vl big = ~series;
    if (any(big)) {
        const vl finite = y <= 709.78;
        const vd yb = sel(big & finite, y, splat(1.5));
        const VExpParts p = vexp_parts(yb);
        const vd scale = (vd)((p.k + 1023) << 52);
        const vd v = p.t_hi * scale + (p.corr * scale - vexp_np(-yb));
        const vd overflow =
            sel(y > 0.0, splat(std::numeric_limits<double>::infinity()), y); // NaN stays
        out = sel(big, sel(finite, v, overflow), out);
    }
    return out;
}

struct VPowers {
    vd y, y2, y4, y8;
};
[[gnu::always_inline]] inline VPowers vpowers(vd y) {
    const vd y2 = y * y;
    const vd y4 = y2 * y2;
    return {y, y2, y4, y4 * y4};
}
// estrin8<true>, estrin9<true>, cody_tail_w<true>, lane by lane.
[[gnu::always_inline]] inline vd vestrin8(const double (&a)[9], const VPowers& p) {
    const vd p01 = vfma(splat(a[1]), p.y, splat(a[0]));
    const vd p23 = vfma(splat(a[3]), p.y, splat(a[2]));
    const vd p45 = vfma(splat(a[5]), p.y, splat(a[4]));
    const vd p67 = vfma(splat(a[7]), p.y, splat(a[6]));
    return vfma(splat(a[8]), p.y8, vfma(vfma(p67, p.y2, p45), p.y4, vfma(p23, p.y2, p01)));
}
[[gnu::always_inline]] inline vd vestrin9(const double (&a)[10], const VPowers& p) {
    const vd p01 = vfma(splat(a[1]), p.y, splat(a[0]));
    const vd p23 = vfma(splat(a[3]), p.y, splat(a[2]));
    const vd p45 = vfma(splat(a[5]), p.y, splat(a[4]));
    const vd p67 = vfma(splat(a[7]), p.y, splat(a[6]));
    const vd p89 = vfma(splat(a[9]), p.y, splat(a[8]));
    return vfma(p89, p.y8, vfma(vfma(p67, p.y2, p45), p.y4, vfma(p23, p.y2, p01)));
}
[[gnu::always_inline]] inline vd vcody_tail_w(vd y) {
    const vd ysq = 1.0 / (y * y);
    const vd y4 = ysq * ysq;
    const vd y8 = y4 * y4;
    const auto& p = k_cody_p;
    const auto& q = k_cody_q;
    const vd num =
        vfma(vfma(splat(p[5]), ysq, splat(p[0])), y8,
             vfma(vfma(splat(p[1]), ysq, splat(p[2])), y4, vfma(splat(p[3]), ysq, splat(p[4]))));
    const vd den =
        vfma(q[0] + ysq, y8,
             vfma(vfma(splat(q[1]), ysq, splat(q[2])), y4, vfma(splat(q[3]), ysq, splat(q[4]))));
    return ysq * num / den;
}
// Cody's small range: erf(x) = x num / den with ysq = x^2.
[[gnu::always_inline]] inline vd vcody_small_erf(vd x) {
    const vd ysq = x * x;
    vd num = k_cody_a[4] * ysq;
    vd den = ysq;
    for (int i = 0; i < 3; ++i) {
        num = (num + k_cody_a[i]) * ysq;
        den = (den + k_cody_b[i]) * ysq;
    }
    return x * (num + k_cody_a[3]) / (den + k_cody_b[3]);
}

// erfcx<true>(x) for x >= 0 (or -0): the ranges present among the lanes, then a select.
[[gnu::always_inline]] inline vd verfcx(vd x, vl live) {
    const vd y = vfabs(x);
    const vl in_small = y <= k_cody_small;
    const vl in_mid = y <= k_cody_mid;
    vd r = splat(0.0);
    const vl tail = ~in_mid & live;
    if (any(tail)) {
        const vd yt = sel(tail, y, splat(5.0));
        r = (k_inv_sqrt_pi - vcody_tail_w(yt)) / yt;
    }
    const vl mid = in_mid & ~in_small & live;
    if (any(mid)) {
        const VPowers p = vpowers(sel(mid, y, splat(1.0)));
        const vd num = vestrin8(k_cody_c_asc, p);
        const vd den = vestrin8(k_cody_d_asc, p);
        r = sel(mid, num / den, r);
    }
    const vl small = in_small & live;
    if (any(small)) {
        const vd xs = sel(small, x, splat(0.25));
        const vd erf = vcody_small_erf(xs);
        const vd ysq = xs * xs;
        r = sel(small, vexp_np(ysq) * (1.0 - erf), r);
    }
    return r;
}

// mills_left<true>(h), h <= 0.
[[gnu::always_inline]] inline void vmills_left(vd h, vl live, vd& m0, vd& m1) {
    const vd y = -h * k_inv_sqrt2;
    const vl in_small = y <= k_cody_small;
    const vl in_mid = y <= k_cody_mid;
    m0 = splat(0.0);
    m1 = splat(0.0);
    const vl tail = ~in_mid & live;
    if (any(tail)) {
        const vd yt = sel(tail, y, splat(5.0));
        const vd w = vcody_tail_w(yt);
        m0 = k_sqrt_half_pi * (k_inv_sqrt_pi - w) / yt;
        m1 = k_sqrt_pi * w;
    }
    const vl mid = in_mid & ~in_small & live;
    if (any(mid)) {
        const VPowers p = vpowers(sel(mid, y, splat(1.0)));
        const vd inv_den = 1.0 / vestrin8(k_cody_d_asc, p);
        m0 = sel(mid, k_sqrt_half_pi * vestrin8(k_cody_c_asc, p) * inv_den, m0);
        m1 = sel(mid, vestrin9(k_mills1_n_asc, p) * inv_den, m1);
    }
    const vl small = in_small & live;
    if (any(small)) {
        // erfcx<true>(y), small range (y is its own |y| here up to the sign of zero).
        const vd ys = sel(small, y, splat(0.25));
        const vd erf = vcody_small_erf(ys);
        const vd ex = vexp_np(ys * ys) * (1.0 - erf);
        const vd ms = k_sqrt_half_pi * ex;
        m0 = sel(small, ms, m0);
        m1 = sel(small, 1.0 + h * ms, m1);
    }
}

// Eight evaluations of normalised_black_with<true, true>(x, s, b_max, tolerance); b_max >= 0.
[[gnu::always_inline]] inline void vblack(vd x, vd s, vd b_max, vd tolerance, vd& b_out,
                                          vd& vega_out, vd& upper_out, vd& mant_out,
                                          vd& exponent_out) {
    const vd h = x / s;
    const vd t = 0.5 * s;
    const vd d1 = h + t;
    const vd d2 = h - t;
    const vd exponent = -0.5 * (h * h + t * t);
    const vd e = vexp_np(exponent);
    const vd vega = k_inv_sqrt_2pi * e;
    const vl r1 = d1 <= k_region_asymptotic;
    const vl r2 = ~r1 & (t < k_region_small_t);
    const vl r3 = ~r1 & ~r2 & (d1 < 0.0);
    const vl r4 = ~r1 & ~r2 & ~r3; // NaN lanes too, as in the scalar else
    vd mant = splat(0.0);
    if (any(r1)) {
        const vd p = sel(r1, -d1, splat(20.0));
        const vd q = sel(r1, -d2, splat(21.0));
        const vd tt = sel(r1, t, splat(0.5));
        const vd rho = p / q;
        const vd one_minus_rho = 2.0 * tt / q;
        const vd inv_p2 = 1.0 / (p * p);
        vd geometric = splat(1.0);
        vd rho_n = rho;
        vd coef = splat(1.0);
        vd sum = splat(1.0);
        const vd one_plus_rho = 1.0 + rho;
        const vd rho2 = rho * rho;
        vl act = r1;
        for (int k = 1; k < 40 && any(act); k += 2) {
            const vd g1 = vfma(rho_n, one_plus_rho, geometric);
            const vd rn1 = rho_n * rho2;
            const vd c1 = coef * (-(2.0 * k - 1.0) * inv_p2);
            const vd s1 = vfma(c1, g1, sum);
            const vd g2 = vfma(rn1, one_plus_rho, g1);
            const vd rn2 = rn1 * rho2;
            const vd c2 = c1 * (-(2.0 * k + 1.0) * inv_p2);
            const vd term = c2 * g2;
            const vd s2 = vfma(c2, g2, s1);
            // Only the sum of a lane that has converged is kept; the rest may run on unused.
            geometric = g2;
            rho_n = rn2;
            coef = c2;
            sum = sel(act, s2, sum);
            act = act & ~(vfabs(term) <= tolerance * s2);
        }
        mant = sel(r1, k_inv_sqrt_2pi * one_minus_rho * sum / p, mant);
    }
    if (any(r2)) {
        const vd hv = sel(r2, h, splat(-1.0));
        const vd tt = sel(r2, t, splat(0.25));
        vd m0, m1;
        vmills_left(hv, r2, m0, m1);
        const vd t2 = tt * tt;
        const vd hh = hv * hv;
        vd prev = m0;
        vd cur = m1;
        vd sum = m1;
        vd scale = splat(1.0);
        vl act = r2;
        for (int n = 1; n < 2 * k_taylor_terms && any(act); n += 4) {
            const double nd = n;
            const vd even = vfma(hv, cur, nd * prev);
            const vd odd = vfma(hh + double(n + 1), cur, (nd * hv) * prev);
            const vd sc1 = scale * (t2 * k_taylor_inv[n >> 1]);
            const vd s1 = vfma(sc1, odd, sum);
            const int n2 = n + 2;
            const double n2d = n2;
            const vd even2 = vfma(hv, odd, n2d * even);
            const vd odd2 = vfma(hh + double(n2 + 1), odd, (n2d * hv) * even);
            const vd sc2 = sc1 * (t2 * k_taylor_inv[n2 >> 1]);
            const vd term = sc2 * odd2;
            const vd s2 = vfma(sc2, odd2, s1);
            prev = even2; // as above: only the sum is frozen
            cur = odd2;
            scale = sc2;
            sum = sel(act, s2, sum);
            act = act & ~(term <= tolerance * s2);
        }
        mant = sel(r2, k_inv_sqrt_2pi * 2.0 * tt * sum, mant);
    }
    vd b = mant * e;
    vd upper = splat(-1.0);
    const vl r34 = r3 | r4;
    if (any(r34)) {
        // III: erfcx(-d1/sqrt2) - erfcx(-d2/sqrt2); IV: erfcx(d1/sqrt2) + erfcx(-d2/sqrt2).
        const vd y1 = sel(r3, -d1, d1) * k_inv_sqrt2;
        const vd y2 = -d2 * k_inv_sqrt2;
        const vd e1 = verfcx(y1, r34);
        const vd e2 = verfcx(y2, r34);
        const vd mant3 = 0.5 * (e1 - e2);
        const vd up4 = 0.5 * e * (e1 + e2);
        const vd diff = b_max - up4;
        const vd b4 = sel(diff < 0.0, splat(0.0), diff); // std::max(diff, 0)
        b = sel(r3, mant3 * e, sel(r4, b4, b));
        mant = sel(r3, mant3, sel(r4, b4 / e, mant));
        upper = sel(r4, up4, upper);
    }
    b_out = b;
    vega_out = vega;
    upper_out = upper;
    mant_out = mant;
    exponent_out = exponent;
}

#pragma GCC pop_options

// The AVX-512 kernels run where the CPU has AVX-512 F and DQ and FMA, unless the environment
// sets SCREENER_PRICING_PORTABLE (to anything but "0"): the tests run the portable kernels that
// way too.
inline bool have_avx512() {
    static const bool available = [] {
        const char* portable = std::getenv("SCREENER_PRICING_PORTABLE");
        if (portable != nullptr && *portable != '\0' && std::string_view(portable) != "0") {
            return false;
        }
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0 &&
               __builtin_cpu_supports("fma") != 0;
    }();
    return available;
}

} // namespace screener::pricing::detail::simd
