#pragma once
// Internal kernels shared by black_scholes.cpp and implied_vol.cpp: the normalised Black function
// b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2) for an out-of-the-money call (x <= 0),
// evaluated without cancellation, plus the scaled complementary error function and N^{-1}.
//
// Notation (Jaeckel, "Let's Be Rational", 2015): x = ln(F/K), s = sigma sqrt(T), h = x/s,
// t = s/2, so d1 = h + t and d2 = h - t. With the Mills ratio M(z) = N(z)/phi(z) one has
//   b = e^{-(h^2+t^2)/2} / sqrt(2 pi) * [M(h+t) - M(h-t)]                            (1)
// and db/ds = e^{-(h^2+t^2)/2} / sqrt(2 pi) (vega of the normalised price).
// Everything here is inline so both translation units compile identical code (the batch entry
// points must reproduce the scalar ones bit for bit).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace screener::pricing::detail {

inline constexpr double k_sqrt2 = 1.41421356237309504880;
inline constexpr double k_inv_sqrt2 = 0.70710678118654752440;
inline constexpr double k_sqrt_pi = 1.77245385090551602730;
inline constexpr double k_inv_sqrt_pi = 0.56418958354775628695;
inline constexpr double k_sqrt_half_pi = 1.25331413731550025121;
inline constexpr double k_inv_sqrt_2pi = 0.39894228040143267794;
inline constexpr double k_eps = std::numeric_limits<double>::epsilon();

// a * b + c, in one rounding with Fma (std::fma: exact everywhere, one instruction where the
// caller is compiled for FMA; the implied vol solver's AVX-512 path, whose vector mirror uses the
// same fused operations), else in two as plain code.
template <bool Fma>
[[gnu::always_inline]] inline double madd(double a, double b, double c) {
    if constexpr (Fma) {
        return std::fma(a, b, c);
    } else {
        return a * b + c;
    }
}

// exp(y^2) without the rounding error of forming y^2 (which would cost y^2 ulps): the low part
// of the exact square from an fma enters as a first-order correction.
inline double exp_square(double y) {
    const double hi = y * y;
    const double lo = std::fma(y, y, -hi);
    return std::exp(hi) * (1.0 + lo);
}

// e^a - 1 - a = a^2/2 + ... + a^13/13! for |a| <= 0.35 (truncation < 5e-18 relative), Estrin.
inline constexpr double k_exp_tail_coef[12] = {
    1.0 / 2,     1.0 / 6,      1.0 / 24,      1.0 / 120,      1.0 / 720,       1.0 / 5040,
    1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0};
inline double exp_tail(double r) {
    const auto& c = k_exp_tail_coef;
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double r8 = r4 * r4;
    const double q01 = c[0] + c[1] * r;
    const double q23 = c[2] + c[3] * r;
    const double q45 = c[4] + c[5] * r;
    const double q67 = c[6] + c[7] * r;
    const double q89 = c[8] + c[9] * r;
    const double q1011 = c[10] + c[11] * r;
    const double lowp = (q01 + q23 * r2) + (q45 + q67 * r2) * r4;
    const double highp = q89 + q1011 * r2;
    return r2 * (lowp + highp * r8);
}

// e^a - 1 for 0 <= a <= 0.35 without libm: a + exp_tail(a), within ~1 ulp (all terms positive).
inline double expm1_small(double a) {
    return a + exp_tail(a);
}

// 2^{j/8} = hi + lo, j = 0..7 (hi rounded to nearest; lo the next 53 bits).
inline constexpr double k_exp2_8_hi[8] = {0x1p+0,
                                          0x1.172b83c7d517bp+0,
                                          0x1.306fe0a31b715p+0,
                                          0x1.4bfdad5362a27p+0,
                                          0x1.6a09e667f3bcdp+0,
                                          0x1.8ace5422aa0dbp+0,
                                          0x1.ae89f995ad3adp+0,
                                          0x1.d5818dcfba487p+0};
inline constexpr double k_exp2_8_lo[8] = {0.0,
                                          -0x1.19041b9d78a76p-55,
                                          0x1.6f46ad23182e4p-55,
                                          0x1.d4397afec42e2p-56,
                                          -0x1.bdd3413b26456p-54,
                                          0x1.6e9f156864b27p-54,
                                          0x1.7a1cd345dcc81p-54,
                                          0x1.2ed02d75b3707p-55};
