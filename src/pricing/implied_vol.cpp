#include "screener/pricing/implied_vol.hpp"

#include "black_normalised.hpp"
#include "black_normalised_simd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <immintrin.h>
#include <limits>
#include <vector>

namespace screener::pricing {
namespace {

using detail::BlackValue;
using detail::erfc_own;
using detail::exp_nonpositive;
using detail::k_eps;
using detail::normalised_black_with;

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr double k_two_pi = 6.28318530717958647693;
constexpr double k_sqrt3 = 1.73205080756887729353;
constexpr double k_converged = 1e-5;
constexpr double k_near = 1e-2; // see normalised_implied's loop
constexpr double k_plain_min = 1e-280;
// The boundary evaluations of the initial guess and the first step's need b to ~1e-9 only (the
// guess is a few percent off; the last step's evaluation is at full accuracy): the series of
// regions I and II stop earlier. Brackets from such b's get a relative margin in s.
constexpr double k_rough = 1e-9;
constexpr double k_rough_margin = 1e-6;
constexpr double k_deep = 0.5;    // see Solver::deep_lowest
constexpr double k_central = 0.8; // see Solver::near_centre
constexpr int k_max_steps = 12;   // two or three suffice; the rest is a bisection safety net

enum class Objective { Lower, Middle, Upper };

// The elementary functions of the solver and the normalisation. On CPUs with AVX-512 (and FMA)
// both implied_vol and implied_vol_batch use OwnMath, whose functions the batch mirrors lane by
// lane; elsewhere both use libm.
struct LibmMath {
    static constexpr bool k_fma = false; // the evaluations' series and polynomials (madd)
    static double log(double a) { return std::log(a); }
    static double log1p(double d) { return std::log1p(d); }
    static double exp(double a) { return std::exp(a); }
    static double two_sinh(double y) { return 2.0 * std::sinh(y); }
};
struct OwnMath {
    static constexpr bool k_fma = true;
    static double log(double a) { return detail::log_own(a); }
    static double log1p(double d) { return detail::log1p_own(d); }
    static double exp(double a) { return exp_nonpositive<true>(a); }
    static double two_sinh(double y) { return detail::two_sinh_own(y); }
};

// Lower tail of Acklam's N^{-1} (below), from ln p: p < 0.02425, i.e. ln p < k_log_acklam_low.
constexpr double k_log_acklam_low = -3.719338661598645; // ln 0.02425
struct Ratio {
    double num, den; // den > 0
};
// P. J. Acklam's rational approximations of N^{-1}: central range (a, b) and lower tail (c, d).
constexpr double k_acklam_a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double k_acklam_b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
constexpr double k_acklam_c[] = {-7.784894002476809e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double k_acklam_d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
constexpr double k_acklam_low = 0.02425;

// c[0] x^{N-1} + ... + c[N-1] by Horner's rule (madd: fused where Fma).
template <bool Fma, std::size_t N>
double horner(const double (&c)[N], double x) {
    double v = c[0];
    for (std::size_t i = 1; i < N; ++i) {
        v = detail::madd<Fma>(v, x, c[i]);
    }
    return v;
}
template <bool Fma>
Ratio acklam_lower_tail_ratio(double log_p) {
    const double q = std::sqrt(-2.0 * log_p);
    return {horner<Fma>(k_acklam_c, q), detail::madd<Fma>(horner<Fma>(k_acklam_d, q), q, 1.0)};
}
template <bool Fma>
double acklam_lower_tail(double log_p) {
    const Ratio z = acklam_lower_tail_ratio<Fma>(log_p);
    return z.num / z.den;
}

// N^{-1}(p) for 0 < p < 1 to 1.2e-9 relative (P. J. Acklam's rational approximations), one log
// and no special-function refinement: enough for an initial guess.
template <class Math>
double inv_norm_cdf_guess(double p) {
    if (!(p > 0.0) || !(p < 1.0)) {
        return detail::inv_norm_cdf(p, 0); // 0, 1 and NaN as before
    }
    const bool upper = p > 0.5;
    const double u = upper ? 1.0 - p : p;
    double z;
    if (u < k_acklam_low) {
        z = acklam_lower_tail<Math::k_fma>(Math::log(u));
    } else {
        const double q = u - 0.5;
        const double r = q * q;
        z = horner<Math::k_fma>(k_acklam_a, r) * q /
            detail::madd<Math::k_fma>(horner<Math::k_fma>(k_acklam_b, r), r, 1.0);
    }
    return upper ? -z : z;
}

// Cubic Hermite interpolation of s(beta) between two points with slopes ds/dbeta = 1/vega.
double hermite(double beta, double b0, double s0, double ds0, double b1, double s1, double ds1) {
    const double width = b1 - b0;
    const double u = (beta - b0) / width;
    const double u2 = u * u;
    const double u3 = u2 * u;
    return (2 * u3 - 3 * u2 + 1) * s0 + (u3 - 2 * u2 + u) * width * ds0 + (3 * u2 - 2 * u3) * s1 +
           (u3 - u2) * width * ds1;
}

// b and b' at the inflection point s_c = sqrt(2|x|): d1 = 0, d2 = -s_c, so
// b_c = e^{x/2}/2 - e^{-x/2} N(-s_c) = e^{x/2} (1 - erfcx(y)) / 2 with y = sqrt|x|.
// For y <= 0.47 1 - erfcx(y) = e^{y^2} erf(y) - expm1(y^2) avoids the cancellation.
struct Central {
    BlackValue value;
    double one_minus; // 1 - erfcx(sqrt|x|) = 2 b_c / b_max
};
template <bool Fma>
Central central_black(double x, double s_c, double b_max) {
    const double y = std::sqrt(-x);
    double one_minus;
    if (y <= detail::k_cody_small) {
        // erf(y) from Cody's small-range rational (as in detail::erfcx).
        const double ysq = -x;
        double num = detail::k_cody_a[4] * ysq;
        double den = ysq;
        for (int i = 0; i < 3; ++i) {
            num = (num + detail::k_cody_a[i]) * ysq;
            den = (den + detail::k_cody_b[i]) * ysq;
        }
        const double erf = y * (num + detail::k_cody_a[3]) / (den + detail::k_cody_b[3]);
        // e^{y^2} = 1 + expm1(y^2) to half an ulp; y^2 <= 0.22: the series, no libm call.
        const double em1 = detail::expm1_small(ysq);
        one_minus = (1.0 + em1) * erf - em1;
    } else {
        one_minus = 1.0 - detail::erfcx<false, Fma>(y);
    }
    const double b = 0.5 * b_max * one_minus;
    const double h = x / s_c;
    const double t = 0.5 * s_c;
    return {{b, detail::k_inv_sqrt_2pi * b_max, -1.0, 0.0, -0.5 * (h * h + t * t)}, one_minus};
}

// b at the tangent points s_l and s_u as functions of y = sqrt|x| alone (s_l and s_u are), on a
// grid built once per process: the guesses take them from here instead of evaluating b there.
// Linear interpolation in y (step 1/32, up to |x| = 1024) of ln(b_l/|x|) (-1.9 at 0, about
// -y^2/2 far out), b_u/b_max and (b_max - b_u)/b_max (both within 0.79-0.89 and 0.11-0.21) is
// good to ~1e-4, plenty for a guess; the brackets are then not narrowed to the tangent points.
constexpr int k_table_size = 1024;
constexpr double k_table_scale = 32.0; // grid points per unit of y
struct BoundaryTable {
    double ln_bl[k_table_size + 1], bu[k_table_size + 1], upper_u[k_table_size + 1];
};
const BoundaryTable& boundary_table() {
    static const BoundaryTable table = [] {
        BoundaryTable t{};
        for (int i = 0; i <= k_table_size; ++i) {
            const double y = std::max(i / k_table_scale, 1e-4);
            const double x = -y * y;
            const double s_c = std::sqrt(-2.0 * x);
            const double b_max = std::exp(0.5 * x);
            const double one_minus = central_black<false>(x, s_c, b_max).one_minus;
            const double s_l = s_c - detail::k_sqrt_half_pi * one_minus;
            const double s_u = s_c + detail::k_sqrt_half_pi * (2.0 - one_minus);
            const double b_l = s_l > 0 ? detail::normalised_black_with(x, s_l, b_max).b : 0.0;
            t.ln_bl[i] = b_l > 0 ? std::log(b_l / -x) : -745.0;
            const BlackValue u = detail::normalised_black_with(x, s_u, b_max);
            t.bu[i] = u.b / b_max;
            t.upper_u[i] = (u.upper >= 0 ? u.upper : b_max - u.b) / b_max;
        }
        return t;
    }();
    return table;
}
struct Interpolated {
    double ln_bl, bu, upper_u;
};
// The table at y (requires 0 <= y < k_table_size / k_table_scale).
inline Interpolated boundary_lookup(double y) {
    const BoundaryTable& t = boundary_table();
    const double pos = y * k_table_scale;
    const auto i = static_cast<std::int64_t>(pos);
    const double w = pos - static_cast<double>(i);
    return {t.ln_bl[i] + w * (t.ln_bl[i + 1] - t.ln_bl[i]), t.bu[i] + w * (t.bu[i + 1] - t.bu[i]),
            t.upper_u[i] + w * (t.upper_u[i + 1] - t.upper_u[i])};
}
constexpr double k_table_max_y = (k_table_size - 1) / k_table_scale;

// The solver for b(x, s) = beta, x <= 0, 0 < beta < b_max = e^{x/2}, as a resumable state
// machine: every evaluation of b is requested (eval_s, eval_tolerance) and fed back through
// Solver::feed, so the scalar path evaluates it at once and the batch path gathers the requests
// of many options into one vector evaluation. Both run the same code around it, so the results
// agree bit for bit. ln beta = ln price - ln scale out of the money (exact where beta
// underflows), ln beta itself in the money (itm).
template <class Math>
struct Solver {
    double beta, x, b_max, price, scale;
    bool itm;
    double log_beta = 0.0; // only the lowest branch needs it
    double inv_log_beta = 0.0;
    double lo = 0.0, hi = k_inf; // bracket of the root in s
    double s = 0.0;
    Objective objective = Objective::Middle;
    double log_upper_beta = 0.0, upper_beta = 0.0;
    bool near = false;
    // False where b(s_b) came from the table: the guesses then leave the bracket at s_c.
    bool bracket_at_boundary = true;
    int step = 0;
    // Guess stage: 1 waits for b(s_l), 2 for b(s_u), 0 iterates.
    int boundary = 0;
    double s_c = 0.0, s_b = 0.0;
    BlackValue c{};
    // What the guesses need besides b(s_b), computed before that evaluation is requested: off
    // the critical path of the scalar solver (it overlaps with the evaluation).
    double f_b = 0.0;   // lowest branch: f(s_l); highest branch: N(-s_u/2)
    double inv_k = 0.0; // lowest branch: 1/k of f
    bool done = false;
    double eval_s = 0.0, eval_tolerance = 0.0; // the pending evaluation

    Solver(double beta_, double x_, double b_max_, double price_, double scale_, bool itm_)
        : beta(beta_), x(x_), b_max(b_max_), price(price_), scale(scale_), itm(itm_) {
        begin();
    }
    [[gnu::always_inline]] void feed(const BlackValue& v) {
        if (boundary == 1) {
            lower_guess(v);
        } else if (boundary == 2) {
            upper_guess(v);
        } else {
            iterate(v);
        }
    }

private:
    [[gnu::always_inline]] void finish(double result) {
        s = result;
        done = true;
    }
    [[gnu::always_inline]] void request(double at, double tolerance) {
        eval_s = at;
        eval_tolerance = tolerance;
    }
    void begin() {
        if (x == 0.0) {
            // b(0, s) = 2N(s/2) - 1 = erf(s / (2 sqrt 2))  =>  s = 2 sqrt(2) erfinv(beta)
            // = -2 N^{-1}((1 - beta)/2). Polished below (1 - beta loses tiny betas' digits).
            s = -2.0 * detail::inv_norm_cdf(0.5 * (1.0 - beta), 2);
            objective = beta > 0.5 * b_max ? Objective::Upper : Objective::Middle;
            start_iterations();
            return;
        }
        // Inflection point of s -> b(x, s), where vega peaks; b_c = b(x, s_c).
        s_c = std::sqrt(-2.0 * x);
        // b(x, s_c) = e^{x/2} (1 - erfcx(sqrt|x|)) / 2 in closed form (d1 = 0 there), and
        // b'(x, s_c) = e^{x/2} / sqrt(2 pi).
        const Central central = central_black<Math::k_fma>(x, s_c, b_max);
        c = central.value;
        // b_c / b'_c = sqrt(pi/2) (1 - erfcx(sqrt|x|)): the tangents' offsets need no division.
        if (beta < c.b) {
            hi = s_c;
            // The tangent at s_c meets zero at s_l.
            s_b = s_c - detail::k_sqrt_half_pi * central.one_minus;
            if (s_b > 0) {
                prepare_lowest();
                if (deep_lowest() || near_centre()) {
                    return;
                }
                if (-x < k_table_max_y * k_table_max_y) {
                    const Interpolated b = boundary_lookup(std::sqrt(-x));
                    bracket_at_boundary = false;
                    lower_guess(BlackValue{-x * Math::exp(b.ln_bl), 0.0, -1.0, 0, 0});
                    return;
                }
                prepare_lowest_boundary();
                boundary = 1;
                request(s_b, k_rough);
            } else {
                lower_guess(BlackValue{0, 0, -1, 0, 0});
            }
        } else {
            lo = s_c;
            // The tangent at s_c meets b_max at s_u.
            s_b = s_c + detail::k_sqrt_half_pi * (2.0 - central.one_minus);
            if (near_centre()) {
                return;
            }
            if (-x < k_table_max_y * k_table_max_y) {
                const Interpolated b = boundary_lookup(std::sqrt(-x));
                bracket_at_boundary = false;
                upper_guess(BlackValue{b_max * b.bu, 0.0, b_max * b.upper_u, 0, 0});
                return;
            }
            f_b = upper_tail_at_boundary();
            boundary = 2;
            request(s_b, k_rough);
        }
    }
    // The lowest branch's ln beta and 1/k (deep_lowest and lower_guess need them).
    void prepare_lowest() {
        // ln beta from beta itself unless beta is (nearly) subnormal: out of the money the
        // price still carries it exactly then, as ln price - ln scale.
        log_beta = itm || beta > 1e-290 ? Math::log(beta) : Math::log(price) - Math::log(scale);
        inv_log_beta = 1.0 / log_beta;
        inv_k = 1.0 / (k_two_pi * -x / (3.0 * k_sqrt3));
    }
    // f(s_l) for the quadratic through (b_l, f(s_l)) (lower_guess).
    void prepare_lowest_boundary() {
        const double k = k_two_pi * -x / (3.0 * k_sqrt3);
        const double n_l = 0.5 * erfc_own<Math::k_fma>(-x / (k_sqrt3 * s_b) * detail::k_inv_sqrt2);
        f_b = k * n_l * n_l * n_l;
    }
    // Far below s_l, f(beta) ~ beta already (the quadratic's correction is of order beta/b_l):
    // the guess without b(s_l) is nearly as good as with it there (within ~10% below s_l/2 on
    // the bench grid), and the evaluation is saved: 2.71 evaluations per solve instead of 3.05.
    // Taken where that guess is below k_deep s_l, on the lowest branch's objective; the bracket
    // stays (0, s_c), valid whatever the branch.
    bool deep_lowest() {
        const double log_u = (log_beta + Math::log(inv_k)) * (1.0 / 3.0);
        if (!(log_u < k_log_acklam_low)) {
            return false;
        }
        const Ratio z = acklam_lower_tail_ratio<Math::k_fma>(log_u);
        const double guess = x * z.den / (k_sqrt3 * z.num);
        if (!(z.num < 0) || !(guess < k_deep * s_b)) {
            return false;
        }
        objective = Objective::Lower;
        s = guess;
        start_iterations();
        return true;
    }
    // Near s_c, where b'' = 0, the tangent at s_c is accurate to third order, better there than
    // the interpolation through b(s_b): within 1e-3 for a third of the way to s_b on the bench
    // grid. Taken where the tangent's root is within k_central of that way; the bracket from s_c
    // stands.
    // N(-s_u/2) for the highest branch's guess.
    double upper_tail_at_boundary() const {
        return 0.5 * erfc_own<Math::k_fma>(0.5 * s_b * detail::k_inv_sqrt2);
    }
    // db/ds at s (no evaluation of b needed).
    double vega_at(double at) const {
        const double h = x / at;
        const double t = 0.5 * at;
        return detail::k_inv_sqrt_2pi * Math::exp(-0.5 * (h * h + t * t));
    }
    bool near_centre() {
        const double tangent = s_c + (beta - c.b) / c.vega;
        if (!(std::fabs(tangent - s_c) < k_central * std::fabs(s_b - s_c))) {
            return false;
        }
        s = tangent;
        if (beta > 0.5 * b_max) {
            objective = Objective::Upper;
        }
        start_iterations();
        return true;
    }
    void lower_guess(const BlackValue& l) {
        boundary = 0;
        const double s_l = s_b;
        if (beta < l.b) {
            // Lowest branch: f(s) = (2 pi |x| / 3^{3/2}) N(-|x| / (sqrt3 s))^3 has the same
            // leading asymptotics as b(x, s) for s -> 0 (both ~ phi(x/s) s^3 / x^2), so
            // f(beta) is close to the identity: interpolate it by a quadratic with f(0) = 0,
            // f'(0) = 1, f(b_l) = f(s_l), then invert f in closed form.
            if (bracket_at_boundary) {
                hi = s_l * (1.0 + k_rough_margin);
            } else {
                prepare_lowest_boundary(); // f(s_l), not needed before
            }
            objective = Objective::Lower;
            const double inv_lb = 1.0 / l.b;
            const double ratio = beta * inv_lb;
            const double f = beta * (1.0 + (f_b * inv_lb - 1.0) * ratio);
            // N^{-1}((f/k)^{1/3}): in Acklam's tail formula only ln u = ln(f/k)/3 enters,
            // so the cube root is needed only in the central range.
            const double log_u = Math::log(f * inv_k) * (1.0 / 3.0);
            if (log_u < k_log_acklam_low) {
                // s = x / (sqrt3 z) with z = num / den: one division.
                const Ratio z = acklam_lower_tail_ratio<Math::k_fma>(log_u);
                s = z.num < 0 ? x * z.den / (k_sqrt3 * z.num) : 0.5 * s_l;
            } else {
                const double z = inv_norm_cdf_guess<Math>(exp_nonpositive<Math::k_fma>(log_u));
                s = z < 0 ? x / (k_sqrt3 * z) : 0.5 * s_l;
            }
        } else {
            const double s_l0 = std::max(s_l, 0.0);
            if (bracket_at_boundary) {
                lo = s_l0 * (1.0 - k_rough_margin);
            }
            const double vega_l = bracket_at_boundary ? l.vega : vega_at(s_l0);
            const double ds_l = vega_l > 0 ? 1.0 / vega_l : 0.0;
            s = hermite(beta, l.b, s_l0, ds_l, c.b, s_c, 1.0 / c.vega);
        }
        start_iterations();
    }
    void upper_guess(const BlackValue& u) {
        boundary = 0;
        const double s_u = s_b;
        if (beta <= u.b) {
            if (bracket_at_boundary) {
                hi = s_u * (1.0 + k_rough_margin);
            }
            const double vega_u = bracket_at_boundary ? u.vega : vega_at(s_u);
            s = hermite(beta, c.b, s_c, 1.0 / c.vega, u.b, s_u, 1.0 / vega_u);
        } else {
            // Highest branch: b_max - b decays like N(-s/2); interpolate that linearly in
            // b_max - beta from (b_u, N(-s_u/2)) to (b_max, 0) and invert.
            if (bracket_at_boundary) {
                lo = s_u * (1.0 - k_rough_margin);
            } else {
                f_b = upper_tail_at_boundary(); // not needed before
            }
            const double f = f_b * ((b_max - beta) / (u.upper >= 0 ? u.upper : b_max - u.b));
            s = -2.0 * inv_norm_cdf_guess<Math>(f);
        }
        if (beta > 0.5 * b_max) {
            objective = Objective::Upper;
        }
        start_iterations();
    }
    void start_iterations() {
        log_upper_beta = objective == Objective::Upper ? Math::log(b_max - beta) : 0.0;
        upper_beta = b_max - beta; // exact where the upper objective is used (Sterbenz)
        near = false;
        step = 0;
        next_step();
    }
    // Top of the Householder loop: bisect if s left the bracket, then request b(s).
    [[gnu::always_inline]] void next_step() {
        if (step >= k_max_steps) {
            finish(s);
            return;
        }
        if (!(s > lo && s < hi)) {
            s = hi < k_inf ? (lo > 0 ? std::sqrt(lo * hi) : 0.5 * hi) : 2.0 * lo;
            near = false;
        }
        request(s, step == 0 ? k_rough : 0.25 * k_eps);
    }
    // Once a step was below k_near s, the transformed objectives have done their job (a wide
    // basin): the remaining error is ~ (k_near)^4, where the plain objective b - beta converges
    // just as fast and needs no logarithm. It is also the most accurate one: its rounding is
    // that of b itself. Not where b or b_max - b is (nearly) subnormal.
    [[gnu::always_inline]] void iterate(const BlackValue& v) {
        const double upper = v.upper >= 0 ? v.upper : b_max - v.b;
        Objective current = objective;
        if (near && (objective == Objective::Lower ? v.b > k_plain_min && beta > k_plain_min
                                                   : upper > k_plain_min)) {
            current = Objective::Middle;
        }
        const double lb = current == Objective::Lower ? Math::log(v.mantissa) + v.exponent
                                                      : 0.0; // ln b, no underflow
        if (step == 0) {
            // A rough b brackets nothing (the guess stage's bracket stands).
        } else if (current == Objective::Lower ? lb < log_beta : v.b < beta) {
            lo = s;
        } else {
            hi = s;
        }
        // ln b' = -(x^2/s^2 + s^2/4)/2 + const, so b''/b' = w and b'''/b' = w^2 + w'.
        const double x2 = x * x;
        const double inv_s = 1.0 / s;
        const double inv_s2 = inv_s * inv_s;
        const double x2_s2 = x2 * inv_s2;
        const double w = detail::madd<Math::k_fma>(x2_s2, inv_s, -0.25 * s);
        const double dw = detail::madd<Math::k_fma>(-3.0 * x2_s2, inv_s2, -0.25);
        double g, g1, h2, h3;
        if (current == Objective::Lower) {
            // g = 1/ln b - 1/ln beta; b'/b = 1/(sqrt(2 pi) mantissa).
            const double qv = detail::k_inv_sqrt_2pi / v.mantissa;
            const double wq = w - qv;
            const double inv_lb = 1.0 / lb;
            const double qv_lb = qv * inv_lb;
            g = inv_lb - inv_log_beta;
            g1 = -qv_lb * inv_lb;
            h2 = wq - 2.0 * qv_lb;
            h3 = wq * wq + dw - qv * wq - 6.0 * qv_lb * wq + 6.0 * qv_lb * qv_lb;
        } else if (current == Objective::Upper) {
            // g = ln(b_max - beta) - ln(b_max - b).
            const double p = v.vega / upper;
            g = log_upper_beta - Math::log(upper);
            g1 = p;
            h2 = w + p;
            h3 = detail::madd<Math::k_fma>(w + p, w + 2.0 * p, dw);
        } else {
            // b - beta; above b_max / 2 from the complements (b_max - b carries more digits).
            g = objective == Objective::Upper ? upper_beta - upper : v.b - beta;
            g1 = v.vega;
            h2 = w;
            h3 = detail::madd<Math::k_fma>(w, w, dw);
        }
        // Householder(3): fourth-order convergence.
        // nu (1 + nu h2/2) / (1 + nu (h2 + nu h3/6)) with nu = -g/g1, multiplied through by
        // g1^2 so that one division is on the critical path; the two-division form is the
        // fallback where g1^2 under- or overflows.
        const double gh2 = g * h2;
        double ds = -g * (g1 - 0.5 * gh2) /
                    detail::madd<Math::k_fma>(g1, g1 - gh2, g * g * h3 * (1.0 / 6.0));
        if (!std::isfinite(ds)) {
            const double nu = -g / g1;
            ds = nu * (1.0 + 0.5 * nu * h2) / (1.0 + nu * (h2 + nu * h3 * (1.0 / 6.0)));
        }
        if (!std::isfinite(ds)) {
            s = -1.0; // forces a bisection of the bracket on the next pass
            ++step;
            next_step();
            return;
        }
        const double next = s + ds;
        // Fourth order: a step below 1e-5 s leaves an error ~ (1e-5)^4, below rounding. For the
        // plain objective in place of 1/ln b the error constant grows like (x/s)^6 (b''/b' ~
        // x^2/s^3): the test is tightened by (x/s)^2 there (in practice that step is ~1e-8 s).
        const double converged =
            current != objective ? k_converged / std::max(1.0, x2_s2) : k_converged;
        if (std::fabs(ds) <= converged * s && step > 0) {
            finish(next > lo && next < hi ? next : s);
            return;
        }
        near = std::fabs(ds) <= k_near * s;
        s = next;
        ++step;
        next_step();
    }
};

// Validation and normalisation of one option. Either the answer is known (result) or the
// normalised problem is set up (x, b_max, beta, ...); sqrt_t divides the solver's s.
struct Prepared {
    bool solved;
    double result;
    double beta, x, b_max, scale, sqrt_t;
    bool itm;
};

// The one option's Prepared (vec::prepare8 for eight).
template <class Math>
[[gnu::always_inline]] inline Prepared prepare(OptionType type, double price, double spot,
                                               double strike, double t, double r, double q) {
    Prepared p{true, k_nan, 0, 0, 0, 0, 0, false};
    if (!(t > 0) || !(spot > 0) || !(strike > 0) || !std::isfinite(price) || !std::isfinite(r) ||
        !std::isfinite(q) || !std::isfinite(t) || !std::isfinite(spot) || !std::isfinite(strike)) {
        return p;
    }
    const double theta_sign = type == OptionType::Call ? 1.0 : -1.0;
    // The upper bound checked on the price itself, so a price exactly at it is never solved.
    // e^{-y} >= 1 - y, so a price below (1 - y) times the undiscounted bound (less 4 ulps for
    // the rounding of that product) is below the bound without evaluating the exponential.
    const double bound_base = theta_sign > 0 ? spot : strike;
    const double bound_rate_t = (theta_sign > 0 ? q : r) * t;
    if (!(price < bound_base * (1.0 - bound_rate_t) * (1.0 - 4.0 * k_eps)) &&
        price >= bound_base * Math::exp(-bound_rate_t)) {
        return p;
    }
    // detail::normalise, with Math's functions.
    const double ratio = spot / strike;
    const double log_moneyness =
        ratio > 0.5 && ratio < 2.0 ? Math::log1p((spot - strike) / strike) : Math::log(ratio);
    const double x = log_moneyness + (r - q) * t;
    const double scale = std::sqrt(spot) * std::sqrt(strike) * Math::exp(-0.5 * (r + q) * t);
    const double beta = price / scale;
    // Fold: subtract the intrinsic value once (ITM -> OTM by parity), then b_put(x) = b_call(-x).
    // The normalised intrinsic value 2 sinh(|x|/2) in the money (detail::normalised_intrinsic).
    const double intrinsic = theta_sign * x > 0 ? Math::two_sinh(0.5 * std::fabs(x)) : 0.0;
    const double beta_otm = beta - intrinsic;
    const double x_otm = -std::fabs(x);
    if (intrinsic == 0.0 && price > 0.0) {
        // Out of the money: any positive price has a solution, even if beta underflows.
    } else if (beta_otm <= 4.0 * k_eps * beta) {
        // At the intrinsic value up to rounding: zero volatility; below it: no solution.
        p.result = beta_otm >= -4.0 * k_eps * beta ? 0.0 : k_nan;
        return p;
    }
    const double b_max = Math::exp(0.5 * x_otm);
    if (!(beta_otm < b_max)) {
        return p; // at or above the sigma -> infinity limit
    }
    return {false, 0.0, beta_otm, x_otm, b_max, scale, std::sqrt(t), intrinsic > 0};
}

// --- The solver for eight options in lockstep (AVX-512), for implied_vol_batch. ---
// Solver above, lane by lane: every lane performs exactly the scalar solver's operations in
// the same order, so each result equals implied_vol's bit for bit. Branches become masks: a
// branch's arithmetic runs when any lane takes it and its results are blended into the lanes
// that do. The few libm calls (ln, erfc, exp and N^{-1} of the guesses) are made lane by lane
// with the scalar functions themselves. Lanes that finished early keep their last inputs, so
// the shared evaluation sees only valid arguments; the group ends when every lane has.

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,fma,prefer-vector-width=512")

namespace vec {

using detail::simd::any;
using detail::simd::sel;
using detail::simd::splat;
using detail::simd::vd;
using detail::simd::vfabs;
using detail::simd::vfma;
using detail::simd::vl;
using detail::simd::vsqrt;

[[gnu::always_inline]] inline vl isel(vl m, vl a, vl b) {
    return m ? a : b;
}
[[gnu::always_inline]] inline vl lsplat(std::int64_t a) {
    return vl{a, a, a, a, a, a, a, a};
}
// f(a) in the lanes of m (a scalar function), 0 elsewhere.
template <class F>
[[gnu::always_inline]] inline vd per_lane(vl m, vd a, F f) {
    vd r = splat(0.0);
    for (int i = 0; i < 8; ++i) {
        if (m[i] != 0) {
            r[i] = f(a[i]);
        }
    }
    return r;
}

// erfc_own, z >= 0.
[[gnu::always_inline]] inline vd verfc(vl m, vd z) {
    return detail::simd::verfcx(z, m) * detail::simd::vexp_np(-(z * z));
}
// acklam_lower_tail_ratio
template <std::size_t N>
[[gnu::always_inline]] inline vd horner(const double (&c)[N], vd x) {
    vd v = splat(c[0]);
    for (std::size_t i = 1; i < N; ++i) {
        v = vfma(v, x, splat(c[i]));
    }
    return v;
}
[[gnu::always_inline]] inline void acklam_tail_ratio(vd log_p, vd& num, vd& den) {
    const vd q = vsqrt(-2.0 * log_p);
    num = horner(k_acklam_c, q);
    den = vfma(horner(k_acklam_d, q), q, splat(1.0));
}
// inv_norm_cdf_guess in the lanes of m: the central range in vector code, the tails (one log)
// and invalid p lane by lane.
[[gnu::always_inline]] inline vd inv_norm_cdf_guess(vl m, vd p) {
    const vl valid = (p > 0.0) & (p < 1.0);
    const vl upper = p > 0.5;
    const vd u = sel(upper, 1.0 - p, p);
    const vl central = m & valid & ~(u < k_acklam_low);
    vd z = splat(0.0);
    if (any(central)) {
        const vd q = sel(central, u, splat(0.25)) - 0.5;
        const vd r = q * q;
        const vd zc = horner(k_acklam_a, r) * q / vfma(horner(k_acklam_b, r), r, splat(1.0));
        z = sel(upper, -zc, zc);
    }
    const vl rest = m & ~central;
    if (any(rest)) {
        z = sel(
            rest,
            per_lane(rest, p,
                     [](double a) { return screener::pricing::inv_norm_cdf_guess<OwnMath>(a); }),
            z);
    }
    return z;
}

constexpr std::int64_t k_lower = static_cast<std::int64_t>(Objective::Lower);
constexpr std::int64_t k_middle = static_cast<std::int64_t>(Objective::Middle);
constexpr std::int64_t k_upper = static_cast<std::int64_t>(Objective::Upper);

[[gnu::always_inline]] inline vd hermite(vd beta, vd b0, vd s0, vd ds0, vd b1, vd s1, vd ds1) {
    const vd width = b1 - b0;
    const vd u = (beta - b0) / width;
    const vd u2 = u * u;
    const vd u3 = u2 * u;
    return (2 * u3 - 3 * u2 + 1) * s0 + (u3 - 2 * u2 + u) * width * ds0 + (3 * u2 - 2 * u3) * s1 +
           (u3 - u2) * width * ds1;
}

struct Value {
    vd b, vega, upper, mantissa, exponent;
};

// boundary_lookup, lane by lane.
struct Interpolated8 {
    vd ln_bl, bu, upper_u;
};
[[gnu::always_inline]] inline Interpolated8 boundary_lookup8(vd y) {
    const BoundaryTable& t = boundary_table();
    // Lanes outside the table's range (their values unused) read its last interval instead.
    const vd pos = sel(y < k_table_max_y, y, splat(k_table_max_y)) * k_table_scale;
    const vl i = __builtin_convertvector(pos, vl);
    const vd w = pos - __builtin_convertvector(i, vd);
    const vl i1 = i + 1;
    using detail::simd::vgather;
    const vd l0 = vgather(t.ln_bl, i), u0 = vgather(t.bu, i), p0 = vgather(t.upper_u, i);
    return {l0 + w * (vgather(t.ln_bl, i1) - l0), u0 + w * (vgather(t.bu, i1) - u0),
            p0 + w * (vgather(t.upper_u, i1) - p0)};
}

struct Solver8 {
    // No default member initialisers: the implicit constructor would not be an AVX-512
    // function (reset() sets the state).
    vd beta, x, b_max, price, scale;
    vl itm;
    vd log_beta, inv_log_beta;
    vd lo, hi;
    vd s;
    vl objective;
    vd log_upper_beta, upper_beta;
    vl near;
    vl bracket_at_boundary; // Solver::bracket_at_boundary
    vl step;
    vl boundary;
    vd s_c, s_b;
    vd c_b, c_vega;
    vd f_b, inv_k;
    vl done;
    vd eval_s, eval_tolerance;

    [[gnu::always_inline]] void reset() {
        log_beta = inv_log_beta = lo = s = log_upper_beta = upper_beta = splat(0.0);
        s_c = s_b = c_b = c_vega = f_b = inv_k = eval_s = eval_tolerance = splat(0.0);
        hi = splat(k_inf);
        objective = lsplat(k_middle);
        near = step = boundary = done = lsplat(0);
        bracket_at_boundary = lsplat(-1);
    }
    // Lanes m: request b(at) with the tolerance.
    [[gnu::always_inline]] void request(vl m, vd at, vd tolerance) {
        eval_s = sel(m, at, eval_s);
        eval_tolerance = sel(m, tolerance, eval_tolerance);
    }
    [[gnu::always_inline]] void finish(vl m, vd result) {
        s = sel(m, result, s);
        done = done | m;
    }
    // Lanes outside `live` are not solved (done from the start).
    [[gnu::always_inline]] void begin(vl live) {
        done = ~live;
        const vl atm = live & (x == 0.0);
        if (any(atm)) {
            const vd arg = 0.5 * (1.0 - beta);
            s = sel(atm,
                    -2.0 * per_lane(atm, arg, [](double p) { return detail::inv_norm_cdf(p, 2); }),
                    s);
            objective = isel(atm & (beta > 0.5 * b_max), lsplat(k_upper), objective);
            start_iterations(atm);
        }
        const vl rest = live & ~atm;
        if (!any(rest)) {
            return;
        }
        s_c = vsqrt(-2.0 * x);
        // central_black
        const vd y = vsqrt(-x);
        const vl small = y <= detail::k_cody_small;
        vd one_minus = splat(0.0);
        if (any(small & rest)) {
            const vd ysq = -x;
            vd num = detail::k_cody_a[4] * ysq;
            vd den = ysq;
            for (int i = 0; i < 3; ++i) {
                num = (num + detail::k_cody_a[i]) * ysq;
                den = (den + detail::k_cody_b[i]) * ysq;
            }
            const vd erf = y * (num + detail::k_cody_a[3]) / (den + detail::k_cody_b[3]);
            const vd em1 = detail::simd::vexpm1_small(ysq);
            one_minus = sel(small, (1.0 + em1) * erf - em1, one_minus);
        }
        const vl mid = ~small & rest;
        if (any(mid)) {
            one_minus =
                sel(mid, 1.0 - detail::simd::verfcx(sel(mid, y, splat(1.0)), mid), one_minus);
        }
        c_b = 0.5 * b_max * one_minus;
        c_vega = detail::k_inv_sqrt_2pi * b_max;
        const vl lower_half = rest & (beta < c_b);
        const vl upper_half = rest & ~(beta < c_b);
        hi = sel(lower_half, s_c, hi);
        lo = sel(upper_half, s_c, lo);
        s_b = sel(lower_half, s_c - detail::k_sqrt_half_pi * one_minus,
                  s_c + detail::k_sqrt_half_pi * (2.0 - one_minus));
        const vl with_boundary = lower_half & (s_b > 0.0);
        // Lanes that start their steps without b(s_b) (deep_lowest, near_centre).
        vl deep = lsplat(0);
        if (any(with_boundary)) {
            prepare_lowest(with_boundary);
            // Solver::deep_lowest
            const vd log_u = (log_beta + detail::simd::vlog_own(inv_k)) * (1.0 / 3.0);
            const vl tail = with_boundary & (log_u < k_log_acklam_low);
            if (any(tail)) {
                vd num, den;
                acklam_tail_ratio(sel(tail, log_u, splat(-4.0)), num, den);
                const vd guess = x * den / (k_sqrt3 * num);
                deep = tail & (num < 0.0) & (guess < k_deep * s_b);
                objective = isel(deep, lsplat(k_lower), objective);
                s = sel(deep, guess, s);
            }
        }
        // Solver::near_centre
        const vl candidates = (with_boundary & ~deep) | upper_half;
        vl central = lsplat(0);
        if (any(candidates)) {
            const vd tangent = s_c + (beta - c_b) / c_vega;
            central = candidates & (vfabs(tangent - s_c) < k_central * vfabs(s_b - s_c));
            s = sel(central, tangent, s);
            objective = isel(central & (beta > 0.5 * b_max), lsplat(k_upper), objective);
        }
        const vl skip = deep | central;
        // Solver: b(s_b) from the table where |x| is in its range.
        const vl in_table = -x < k_table_max_y * k_table_max_y;
        const vl lower_table = with_boundary & ~skip & in_table;
        const vl upper_table = upper_half & ~skip & in_table;
        const vl boundary_lanes = with_boundary & ~skip & ~in_table;
        const vl upper_lanes = upper_half & ~skip & ~in_table;
        if (any(skip)) {
            if (!any(boundary_lanes | upper_lanes)) {
                start_iterations(skip);
            } else {
                // The others need a round for b(s_b) first: these lanes wait for it (stage 3),
                // so that every later round finds the group at one stage. Their results are the
                // same either way.
                boundary = isel(skip, lsplat(3), boundary);
                request(skip, s_b, splat(k_rough));
            }
        }
        if (any(lower_table | upper_table)) {
            const Interpolated8 b = boundary_lookup8(vsqrt(-x));
            bracket_at_boundary = bracket_at_boundary & ~(lower_table | upper_table);
            if (any(lower_table)) {
                lower_guess(lower_table, Value{-x * detail::simd::vexp_np(b.ln_bl), splat(0.0),
                                               splat(-1.0), splat(0.0), splat(0.0)});
            }
            if (any(upper_table)) {
                upper_guess(upper_table, Value{b_max * b.bu, splat(0.0), b_max * b.upper_u,
                                               splat(0.0), splat(0.0)});
            }
        }
        if (any(boundary_lanes)) {
            prepare_lowest_boundary(boundary_lanes);
            boundary = isel(boundary_lanes, lsplat(1), boundary);
            request(boundary_lanes, s_b, splat(k_rough));
        }
        const vl without = lower_half & ~(s_b > 0.0);
        if (any(without)) {
            lower_guess(without,
                        Value{splat(0.0), splat(0.0), splat(-1.0), splat(0.0), splat(0.0)});
        }
        if (any(upper_lanes)) {
            f_b = sel(upper_lanes, upper_tail_at_boundary(upper_lanes), f_b);
            boundary = isel(upper_lanes, lsplat(2), boundary);
            request(upper_lanes, s_b, splat(k_rough));
        }
    }
    [[gnu::always_inline]] void prepare_lowest(vl m) {
        const vl direct = itm | (beta > 1e-290);
        const vd lb_direct = detail::simd::vlog_own(beta);
        const vl indirect = m & ~direct;
        vd lb = lb_direct;
        if (any(indirect)) {
            const vd lp = detail::simd::vlog_own(price);
            const vd ls = detail::simd::vlog_own(scale);
            lb = sel(indirect, lp - ls, lb);
        }
        log_beta = sel(m, lb, log_beta);
        inv_log_beta = sel(m, 1.0 / lb, inv_log_beta);
        inv_k = sel(m, 1.0 / (k_two_pi * -x / (3.0 * k_sqrt3)), inv_k);
    }
    // Solver::vega_at, Solver::upper_tail_at_boundary
    [[gnu::always_inline]] vd vega_at(vd at) const {
        const vd h = x / at;
        const vd t = 0.5 * at;
        return detail::k_inv_sqrt_2pi * detail::simd::vexp_np(-0.5 * (h * h + t * t));
    }
    [[gnu::always_inline]] vd upper_tail_at_boundary(vl m) const {
        return 0.5 * verfc(m, 0.5 * s_b * detail::k_inv_sqrt2);
    }
    [[gnu::always_inline]] void prepare_lowest_boundary(vl m) {
        const vd k = k_two_pi * -x / (3.0 * k_sqrt3);
        const vd n_l = 0.5 * verfc(m, -x / (k_sqrt3 * s_b) * detail::k_inv_sqrt2);
        f_b = sel(m, k * n_l * n_l * n_l, f_b);
    }
    [[gnu::always_inline]] void lower_guess(vl m, const Value& l) {
        boundary = isel(m, lsplat(0), boundary);
        const vd s_l = s_b;
        const vl lowest = m & (beta < l.b);
        vd guess = s;
        if (any(lowest)) {
            hi = sel(lowest & bracket_at_boundary, s_l * (1.0 + k_rough_margin), hi);
            const vl from_table = lowest & ~bracket_at_boundary;
            if (any(from_table)) {
                prepare_lowest_boundary(from_table);
            }
            objective = isel(lowest, lsplat(k_lower), objective);
            const vd inv_lb = 1.0 / l.b;
            const vd ratio = beta * inv_lb;
            const vd f = beta * (1.0 + (f_b * inv_lb - 1.0) * ratio);
            const vd log_u = detail::simd::vlog_own(f * inv_k) * (1.0 / 3.0);
            const vl tail = lowest & (log_u < k_log_acklam_low);
            if (any(tail)) {
                vd num, den;
                acklam_tail_ratio(sel(tail, log_u, splat(-4.0)), num, den);
                guess = sel(tail, sel(num < 0.0, x * den / (k_sqrt3 * num), 0.5 * s_l), guess);
            }
            const vl central = lowest & ~(log_u < k_log_acklam_low);
            if (any(central)) {
                const vd z = inv_norm_cdf_guess(
                    central, detail::simd::vexp_np(sel(central, log_u, splat(-1.0))));
                guess = sel(central, sel(z < 0.0, x / (k_sqrt3 * z), 0.5 * s_l), guess);
            }
        }
        const vl middle = m & ~(beta < l.b);
        if (any(middle)) {
            const vd s_l0 = sel(s_l < 0.0, splat(0.0), s_l); // std::max(s_l, 0.0)
            lo = sel(middle & bracket_at_boundary, s_l0 * (1.0 - k_rough_margin), lo);
            vd vega_l = l.vega;
            if (any(middle & ~bracket_at_boundary)) {
                vega_l = sel(bracket_at_boundary, vega_l, vega_at(s_l0));
            }
            const vd ds_l = sel(vega_l > 0.0, 1.0 / vega_l, splat(0.0));
            guess = sel(middle, hermite(beta, l.b, s_l0, ds_l, c_b, s_c, 1.0 / c_vega), guess);
        }
        s = sel(m, guess, s);
        start_iterations(m);
    }
    [[gnu::always_inline]] void upper_guess(vl m, const Value& u) {
        boundary = isel(m, lsplat(0), boundary);
        const vd s_u = s_b;
        const vl inner = m & (beta <= u.b);
        vd guess = s;
        if (any(inner)) {
            hi = sel(inner & bracket_at_boundary, s_u * (1.0 + k_rough_margin), hi);
            vd vega_u = u.vega;
            if (any(inner & ~bracket_at_boundary)) {
                vega_u = sel(bracket_at_boundary, vega_u, vega_at(s_u));
            }
            guess =
                sel(inner, hermite(beta, c_b, s_c, 1.0 / c_vega, u.b, s_u, 1.0 / vega_u), guess);
        }
        const vl highest = m & ~(beta <= u.b);
        if (any(highest)) {
            lo = sel(highest & bracket_at_boundary, s_u * (1.0 - k_rough_margin), lo);
            const vl from_table = highest & ~bracket_at_boundary;
            if (any(from_table)) {
                f_b = sel(from_table, upper_tail_at_boundary(from_table), f_b);
            }
            const vd f = f_b * ((b_max - beta) / sel(u.upper >= 0.0, u.upper, b_max - u.b));
            guess = sel(highest, -2.0 * inv_norm_cdf_guess(highest, f), guess);
        }
        s = sel(m, guess, s);
        objective = isel(m & (beta > 0.5 * b_max), lsplat(k_upper), objective);
        start_iterations(m);
    }
    [[gnu::always_inline]] void start_iterations(vl m) {
        const vl up = m & (objective == k_upper);
        log_upper_beta = sel(m, splat(0.0), log_upper_beta);
        if (any(up)) {
            log_upper_beta = sel(up, detail::simd::vlog_own(b_max - beta), log_upper_beta);
        }
        upper_beta = sel(m, b_max - beta, upper_beta);
        near = isel(m, lsplat(0), near);
        step = isel(m, lsplat(0), step);
        next_step(m);
    }
    [[gnu::always_inline]] void next_step(vl m) {
        const vl last = m & (step >= k_max_steps);
        finish(last, s);
        const vl go = m & ~last;
        const vl out = go & ~((s > lo) & (s < hi));
        if (any(out)) {
            const vd bisect = sel(hi < k_inf, sel(lo > 0.0, vsqrt(lo * hi), 0.5 * hi), 2.0 * lo);
            s = sel(out, bisect, s);
            near = isel(out, lsplat(0), near);
        }
        request(go, s, sel(step == 0, splat(k_rough), splat(0.25 * k_eps)));
    }
    [[gnu::always_inline]] void iterate(vl m, const Value& v) {
        const vd upper = sel(v.upper >= 0.0, v.upper, b_max - v.b);
        const vl lower_ok = (v.b > k_plain_min) & (beta > k_plain_min);
        const vl upper_ok = upper > k_plain_min;
        const vl switch_plain = near & isel(objective == k_lower, lower_ok, upper_ok);
        const vl current = isel(switch_plain, lsplat(k_middle), objective);
        const vl cur_lower = m & (current == k_lower);
        const vl cur_upper = m & (current == k_upper);
        const vl cur_middle = m & (current == k_middle);
        vd lb = splat(0.0);
        if (any(cur_lower)) {
            lb = sel(cur_lower, detail::simd::vlog_own(v.mantissa) + v.exponent, lb);
        }
        const vl first = step == 0;
        const vl below = isel(current == k_lower, lb < log_beta, v.b < beta);
        lo = sel(m & ~first & below, s, lo);
        hi = sel(m & ~first & ~below, s, hi);
        const vd x2 = x * x;
        const vd inv_s = 1.0 / s;
        const vd inv_s2 = inv_s * inv_s;
        const vd x2_s2 = x2 * inv_s2;
        const vd w = vfma(x2_s2, inv_s, -0.25 * s);
        const vd dw = vfma(-3.0 * x2_s2, inv_s2, splat(-0.25));
        vd g = splat(0.0), g1 = splat(1.0), h2 = splat(0.0), h3 = splat(0.0);
        if (any(cur_lower)) {
            const vd qv = detail::k_inv_sqrt_2pi / v.mantissa;
            const vd wq = w - qv;
            const vd inv_lb = 1.0 / lb;
            const vd qv_lb = qv * inv_lb;
            g = sel(cur_lower, inv_lb - inv_log_beta, g);
            g1 = sel(cur_lower, -qv_lb * inv_lb, g1);
            h2 = sel(cur_lower, wq - 2.0 * qv_lb, h2);
            h3 =
                sel(cur_lower, wq * wq + dw - qv * wq - 6.0 * qv_lb * wq + 6.0 * qv_lb * qv_lb, h3);
        }
        if (any(cur_upper)) {
            const vd p = v.vega / upper;
            const vd lu = detail::simd::vlog_own(upper);
            g = sel(cur_upper, log_upper_beta - lu, g);
            g1 = sel(cur_upper, p, g1);
            h2 = sel(cur_upper, w + p, h2);
            h3 = sel(cur_upper, vfma(w + p, w + 2.0 * p, dw), h3);
        }
        if (any(cur_middle)) {
            g = sel(cur_middle, sel(objective == k_upper, upper_beta - upper, v.b - beta), g);
            g1 = sel(cur_middle, v.vega, g1);
            h2 = sel(cur_middle, w, h2);
            h3 = sel(cur_middle, vfma(w, w, dw), h3);
        }
        const vd gh2 = g * h2;
        vd ds = -g * (g1 - 0.5 * gh2) / vfma(g1, g1 - gh2, g * g * h3 * (1.0 / 6.0));
        const vl bad = m & ~(vfabs(ds) <= splat(std::numeric_limits<double>::max()));
        if (any(bad)) {
            const vd nu = -g / g1;
            ds = sel(bad, nu * (1.0 + 0.5 * nu * h2) / (1.0 + nu * (h2 + nu * h3 * (1.0 / 6.0))),
                     ds);
        }
        const vl still_bad = m & ~(vfabs(ds) <= splat(std::numeric_limits<double>::max()));
        // Non-finite step: bisect on the next pass.
        const vl good = m & ~still_bad;
        const vd next = s + ds;
        const vd max1 = sel(1.0 < x2_s2, x2_s2, splat(1.0)); // std::max(1.0, x2_s2)
        const vd converged = sel(current != objective, k_converged / max1, splat(k_converged));
        const vl conv = good & (vfabs(ds) <= converged * s) & ~first;
        finish(conv, sel((next > lo) & (next < hi), next, s));
        const vl cont = good & ~conv;
        near = isel(cont, vfabs(ds) <= k_near * s, near);
        s = sel(cont, next, sel(still_bad, splat(-1.0), s));
        const vl advance = cont | still_bad;
        step = isel(advance, step + 1, step);
        next_step(advance);
    }
};

// Solves eight prepared options; s_out receives s (not yet divided by sqrt t).
// lanes: how many of the eight are solved (the others must hold valid copies).
[[gnu::noinline]] void solve8(int lanes, const double* beta, const double* x, const double* b_max,
                              const double* price, const double* scale, const std::int64_t* itm,
                              double* s_out) {
    Solver8 sv;
    sv.reset();
    sv.beta = *(const vd*)beta;
    sv.x = *(const vd*)x;
    sv.b_max = *(const vd*)b_max;
    sv.price = *(const vd*)price;
    sv.scale = *(const vd*)scale;
    sv.itm = *(const vl*)itm;
    vl live;
    for (int i = 0; i < 8; ++i) {
        live[i] = i < lanes ? -1 : 0;
    }
    sv.begin(live);
    while (any(~sv.done)) {
        Value v;
        detail::simd::vblack(sv.x, sv.eval_s, sv.b_max, sv.eval_tolerance, v.b, v.vega, v.upper,
                             v.mantissa, v.exponent);
        const vl live = ~sv.done;
        const vl m1 = live & (sv.boundary == 1);
        const vl m2 = live & (sv.boundary == 2);
        const vl m0 = live & (sv.boundary == 0);
        const vl m3 = live & (sv.boundary == 3);
        if (any(m1)) {
            sv.lower_guess(m1, v);
        }
        if (any(m2)) {
            sv.upper_guess(m2, v);
        }
        if (any(m0)) {
            sv.iterate(m0, v);
        }
        if (any(m3)) {
            sv.boundary = isel(m3, lsplat(0), sv.boundary);
            sv.start_iterations(m3);
        }
    }
    *(vd*)s_out = sv.s;
}

[[gnu::always_inline]] inline vl finite(vd a) {
    return vfabs(a) <= std::numeric_limits<double>::max();
}
// prepare<OwnMath> for eight options (solved: the answer is known, in result).
struct Prepared8 {
    vl solved;
    vd result, beta, x, b_max, scale, sqrt_t;
    vl itm;
};
[[gnu::always_inline]] inline Prepared8 prepare8(vl call, vd price, vd spot, vd strike, vd t, vd r,
                                                 vd q) {
    using detail::simd::vexp_np;
    const vl invalid = ~((t > 0.0) & (spot > 0.0) & (strike > 0.0) & finite(price) & finite(r) &
                         finite(q) & finite(t) & finite(spot) & finite(strike));
    const vd theta_sign = sel(call, splat(1.0), splat(-1.0));
    const vd bound_base = sel(theta_sign > 0.0, spot, strike);
    const vd bound_rate_t = sel(theta_sign > 0.0, q, r) * t;
    vl above_bound = ~(price < bound_base * (1.0 - bound_rate_t) * (1.0 - 4.0 * k_eps)) & ~invalid;
    if (any(above_bound)) {
        above_bound = above_bound & (price >= bound_base * vexp_np(-bound_rate_t));
    }
    const vd ratio = spot / strike;
    const vl near_money = (ratio > 0.5) & (ratio < 2.0);
    vd log_moneyness = splat(0.0);
    if (any(near_money)) {
        log_moneyness = detail::simd::vlog1p_own((spot - strike) / strike);
    }
    if (any(~near_money)) {
        log_moneyness = sel(near_money, log_moneyness, detail::simd::vlog_own(ratio));
    }
    const vd x = log_moneyness + (r - q) * t;
    const vd scale = vsqrt(spot) * vsqrt(strike) * vexp_np(-0.5 * (r + q) * t);
    const vd beta = price / scale;
    const vl itm = theta_sign * x > 0.0;
    vd intrinsic = splat(0.0);
    if (any(itm)) {
        intrinsic = sel(itm, detail::simd::vtwo_sinh_own(0.5 * vfabs(x)), intrinsic);
    }
    const vd beta_otm = beta - intrinsic;
    const vd x_otm = -vfabs(x);
    const vl otm_ok = (intrinsic == 0.0) & (price > 0.0);
    const vl at_intrinsic = ~otm_ok & (beta_otm <= 4.0 * k_eps * beta);
    const vd intrinsic_result = sel(beta_otm >= -4.0 * k_eps * beta, splat(0.0), splat(k_nan));
    const vd b_max = vexp_np(0.5 * x_otm);
    const vl above_max = ~(beta_otm < b_max);
    Prepared8 p;
    // In the scalar order of the checks: invalid, the bound, the intrinsic value, b_max.
    p.solved = invalid | above_bound | at_intrinsic | above_max;
    p.result =
        sel(invalid | above_bound, splat(k_nan), sel(at_intrinsic, intrinsic_result, splat(k_nan)));
    p.beta = beta_otm;
    p.x = x_otm;
    p.b_max = b_max;
    p.scale = scale;
    p.sqrt_t = vsqrt(t);
    p.itm = intrinsic > 0.0;
    return p;
}

// implied_vol_batch for n <= k_chunk options on AVX-512: prepared eight at a time, the
// unsolved ones gathered and solved eight at a time.
constexpr std::size_t k_chunk = 256;
[[gnu::noinline]] void solve_chunk(std::size_t n, const OptionType* type, const double* price,
                                   const double* spot, const double* strike, const double* t,
                                   const double* r, const double* q, double* out) {
    alignas(64) double beta[k_chunk], xs[k_chunk], b_max[k_chunk], prices[k_chunk], scales[k_chunk],
        sqrt_t[k_chunk], s[k_chunk];
    alignas(64) std::int64_t itm[k_chunk], index[k_chunk];
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; i += 8) {
        // Eight inputs; past the end, copies of the last one (results unused).
        alignas(64) double in[6][8];
        const double* const columns[6] = {price, spot, strike, t, r, q};
        vl call;
        if (i + 8 <= n) {
            for (int c = 0; c < 6; ++c) {
                *(vd*)in[c] = (vd)_mm512_loadu_pd(columns[c] + i);
            }
            for (std::size_t k = 0; k < 8; ++k) {
                call[k] = type[i + k] == OptionType::Call ? -1 : 0;
            }
        } else {
            for (std::size_t k = 0; k < 8; ++k) {
                const std::size_t j = std::min(i + k, n - 1);
                call[k] = type[j] == OptionType::Call ? -1 : 0;
                for (int c = 0; c < 6; ++c) {
                    in[c][k] = columns[c][j];
                }
            }
        }
        const Prepared8 p = prepare8(call, *(const vd*)in[0], *(const vd*)in[1], *(const vd*)in[2],
                                     *(const vd*)in[3], *(const vd*)in[4], *(const vd*)in[5]);
        // Answers known: stored; the rest packed into the solver's arrays (compress stores).
        const unsigned lanes = n - i < 8 ? (1u << (n - i)) - 1 : 0xffu;
        const __mmask8 solved = static_cast<__mmask8>(
            __builtin_ia32_ptestmq512((__v8di)p.solved, (__v8di)p.solved, 0xff) & lanes);
        const __mmask8 open = static_cast<__mmask8>(~solved & lanes);
        _mm512_mask_storeu_pd(out + i, solved, (__m512d)p.result);
        _mm512_mask_compressstoreu_pd(beta + m, open, (__m512d)p.beta);
        _mm512_mask_compressstoreu_pd(xs + m, open, (__m512d)p.x);
        _mm512_mask_compressstoreu_pd(b_max + m, open, (__m512d)p.b_max);
        _mm512_mask_compressstoreu_pd(prices + m, open, (__m512d) * (const vd*)in[0]);
        _mm512_mask_compressstoreu_pd(scales + m, open, (__m512d)p.scale);
        _mm512_mask_compressstoreu_epi64(itm + m, open, (__m512i)p.itm);
        _mm512_mask_compressstoreu_pd(sqrt_t + m, open, (__m512d)p.sqrt_t);
        const vl lane_index = vl{0, 1, 2, 3, 4, 5, 6, 7} + static_cast<std::int64_t>(i);
        _mm512_mask_compressstoreu_epi64(index + m, open, (__m512i)lane_index);
        m += static_cast<std::size_t>(__builtin_popcount(open));
    }
    if (m == 0) {
        return;
    }
    // The last group is filled up with copies of the last option (results unused).
    const std::size_t padded = (m + 7) / 8 * 8;
    for (std::size_t k = m; k < padded; ++k) {
        beta[k] = beta[m - 1];
        xs[k] = xs[m - 1];
        b_max[k] = b_max[m - 1];
        prices[k] = prices[m - 1];
        scales[k] = scales[m - 1];
        itm[k] = itm[m - 1];
        sqrt_t[k] = sqrt_t[m - 1];
        index[k] = index[m - 1];
    }
    for (std::size_t k = 0; k < padded; k += 8) {
        solve8(static_cast<int>(std::min<std::size_t>(8, m - k)), beta + k, xs + k, b_max + k,
               prices + k, scales + k, itm + k, s + k);
    }
    for (std::size_t k = 0; k < padded; k += 8) {
        const __mmask8 lanes = m - k < 8 ? static_cast<__mmask8>((1u << (m - k)) - 1) : 0xff;
        const vd result = *(const vd*)(s + k) / *(const vd*)(sqrt_t + k);
        _mm512_mask_i64scatter_pd(out, lanes, *(const __m512i*)(index + k), (__m512d)result, 8);
    }
}

} // namespace vec

#pragma GCC pop_options

// flatten: the evaluations and guesses inlined into the one loop (no calls, no BlackValue
// through memory): ~3% on the bench grid.
template <class Math>
[[gnu::flatten]] inline double implied_vol_kernel(OptionType type, double price, double spot,
                                                  double strike, double t, double r, double q) {
    const Prepared p = prepare<Math>(type, price, spot, strike, t, r, q);
    if (p.solved) {
        return p.result;
    }
    Solver<Math> solver(p.beta, p.x, p.b_max, price, p.scale, p.itm);
    while (!solver.done) {
        solver.feed(normalised_black_with<true, Math::k_fma>(p.x, solver.eval_s, p.b_max,
                                                             solver.eval_tolerance));
    }
    return solver.s / p.sqrt_t;
}

// OwnMath's FMAs as instructions: everything is inlined into this function (flatten), which is
// compiled for FMA; called only where the CPU has AVX-512 (and so FMA).
[[gnu::flatten, gnu::target("avx2,fma")]] double implied_vol_own(OptionType type, double price,
                                                                 double spot, double strike,
                                                                 double t, double r, double q) {
    return implied_vol_kernel<OwnMath>(type, price, spot, strike, t, r, q);
}

} // namespace

double implied_vol(OptionType type, double price, double spot, double strike, double t, double r,
                   double q) {
    if (detail::simd::have_avx512()) {
        return implied_vol_own(type, price, spot, strike, t, r, q);
    }
    return implied_vol_kernel<LibmMath>(type, price, spot, strike, t, r, q);
}

void implied_vol_batch(std::span<const OptionType> type, std::span<const double> price,
                       std::span<const double> spot, std::span<const double> strike,
                       std::span<const double> t, std::span<const double> r,
                       std::span<const double> q, std::span<double> out) {
    const std::size_t n = type.size();
    if (!detail::simd::have_avx512()) {
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = implied_vol_kernel<LibmMath>(type[i], price[i], spot[i], strike[i], t[i], r[i],
                                                  q[i]);
        }
        return;
    }
    for (std::size_t begin = 0; begin < n; begin += vec::k_chunk) {
        const std::size_t m = std::min(vec::k_chunk, n - begin);
        vec::solve_chunk(m, type.data() + begin, price.data() + begin, spot.data() + begin,
                         strike.data() + begin, t.data() + begin, r.data() + begin,
                         q.data() + begin, out.data() + begin);
    }
}

} // namespace screener::pricing
