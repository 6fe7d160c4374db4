#include "screener/pricing/black_scholes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace screener::pricing {
namespace {

constexpr double k_inv_sqrt2 = 0.70710678118654752440;
constexpr double k_inv_sqrt2pi = 0.39894228040143267794;

double intrinsic(OptionType type, double forward_spot, double discounted_strike) {
    return type == OptionType::Call ? std::max(forward_spot - discounted_strike, 0.0)
                                    : std::max(discounted_strike - forward_spot, 0.0);
}

} // namespace

// erfc keeps the lower tail accurate (1 - N(x) by subtraction would lose it).
double norm_cdf(double x) {
    return 0.5 * std::erfc(-x * k_inv_sqrt2);
}
double norm_pdf(double x) {
    return k_inv_sqrt2pi * std::exp(-0.5 * x * x);
}

double bs_price(OptionType type, double spot, double strike, double t, double r, double q,
                double sigma) {
    return bs_greeks(type, spot, strike, t, r, q, sigma).price;
}

Greeks bs_greeks(OptionType type, double spot, double strike, double t, double r, double q,
                 double sigma) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (!(spot > 0) || !(strike > 0) || !(t >= 0) || !(sigma >= 0)) {
        return {nan, nan, nan, nan, nan, nan};
    }
    const double df_r = std::exp(-r * t);
    const double df_q = std::exp(-q * t);
    const double vol_sqrt_t = sigma * std::sqrt(t);
    if (vol_sqrt_t <= 0) {
        // Expiry or zero volatility: the discounted intrinsic value of the forward.
        const double price = intrinsic(type, spot * df_q, strike * df_r);
        const bool itm =
            type == OptionType::Call ? spot * df_q > strike * df_r : strike * df_r > spot * df_q;
        const double delta = itm ? (type == OptionType::Call ? df_q : -df_q) : 0.0;
        return {price, delta, 0.0, 0.0, 0.0, 0.0};
    }
    const double d1 = (std::log(spot / strike) + (r - q + 0.5 * sigma * sigma) * t) / vol_sqrt_t;
    const double d2 = d1 - vol_sqrt_t;
    const double pdf_d1 = norm_pdf(d1);
    Greeks g{};
    g.gamma = df_q * pdf_d1 / (spot * vol_sqrt_t);
    g.vega = spot * df_q * pdf_d1 * std::sqrt(t);
    const double decay = -spot * df_q * pdf_d1 * sigma / (2 * std::sqrt(t));
    if (type == OptionType::Call) {
        g.price = spot * df_q * norm_cdf(d1) - strike * df_r * norm_cdf(d2);
        g.delta = df_q * norm_cdf(d1);
        g.theta = decay - r * strike * df_r * norm_cdf(d2) + q * spot * df_q * norm_cdf(d1);
        g.rho = strike * t * df_r * norm_cdf(d2);
    } else {
        g.price = strike * df_r * norm_cdf(-d2) - spot * df_q * norm_cdf(-d1);
        g.delta = -df_q * norm_cdf(-d1);
        g.theta = decay + r * strike * df_r * norm_cdf(-d2) - q * spot * df_q * norm_cdf(-d1);
        g.rho = -strike * t * df_r * norm_cdf(-d2);
    }
    g.price = std::max(g.price, 0.0);
    return g;
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
