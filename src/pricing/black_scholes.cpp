#include "screener/pricing/black_scholes.hpp"

#include "black_normalised.hpp"
#include "greeks_batch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace screener::pricing {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

bool valid_inputs(double spot, double strike, double t, double r, double q, double sigma) {
    return spot > 0 && strike > 0 && t >= 0 && sigma >= 0 && !std::isnan(r) && !std::isnan(q);
}

// Price and Greeks from the normalised problem. The price is scale * (intrinsic + b) with b the
// out-of-the-money normalised call at -|x| (put-call parity plus b_put(x) = b_call(-x)), so the
// intrinsic is added exactly once and nothing cancels. Greeks use the textbook closed forms;
// phi(d1) S e^{-qt} = scale * db/ds, which b's evaluation already provides.
inline Greeks greeks_kernel(OptionType type, double spot, double strike, double t, double r,
                            double q, double sigma) {
    if (!valid_inputs(spot, strike, t, r, q, sigma)) {
        return {k_nan, k_nan, k_nan, k_nan, k_nan, k_nan};
    }
    const double theta_sign = type == OptionType::Call ? 1.0 : -1.0;
    const auto [x, scale] = detail::normalise(spot, strike, t, r, q);
    const double intrinsic = detail::normalised_intrinsic(theta_sign, x);
    const double sqrt_t = std::sqrt(t);
    const double s = sigma * sqrt_t;
    const double df_r = std::exp(-r * t);
    const double df_q = std::exp(-q * t);
    Greeks g{};
    double n1, n2; // N(theta d1), N(theta d2)
    if (!(s > 0) || std::isinf(s)) {
        // Expiry, zero or infinite volatility: the limits of the closed forms.
        if (std::isinf(s)) {
            n1 = theta_sign > 0 ? 1.0 : 0.0;
            n2 = theta_sign > 0 ? 0.0 : 1.0;
            g.price = theta_sign > 0 ? spot * df_q : strike * df_r;
        } else {
            n1 = n2 = x == 0 ? 0.5 : (theta_sign * x > 0 ? 1.0 : 0.0);
            g.price = scale * intrinsic;
        }
        g.delta = theta_sign * df_q * n1;
        g.theta = theta_sign * (q * spot * df_q * n1 - r * strike * df_r * n2);
        g.rho = theta_sign * strike * t * df_r * n2;
        return g;
    }
    const detail::BlackValue bv = detail::normalised_black(-std::fabs(x), s);
    g.price = intrinsic > 0 ? scale * (intrinsic + bv.b) : detail::scaled_black(scale, bv);
    // N(d) = M(d) phi(d) with the Gaussian factors taken from the price's own exponential:
    // for the folded d1f = -|x|/s + s/2, d2f = d1f - s one has phi(d1f) = phi_e / e^{-|x|/2},
    // phi(d2f) = phi_e e^{-|x|/2}, phi_e = db/ds. Unfolding (x > 0) swaps and negates them.
    {
        const double xf = -std::fabs(x);
        const double hf = xf / s;
        const double d1f = hf + 0.5 * s;
        const double d2f = hf - 0.5 * s;
        const double half_b_max = std::exp(0.5 * xf);
        double phi1, phi2;
        if (half_b_max > 1e-300 && bv.vega > 0) {
            phi1 = bv.vega / half_b_max;
            phi2 = bv.vega * half_b_max;
        } else {
            phi1 = detail::k_inv_sqrt_2pi * std::exp(-0.5 * d1f * d1f);
            phi2 = detail::k_inv_sqrt_2pi * std::exp(-0.5 * d2f * d2f);
        }
        // Lower tails N(-|d|) = sqrt(pi/2) erfcx(|d|/sqrt2) phi(d), d2f < 0 always.
        const double tail1 =
            detail::k_sqrt_half_pi * detail::erfcx(std::fabs(d1f) * detail::k_inv_sqrt2) * phi1;
        const double tail2 =
            detail::k_sqrt_half_pi * detail::erfcx(-d2f * detail::k_inv_sqrt2) * phi2;
        const double n_d1f = d1f <= 0 ? tail1 : 1.0 - tail1; // N(d1f)
        const double n_d2f = tail2;                          // N(d2f)
        // Actual d1 = d1f, d2 = d2f when x <= 0; d1 = -d2f, d2 = -d1f when x > 0.
        double nd1, nd2, nmd1, nmd2; // N(d1), N(d2), N(-d1), N(-d2)
        if (x <= 0) {
            nd1 = n_d1f;
            nmd1 = d1f <= 0 ? 1.0 - tail1 : tail1;
            nd2 = n_d2f;
            nmd2 = 1.0 - tail2;
        } else {
            nd1 = 1.0 - tail2;
            nmd1 = tail2;
            nd2 = d1f <= 0 ? 1.0 - tail1 : tail1;
            nmd2 = n_d1f;
        }
        n1 = theta_sign > 0 ? nd1 : nmd1;
        n2 = theta_sign > 0 ? nd2 : nmd2;
    }
    const double dens = scale * bv.vega; // S e^{-qt} phi(d1) = K e^{-rt} phi(d2)
    g.delta = theta_sign * df_q * n1;
    g.gamma = dens / (spot * spot * s);
    g.vega = dens * sqrt_t;
    g.theta =
        -dens * sigma / (2 * sqrt_t) + theta_sign * (q * spot * df_q * n1 - r * strike * df_r * n2);
    g.rho = theta_sign * strike * t * df_r * n2;
    return g;
}

} // namespace