// Constants of exp_nonpositive (shared with its vector mirror).
inline constexpr double k_exp_inv_ln2_8 = 11.541560327111707;            // 8 / ln 2
inline constexpr double k_exp_ln2_8_hi = 6.93147180369123816490e-01 / 8; // 32 bits: n ln2/8 exact
inline constexpr double k_exp_ln2_8_lo = 1.90821492927058770002e-10 / 8;
inline constexpr double k_exp_shifter = 0x1.8p52;
// e^r - 1 - r = r^2/2 + ... + r^8/8! for |r| <= 0.044 (truncation < 2e-18 relative).
inline constexpr double k_exp_tail8_coef[7] = {1.0 / 2,   1.0 / 6,    1.0 / 24,   1.0 / 120,
                                               1.0 / 720, 1.0 / 5040, 1.0 / 40320};
template <bool Fma = false>
inline double exp_tail8(double r) {
    const auto& c = k_exp_tail8_coef;
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double q01 = madd<Fma>(c[1], r, c[0]);
    const double q23 = madd<Fma>(c[3], r, c[2]);
    const double q45 = madd<Fma>(c[5], r, c[4]);
    return r2 * madd<Fma>(madd<Fma>(c[6], r2, q45), r4, madd<Fma>(q23, r2, q01));
}

// e^a for a <= 0 (and small positive a) without libm (Fma: see madd): a = (8k + j) ln2/8 + r,
// |r| <= ln2/16 (Cody-Waite, ln2/8 split so that n ln2_hi/8 is exact), e^a = 2^k 2^{j/8} e^r with
// 2^{j/8} from a table (hi + lo) and e^r - 1 = r + a Taylor tail; within ~0.55 ulp, subnormal
// results scaled in two steps. Plain +,-,* and a table lookup only, in a fixed order, so the
// vector mirror (black_normalised_simd.hpp, built with -ffp-contract=off) rounds identically:
// the implied vol solver's evaluations use it, since glibc's exp cannot be reproduced lane by
// lane. NaN stays NaN, below -745.2 gives 0.
// e^a = 2^k (t_hi + corr) before the last rounding: exp_nonpositive's reduction and tail.
struct ExpParts {
    double t_hi, corr;
    std::int64_t k;
};
template <bool Fma = false>
inline ExpParts exp_parts(double a) {
    const double n_shifted = madd<Fma>(a, k_exp_inv_ln2_8, k_exp_shifter);
    const double nd = n_shifted - k_exp_shifter;
    // n_shifted = 1.5 2^52 + n with the shifter's exponent: n is the difference of the bits.
    const std::int64_t n =
        std::bit_cast<std::int64_t>(n_shifted) - std::bit_cast<std::int64_t>(k_exp_shifter);
    const double r_hi = a - nd * k_exp_ln2_8_hi; // exact (Sterbenz; the product is exact)
    const double r_lo = nd * k_exp_ln2_8_lo;
    const double r = r_hi - r_lo;
    const double em1 = r_hi + (exp_tail8<Fma>(r) - r_lo); // e^r - 1
    const std::int64_t j = n & 7;
    const double t_hi = k_exp2_8_hi[j];
    return {t_hi, madd<Fma>(t_hi, em1, k_exp2_8_lo[j]), n >> 3}; // k = floor(n / 8)
}
template <bool Fma = false>
inline double exp_nonpositive(double a) {
    const bool zero = a < -745.2;
    const double ac = zero ? 0.0 : a; // NaN passes through
    const ExpParts p = exp_parts<Fma>(ac);
    const double m = p.t_hi + p.corr;
    const std::int64_t k = p.k;
    // 2^k in one factor down to k = -1020, else 2^(k + 600) 2^-600 (k >= -1076 here).
    const bool tiny = k < -1020;
    const std::int64_t k1 = tiny ? k + 600 : k;
    const double f1 = std::bit_cast<double>(static_cast<std::uint64_t>(k1 + 1023) << 52);
    const double f2 = tiny ? 0x1p-600 : 1.0;
    const double v = m * f1 * f2;
    return zero ? 0.0 : v;
}

// --- ln, ln(1 + d) and 2 sinh for the implied vol solver on FMA hardware ---
// The solver's AVX-512 batch mirrors these lane by lane (black_normalised_simd.hpp), so they use
// only +,-,*,/, std::fma (exact everywhere; one instruction where the caller is compiled for
// FMA) and table lookups, in a fixed order. Callers on other hardware use libm instead.