// erfc keeps the lower tail accurate (1 - N(x) by subtraction would lose it).
double norm_cdf(double x) {
    return 0.5 * std::erfc(-x * detail::k_inv_sqrt2);
}
double norm_pdf(double x) {
    return detail::k_inv_sqrt_2pi * std::exp(-0.5 * x * x);
}

double bs_price(OptionType type, double spot, double strike, double t, double r, double q,
                double sigma) {
    if (!valid_inputs(spot, strike, t, r, q, sigma)) {
        return k_nan;
    }
    const double theta_sign = type == OptionType::Call ? 1.0 : -1.0;
    const auto [x, scale] = detail::normalise(spot, strike, t, r, q);
    const double intrinsic = detail::normalised_intrinsic(theta_sign, x);
    const double s = sigma * std::sqrt(t);
    if (!(s > 0)) {
        return scale * intrinsic;
    }
    if (std::isinf(s)) {
        return theta_sign > 0 ? spot * std::exp(-q * t) : strike * std::exp(-r * t);
    }
    const detail::BlackValue bv = detail::normalised_black(-std::fabs(x), s);
    return intrinsic > 0 ? scale * (intrinsic + bv.b) : detail::scaled_black(scale, bv);
}

Greeks bs_greeks(OptionType type, double spot, double strike, double t, double r, double q,
                 double sigma) {
    return greeks_kernel(type, spot, strike, t, r, q, sigma);
}

void bs_greeks_batch(std::span<const OptionType> type, std::span<const double> spot,
                     std::span<const double> strike, std::span<const double> t,
                     std::span<const double> r, std::span<const double> q,
                     std::span<const double> sigma, std::span<Greeks> out) {
    const std::size_t n = type.size();
    if (!detail::simd::have_vector_kernel()) {
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = greeks_kernel(type[i], spot[i], strike[i], t[i], r[i], q[i], sigma[i]);
        }
        return;
    }
    // Chunks through the vectorised kernel (greeks_batch.hpp); the lanes it flags go through
    // the scalar kernel.
    unsigned char fallback[detail::simd::k_chunk];
    for (std::size_t i0 = 0; i0 < n; i0 += detail::simd::k_chunk) {
        const int len = static_cast<int>(std::min<std::size_t>(detail::simd::k_chunk, n - i0));
        const detail::simd::BatchIn in{type.data() + i0, spot.data() + i0, strike.data() + i0,
                                       t.data() + i0,    r.data() + i0,    q.data() + i0,
                                       sigma.data() + i0};
        detail::simd::greeks_chunk_avx512(len, in, out.data() + i0, fallback);
        for (int j = 0; j < len; ++j) {
            if (fallback[j]) {
                const std::size_t i = i0 + static_cast<std::size_t>(j);
                out[i] = greeks_kernel(type[i], spot[i], strike[i], t[i], r[i], q[i], sigma[i]);
            }
        }
    }
}

double prob_above(double spot, double level, double t, double mu, double sigma) {
    if (!(level > 0)) {
        return 1.0;
    }
    const double vol_sqrt_t = sigma * std::sqrt(t);
    if (!(vol_sqrt_t > 0)) {
        return spot * std::exp(mu * t) > level ? 1.0 : 0.0;
    }
    const double d2 = (std::log(spot / level) + (mu - 0.5 * sigma * sigma) * t) / vol_sqrt_t;
    return norm_cdf(d2);
}

} // namespace screener::pricing