// ln a within 0.52 ulp: a = 2^e z with z in [0.707, 1.414) (so e ln2 and ln z never cancel
// badly); z falls into one of 64 intervals by its bits, each with inv_c ~ 1/centre rounded to
// 7 significant bits (exactly 1 for the interval around 1), so that r = z inv_c - 1 is exact in
// one FMA (|r| < 0.0134 needs at most 53 bits), and ln_c = -ln(inv_c) in two parts; then
// ln z = ln_c + ln(1 + r), ln(1 + r) = r + r^2 P(r) to r^9 (truncation < 2e-18 relative).
// Subnormals are scaled by 2^54 first; 0 gives -inf, inf gives inf, negative and NaN give NaN.
inline constexpr std::int64_t k_log_offset = 0x3fe6a00000000000LL; // 0.70703125
struct LogTable {
    double inv_c[64], ln_c[64], ln_c_lo[64]; // ln_c + ln_c_lo = -ln(inv_c) to ~64 bits
};
inline constexpr LogTable k_log_table = [] {
    LogTable t{};
    for (int i = 0; i < 64; ++i) {
        const double centre =
            std::bit_cast<double>(k_log_offset + (std::int64_t{i} << 46) + (std::int64_t{1} << 45));
        // 7 significant bits: a multiple of 2^-6 in [1, 2), of 2^-7 below 1.
        const double inv = 1.0 / centre;
        const double step = inv >= 1.0 ? 0x1p-6 : 0x1p-7;
        const double scaled = inv / step + 0.5;
        t.inv_c[i] = static_cast<double>(static_cast<long long>(scaled)) * step;
        // Evaluated by the compiler (MPFR): ln_c correctly rounded, ln_c_lo from long double.
        const long double ln = -std::log(static_cast<long double>(t.inv_c[i]));
        t.ln_c[i] = static_cast<double>(ln);
        t.ln_c_lo[i] = static_cast<double>(ln - t.ln_c[i]);
    }
    return t;
}();
inline constexpr double k_log_p[8] = {-1.0 / 2, 1.0 / 3, -1.0 / 4, 1.0 / 5,
                                      -1.0 / 6, 1.0 / 7, -1.0 / 8, 1.0 / 9};
inline constexpr double k_ln2_hi = 6.93147180369123816490e-01; // 32 bits: e ln2_hi exact
inline constexpr double k_ln2_lo = 1.90821492927058770002e-10;
// ln(a) + delta for |delta| well below an ulp of the result's scale (log1p_own's remainder).
inline double log_own_plus(double a, double delta) {
    const bool sub = a < 0x1p-1022;
    const double an = sub ? a * 0x1p54 : a;
    const std::int64_t bits = std::bit_cast<std::int64_t>(an);
    const std::int64_t tmp = bits - k_log_offset;
    const std::int64_t i = (tmp >> 46) & 63;
    const std::int64_t e_raw = tmp >> 52; // arithmetic shift: floor
    const double z = std::bit_cast<double>(bits - (e_raw << 52));
    const double r = std::fma(z, k_log_table.inv_c[i], -1.0); // exact
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double p01 = std::fma(k_log_p[1], r, k_log_p[0]);
    const double p23 = std::fma(k_log_p[3], r, k_log_p[2]);
    const double p45 = std::fma(k_log_p[5], r, k_log_p[4]);
    const double p67 = std::fma(k_log_p[7], r, k_log_p[6]);
    const double poly = std::fma(std::fma(p67, r2, p45), r4, std::fma(p23, r2, p01));
    const double e = static_cast<double>(e_raw - (sub ? 54 : 0));
    // hi + hi_err = e ln2_hi + ln_c exactly (e ln2_hi is exact and the larger: Fast2Sum).
    const double e_ln2 = e * k_ln2_hi;
    const double hi = e_ln2 + k_log_table.ln_c[i];
    const double hi_err = (e_ln2 - hi) + k_log_table.ln_c[i];
    // sum + sum_err = hi + r exactly (2Sum: ln_c and r may be of either size and sign).
    const double sum = hi + r;
    const double r_part = sum - hi;
    const double sum_err = (hi - (sum - r_part)) + (r - r_part);
    const double low = std::fma(e, k_ln2_lo, k_log_table.ln_c_lo[i]) + ((hi_err + sum_err) + delta);
    const double v = sum + std::fma(r2, poly, low);
    const bool finite_positive = a > 0.0 && a < std::numeric_limits<double>::infinity();
    return finite_positive ? v
                           : (a == 0.0 ? -std::numeric_limits<double>::infinity()
                                       : (a > 0.0 ? a : std::numeric_limits<double>::quiet_NaN()));
}
inline double log_own(double a) {
    return log_own_plus(a, 0.0);
}
// ln(1 + d) for -0.5 < d < 1 within 0.54 ulp: u = 1 + d rounded, its remainder d - (u - 1) exact
// (Sterbenz), ln(1 + d) = ln u + remainder / u to first order (the remainder is below an ulp of u).
inline double log1p_own(double d) {
    const double u = 1.0 + d;
    return log_own_plus(u, (d - (u - 1.0)) / u);
}

// 2 sinh(y) for y >= 0 within 0.72 ulp. Below 1 the odd series 2y + 2y w Q(w), w = y^2, Q = 1/3! +
// w/5! + ... + w^12/27! (truncation < 1e-25; the correction is below 0.18 of the result, so its
// roundings cost little). From 1 on e^y - e^{-y} with e^y as 2^k (hi + lo) from exp_nonpositive's
// own steps, so that only the last addition rounds at the result's scale (e^{-y} is below 0.16 of
// the result).
inline constexpr auto k_sinh_coef = [] {
    struct Table {
        double v[13];
    } t{};
    double f = 1.0 / 6.0; // 1 / (2k + 3)!
    for (int k = 0; k < 13; ++k) {
        t.v[k] = f;
        f /= (2.0 * k + 4.0) * (2.0 * k + 5.0);
    }
    return t;
}();
inline double two_sinh_own(double y) {
    if (y < 1.0) {
        const double* c = k_sinh_coef.v;
        const double w = y * y;
        double q = c[12];
        for (int k = 11; k >= 0; --k) {
            q = std::fma(q, w, c[k]);
        }
        const double two_y = 2.0 * y;
        return std::fma(two_y * w, q, two_y);
    }
    if (!(y <= 709.78)) {
        return y > 0 ? std::numeric_limits<double>::infinity() : y; // overflow; NaN stays NaN
    }
    const ExpParts p = exp_parts<true>(y);
    const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(p.k + 1023) << 52);
    return p.t_hi * scale + (p.corr * scale - exp_nonpositive<true>(-y));
}

// --- Cody's rational Chebyshev approximations (W. J. Cody, Math. Comp. 23 (1969) 631-637,
// coefficients as tabulated in his 1985/1990 CALERF packet). Three ranges of y = |x|. ---
inline constexpr double k_cody_a[5] = {3.16112374387056560e00, 1.13864154151050156e02,
                                       3.77485237685302021e02, 3.20937758913846947e03,
                                       1.85777706184603153e-1};
inline constexpr double k_cody_b[4] = {2.36012909523441209e01, 2.44024637934444173e02,
                                       1.28261652607737228e03, 2.84423683343917062e03};
inline constexpr double k_cody_c[9] = {
    5.64188496988670089e-1, 8.88314979438837594e0,  6.61191906371416295e01,
    2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
    2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8};
inline constexpr double k_cody_d[8] = {
    1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
    3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03};
inline constexpr double k_cody_p[6] = {3.05326634961232344e-1, 3.60344899949804439e-1,
                                       1.25781726111229246e-1, 1.60837851487422766e-2,
                                       6.58749161529837803e-4, 1.63153871373020978e-2};
inline constexpr double k_cody_q[5] = {2.56852019228982242e00, 1.87295284992346047e00,
                                       5.27905102951428412e-1, 6.05183413124413191e-2,
                                       2.33520497626869185e-3};
// Numerator of 1 - sqrt(pi) y erfcx(y) over Cody's middle-range denominator: the polynomial
// Q(y) - sqrt(pi) y P(y) expanded exactly (40 digits) once, y^9 first. Evaluating it directly
// avoids the 2y^2-fold cancellation of 1 - sqrt(pi) y erfcx(y) for 0.47 < y <= 4.
inline constexpr double k_mills1_n[10] = {-3.81629760195986719532e-8, 1.92587583656793160268e-6,
                                          -4.69505243851418094645e-5, 0.500736827754877963537,
                                          7.8641011483270318664,      58.1699637120429139729,
                                          256.27385178660603657,      727.177320856387808257,
                                          1258.64794681140343716,     1230.33935480374942};

inline constexpr double k_cody_small = 0.46875;
inline constexpr double k_cody_mid = 4.0;

// Estrin's scheme (powers y^2, y^4, y^8 shared): about half the dependency chain of Horner's
// rule; every coefficient and every y here is positive except the small leading terms of
// k_mills1_n, so no cancellation is introduced.
struct Powers {
    double y, y2, y4, y8;
};
inline Powers powers(double y) {
    const double y2 = y * y;
    const double y4 = y2 * y2;
    return {y, y2, y4, y4 * y4};
}
// a[0] + a[1] y + ... + a[8] y^8 (a ascending)
template <bool Fma = false>
inline double estrin8(const double (&a)[9], const Powers& p) {
    const double p01 = madd<Fma>(a[1], p.y, a[0]);
    const double p23 = madd<Fma>(a[3], p.y, a[2]);
    const double p45 = madd<Fma>(a[5], p.y, a[4]);
    const double p67 = madd<Fma>(a[7], p.y, a[6]);
    return madd<Fma>(a[8], p.y8,
                     madd<Fma>(madd<Fma>(p67, p.y2, p45), p.y4, madd<Fma>(p23, p.y2, p01)));
}
template <bool Fma = false>
inline double estrin9(const double (&a)[10], const Powers& p) {
    const double p01 = madd<Fma>(a[1], p.y, a[0]);
    const double p23 = madd<Fma>(a[3], p.y, a[2]);
    const double p45 = madd<Fma>(a[5], p.y, a[4]);
    const double p67 = madd<Fma>(a[7], p.y, a[6]);
    const double p89 = madd<Fma>(a[9], p.y, a[8]);
    return madd<Fma>(p89, p.y8,
                     madd<Fma>(madd<Fma>(p67, p.y2, p45), p.y4, madd<Fma>(p23, p.y2, p01)));
}
// Cody's middle-range numerator and denominator, coefficients in ascending order.
inline constexpr double k_cody_d_asc[9] = {k_cody_d[7], k_cody_d[6], k_cody_d[5],
                                           k_cody_d[4], k_cody_d[3], k_cody_d[2],
                                           k_cody_d[1], k_cody_d[0], 1.0};
inline constexpr double k_cody_c_asc[9] = {k_cody_c[7], k_cody_c[6], k_cody_c[5],
                                           k_cody_c[4], k_cody_c[3], k_cody_c[2],
                                           k_cody_c[1], k_cody_c[0], k_cody_c[8]};
inline constexpr double k_mills1_n_asc[10] = {
    k_mills1_n[9], k_mills1_n[8], k_mills1_n[7], k_mills1_n[6], k_mills1_n[5],
    k_mills1_n[4], k_mills1_n[3], k_mills1_n[2], k_mills1_n[1], k_mills1_n[0]};

template <bool Fma = false>
inline double cody_mid_den(const Powers& p) {
    return estrin8<Fma>(k_cody_d_asc, p);
}
template <bool Fma = false>
inline double cody_mid_num(const Powers& p) {
    return estrin8<Fma>(k_cody_c_asc, p);
}
inline double cody_mid_den(double y) {
    return cody_mid_den(powers(y));
}
inline double cody_mid_num(double y) {
    return cody_mid_num(powers(y));
}
// For y > 4: erfcx(y) = (1/sqrt(pi) - w) / y with this w (Cody's third range).
template <bool Fma = false>
inline double cody_tail_w(double y) {
    const double ysq = 1.0 / (y * y);
    const double y4 = ysq * ysq;
    const double y8 = y4 * y4;
    const auto& p = k_cody_p;
    const auto& q = k_cody_q;
    const double num =
        madd<Fma>(madd<Fma>(p[5], ysq, p[0]), y8,
                  madd<Fma>(madd<Fma>(p[1], ysq, p[2]), y4, madd<Fma>(p[3], ysq, p[4])));
    const double den = madd<Fma>(
        q[0] + ysq, y8, madd<Fma>(madd<Fma>(q[1], ysq, q[2]), y4, madd<Fma>(q[3], ysq, q[4])));
    return ysq * num / den;
}

// erfcx(x) = e^{x^2} erfc(x), relative accuracy a few ulps for all x (inf below -26.6).
// OwnExp: the small range's e^{y^2} from exp_nonpositive (exact for its 0 <= y^2 <= 0.22).
// Fma: the polynomials and the exponential with fused multiply-adds (see madd).
template <bool OwnExp = false, bool Fma = false>
inline double erfcx(double x) {
    const double y = std::fabs(x);
    double r;
    if (y <= k_cody_small) {
        const double ysq = y * y;
        double num = k_cody_a[4] * ysq;
        double den = ysq;
        for (int i = 0; i < 3; ++i) {
            num = (num + k_cody_a[i]) * ysq;
            den = (den + k_cody_b[i]) * ysq;
        }
        const double erf = x * (num + k_cody_a[3]) / (den + k_cody_b[3]);
        // signed x: valid on both sides
        return (OwnExp ? exp_nonpositive<Fma>(ysq) : std::exp(ysq)) * (1.0 - erf);
    }
    if (y <= k_cody_mid) {
        const Powers p = powers(y);
        r = cody_mid_num<Fma>(p) / cody_mid_den<Fma>(p);
    } else {
        r = (k_inv_sqrt_pi - cody_tail_w<Fma>(y)) / y;
    }
    if (x < 0) {
        // erfc(-y) = 2 - erfc(y)  =>  erfcx(-y) = 2 e^{y^2} - erfcx(y).
        r = x < -26.6 ? std::numeric_limits<double>::infinity() : 2.0 * exp_square(y) - r;
    }
    return r;
}

// erfc(z) for z >= 0 without libm: erfcx(z) e^{-z^2} (mirrored in vector code; the implied
// vol guesses need it to ~1e-15 relative, where the rounding of z^2 is immaterial).
template <bool Fma = false>
inline double erfc_own(double z) {
    return erfcx<true, Fma>(z) * exp_nonpositive<Fma>(-(z * z));
}

// Mills ratio M(h) = N(h)/phi(h) and its derivative M'(h) = 1 + h M(h) for h <= 0, the latter
// without the h^2-fold cancellation (see k_mills1_n and Cody's tail form: 1 + hM = sqrt(pi) w).
struct Mills {
    double m0, m1;
};
template <bool OwnExp = false, bool Fma = false>
inline Mills mills_left(double h) {
    const double y = -h * k_inv_sqrt2;
    if (y <= k_cody_small) {
        const double m0 = k_sqrt_half_pi * erfcx<OwnExp, Fma>(y);
        return {m0, 1.0 + h * m0};
    }
    if (y <= k_cody_mid) {
        const Powers p = powers(y);
        const double inv_den = 1.0 / cody_mid_den<Fma>(p);
        return {k_sqrt_half_pi * cody_mid_num<Fma>(p) * inv_den,
                estrin9<Fma>(k_mills1_n_asc, p) * inv_den};
    }
    const double w = cody_tail_w<Fma>(y);
    return {k_sqrt_half_pi * (k_inv_sqrt_pi - w) / y, k_sqrt_pi * w};
}

// Normalised OTM call price, its s-derivative and (on request) the complement b_max - b.
struct BlackValue {
    double b;     // e^{x/2} N(d1) - e^{-x/2} N(d2)
    double vega;  // db/ds
    double upper; // e^{x/2} - b where d1 >= 0 (a cancellation-free sum there); -1 elsewhere
    // b = mantissa * e^{exponent} with exponent = -(h^2+t^2)/2, so ln b and b/vega stay exact
    // where b itself underflows (prices below DBL_MIN; the implied vol's lowest branch).
    double mantissa;
    double exponent;
};

inline constexpr double k_region_asymptotic = -10.0; // d1 below this: series in 1/d1
inline constexpr double k_region_small_t = 0.5;      // t = s/2 below this: Taylor in t

// 1/((n+1)(n+2)) for odd n = 2j+1: the Taylor coefficients' ratios in region II.
inline constexpr int k_taylor_terms = 30;
inline constexpr auto k_taylor_inv = [] {
    struct Table {
        double v[k_taylor_terms];
        constexpr double operator[](int j) const { return v[j]; }
    } table{};
    for (int j = 0; j < k_taylor_terms; ++j) {
        table.v[j] = 1.0 / ((2.0 * j + 2.0) * (2.0 * j + 3.0));
    }
    return table;
}();

// Requires x <= 0 and s > 0 (finite); b_max = e^{x/2} as the caller computed it (the implied
// vol solver has it already: one exponential less per evaluation in region IV), or negative to
// have region IV compute it.
// OwnExp: e^exponent from exp_nonpositive instead of libm (the implied vol solver, whose batch
// path evaluates it in vector code). Fma: fused multiply-adds in the series and polynomials (its
// path on AVX-512 CPUs, mirrored by the vector code with the same fused operations).
template <bool OwnExp = false, bool Fma = false>
inline BlackValue normalised_black_with(double x, double s, double b_max,
                                        double tolerance = 0.25 * k_eps) {
    const double h = x / s;
    const double t = 0.5 * s;
    const double d1 = h + t;
    const double d2 = h - t;
    const double exponent = -0.5 * (h * h + t * t);
    const double e =
        OwnExp ? exp_nonpositive<Fma>(exponent) : std::exp(exponent); // e^{x/2} e^{-d1^2/2}
    const double vega = k_inv_sqrt_2pi * e;
    if (d1 <= k_region_asymptotic) {
        // Region I. With p = -d1 > 0, q = -d2 = p + 2t, integrate (1) term by term against the
        // asymptotic series M(z) ~ sum_k (-1)^{k+1} (2k-1)!! z^{-(2k+1)}:
        //   M(d1) - M(d2) = sum_k (-1)^k (2k-1)!! (p^{-n} - q^{-n}),  n = 2k+1,
        // and p^{-n} - q^{-n} = (1 - rho) p^{-n} (1 + rho + ... + rho^{n-1}), rho = p/q, where
        // every factor is positive: no cancellation however small t is.
        const double p = -d1;
        const double q = -d2;
        const double rho = p / q;
        const double one_minus_rho = 2.0 * t / q;
        const double inv_p2 = 1.0 / (p * p);
        double geometric = 1.0; // 1 + rho + ... + rho^{n-1}
        double rho_n = rho;     // rho^n
        double coef = 1.0;      // (2k-1)!! p^{-2k} (-1)^k
        double sum = 1.0;
        // Two terms per convergence test (one more term than needed at most; the series is
        // still decreasing there since p >= 10 puts its smallest term beyond k = 50).
        const double one_plus_rho = 1.0 + rho;
        const double rho2 = rho * rho;
        for (int k = 1; k < 40; k += 2) {
            geometric = madd<Fma>(rho_n, one_plus_rho, geometric);
            rho_n *= rho2;
            coef *= -(2.0 * k - 1.0) * inv_p2;
            sum = madd<Fma>(coef, geometric, sum);
            geometric = madd<Fma>(rho_n, one_plus_rho, geometric);
            rho_n *= rho2;
            coef *= -(2.0 * k + 1.0) * inv_p2;
            const double term = coef * geometric;
            sum = madd<Fma>(coef, geometric, sum);
            if (std::fabs(term) <= tolerance * sum) {
                break;
            }
        }
        const double mantissa = k_inv_sqrt_2pi * one_minus_rho * sum / p;
        const double b = mantissa * e;
        return {b, vega, -1.0, mantissa, exponent};
    } else if (t < k_region_small_t) {
        // Region II. M(h+t) - M(h-t) = 2 sum_{n odd} t^n m_n / n! with m_n = M^{(n)}(h) > 0,
        // m_n = h m_{n-1} + (n-1) m_{n-2}. Only m_1 needs full accuracy (mills_left); the
        // recursion's loss in higher m_n is damped by (t/h)^2 per order.
        const auto [m0, m1] = mills_left<OwnExp, Fma>(h);
        const double t2 = t * t;
        const double hh = h * h;
        double prev = m0; // m_{n-1} (even)
        double cur = m1;  // m_n (odd)
        double term = m1; // t^{n-1} m_n / n!
        double sum = m1;
        double scale = 1.0; // t^{n-1} / n!
        // Two orders per convergence test (at most one term more than needed).
        for (int n = 1; n < 2 * k_taylor_terms; n += 4) {
            // Both new values straight from (m_{n-1}, m_n), so the two recurrences run in
            // parallel: m_{n+2} = h m_{n+1} + (n+1) m_n = (h^2 + n + 1) m_n + n h m_{n-1}.
            const double even = madd<Fma>(h, cur, n * prev);                 // m_{n+1}
            const double odd = madd<Fma>(hh + (n + 1), cur, (n * h) * prev); // m_{n+2}
            scale *= t2 * k_taylor_inv[n >> 1]; // t^2 / ((n+1)(n+2)) without a division
            sum = madd<Fma>(scale, odd, sum);
            const int n2 = n + 2;
            const double even2 = madd<Fma>(h, odd, n2 * even);                  // m_{n+3}
            const double odd2 = madd<Fma>(hh + (n2 + 1), odd, (n2 * h) * even); // m_{n+4}
            prev = even2;
            cur = odd2;
            scale *= t2 * k_taylor_inv[n2 >> 1];
            term = scale * odd2;
            sum = madd<Fma>(scale, odd2, sum);
            if (term <= tolerance * sum) {
                break;
            }
        }
        const double mantissa = k_inv_sqrt_2pi * 2.0 * t * sum;
        const double b = mantissa * e;
        return {b, vega, -1.0, mantissa, exponent};
    } else if (d1 < 0) {
        // Region III, both d's negative: (1) with M = sqrt(pi/2) erfcx(-z/sqrt 2). The
        // difference loses at most |h|/(2t) < 11 ulps here (regions I/II take the rest).
        const double mantissa =
            0.5 * (erfcx<OwnExp, Fma>(-d1 * k_inv_sqrt2) - erfcx<OwnExp, Fma>(-d2 * k_inv_sqrt2));
        const double b = mantissa * e;
        return {b, vega, -1.0, mantissa, exponent};
    } else {
        // d1 >= 0: the complement is a sum of two positive terms; b = b_max - complement loses
        // at most a factor 2 (b >= b(x, s_c) >= b_max/2 - ...).
        const double upper =
            0.5 * e *
            (erfcx<OwnExp, Fma>(d1 * k_inv_sqrt2) + erfcx<OwnExp, Fma>(-d2 * k_inv_sqrt2));
        const double bm = b_max >= 0 ? b_max : std::exp(0.5 * x);
        const double b = std::max(bm - upper, 0.0);
        return {b, vega, upper, b / e, exponent};
    }
}
// Requires x <= 0 and s > 0 (finite).
inline BlackValue normalised_black(double x, double s) {
    return normalised_black_with(x, s, -1.0);
}

// scale * b without an intermediate underflow of b: e^{exponent} is split when it would be
// subnormal so that a normal product keeps full precision.
inline double scaled_black(double scale, const BlackValue& v) {
    if (v.exponent > -700.0) {
        return scale * v.b;
    }
    constexpr double k_shift = 700.0;
    constexpr double k_exp_minus_shift = 9.8596765437597708567e-305; // e^{-700}
    return scale * v.mantissa * std::exp(v.exponent + k_shift) * k_exp_minus_shift;
}

// Inverse of the standard normal CDF for 0 < u < 1: Abramowitz & Stegun 26.2.23 (|error| <
// 4.5e-4) refined by Halley steps on ln N(z) = ln u, whose derivative is 1/M(z); ln-space keeps
// the tail relative accuracy down to u ~ 1e-300.
inline double inv_norm_cdf(double u, int halley_steps = 3) {
    if (!(u > 0.0) || !(u < 1.0)) {
        return u == 0.0 ? -std::numeric_limits<double>::infinity()
                        : (u == 1.0 ? std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::quiet_NaN());
    }
    const bool upper = u > 0.5;
    const double p = upper ? 1.0 - u : u; // exact for u > 0.5 (Sterbenz)
    const double w = std::sqrt(-2.0 * std::log(p));
    double z = -(w - (2.515517 + w * (0.802853 + w * 0.010328)) /
                         (1.0 + w * (1.432788 + w * (0.189269 + w * 0.001308))));
    const double log_p = std::log(p);
    for (int i = 0; i < halley_steps; ++i) {
        // z <= 0: M(z) = sqrt(pi/2) erfcx(-z/sqrt2), ln N(z) = ln M(z) - z^2/2 - ln sqrt(2 pi).
        const double m = k_sqrt_half_pi * erfcx(-z * k_inv_sqrt2);
        const double g = std::log(m) - 0.5 * z * z - 0.91893853320467274178 - log_p;
        const double m1 = 1.0 + z * m; // M'(z); cancellation here only slows the last digit
        const double step = -g * m;    // Newton on g, g' = 1/M
        const double h2 = -m1 / m;     // g''/g'
        const double dz = step / (1.0 + 0.5 * step * h2);
        z += dz;
        if (std::fabs(dz) <= k_eps * std::fabs(z)) {
            break;
        }
        if (z > 0) {
            z = 0;
        }
    }
    return upper ? -z : z;
}

} // namespace screener::pricing::detail

namespace screener::pricing::detail {

// Maps market inputs to the normalised problem: x = ln(F/K) with F = S e^{(r-q)t}, and
// scale = e^{-rt} sqrt(F K) so that price = scale * (normalised intrinsic + b(-|x|, s)).
struct Normalisation {
    double x;
    double scale;
};
inline Normalisation normalise(double spot, double strike, double t, double r, double q) {
    // Near the money log1p keeps x to a few ulps of itself (S - K is exact there, Sterbenz);
    // b is sensitive to x like x/s^2, so an absolute ulp of ln(S/K) would matter for small s.
    const double ratio = spot / strike;
    const double log_moneyness =
        ratio > 0.5 && ratio < 2.0 ? std::log1p((spot - strike) / strike) : std::log(ratio);
    return {log_moneyness + (r - q) * t,
            std::sqrt(spot) * std::sqrt(strike) * std::exp(-0.5 * (r + q) * t)};
}

// Normalised intrinsic value of the forward, 2 sinh(|x|/2), for an in-the-money option
// (theta = +1 call, -1 put); zero otherwise. F - K = sqrt(FK) 2 sinh(x/2) exactly.
inline double normalised_intrinsic(double theta, double x) {
    return theta * x > 0 ? 2.0 * std::sinh(0.5 * std::fabs(x)) : 0.0;
}

} // namespace screener::pricing::detail
