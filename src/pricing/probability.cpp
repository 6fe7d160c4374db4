#include "screener/pricing/probability.hpp"

#include "screener/pricing/black_scholes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace screener::pricing {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
// Below this norm_cdf is still representable (~1e-198) but its log is better taken from the
// asymptotic series, which stays finite where erfc underflows to 0.
constexpr double k_log_cdf_series_below = -30.0;

bool valid_inputs(double spot, double level, double t, double sigma) {
    return std::isfinite(spot) && spot > 0 && std::isfinite(level) && level > 0 &&
           std::isfinite(t) && t >= 0 && std::isfinite(sigma) && sigma >= 0;
}

// ln N(x) without underflow: the reflection term of prob_touch multiplies a possibly huge
// exp(2 nu b / sigma^2) by a tiny N(.), so it is formed as exp(log-sum) instead.
double log_norm_cdf(double x) {
    if (x > k_log_cdf_series_below) {
        return std::log(norm_cdf(x));
    }
    // Mills-ratio expansion: N(x) ~ phi(x)/(-x) * (1 - 1/x^2 + 3/x^4 - 15/x^6).
    const double x2 = x * x;
    const double series = 1 - 1 / x2 + 3 / (x2 * x2) - 15 / (x2 * x2 * x2);
    return -0.5 * x2 - std::log(-x) - 0.5 * std::log(2 * std::numbers::pi) + std::log(series);
}

} // namespace

double prob_below(double spot, double level, double t, double mu, double sigma) {
    if (!valid_inputs(spot, level, t, sigma) || !std::isfinite(mu)) {
        return k_nan;
    }
    const double vol_sqrt_t = sigma * std::sqrt(t);
    if (!(vol_sqrt_t > 0)) {
        return spot * std::exp(mu * t) < level ? 1.0 : 0.0;
    }
    const double d2 = (std::log(spot / level) + (mu - 0.5 * sigma * sigma) * t) / vol_sqrt_t;
    return norm_cdf(-d2);
}

double prob_touch(double spot, double level, double t, double mu, double sigma) {
    if (!valid_inputs(spot, level, t, sigma) || !std::isfinite(mu)) {
        return k_nan;
    }
    if (level == spot) {
        return 1.0;
    }
    const double b = std::log(level / spot);
    const double vol_sqrt_t = sigma * std::sqrt(t);
    if (!(vol_sqrt_t > 0)) {
        // Deterministic, monotone path ln(S_s/S) = mu s: it reaches b by t or never.
        const double end = mu * t;
        return (b > 0 ? end >= b : end <= b) ? 1.0 : 0.0;
    }
    const double nu = mu - 0.5 * sigma * sigma;
    const double sign = b > 0 ? 1.0 : -1.0;
    // Reflect a lower barrier onto an upper one: -X has drift -nu and barrier -b > 0.
    const double direct = norm_cdf((-sign * b + sign * nu * t) / vol_sqrt_t);
    const double exponent = 2 * nu * b / (sigma * sigma);
    const double reflected =
        std::exp(exponent + log_norm_cdf((-sign * b - sign * nu * t) / vol_sqrt_t));
    return std::clamp(direct + reflected, 0.0, 1.0);
}

double expected_move_from_iv(double spot, double sigma, double t) {
    if (!valid_inputs(spot, spot, t, sigma)) {
        return k_nan;
    }
    return spot * sigma * std::sqrt(t);
}

double expected_move_from_straddle(double straddle_price) {
    if (!std::isfinite(straddle_price) || straddle_price < 0) {
        return k_nan;
    }
    // 1 / sqrt(2/pi) = sqrt(pi/2).
    return straddle_price * std::sqrt(std::numbers::pi / 2);
}

double strike_distance_sd(double spot, double strike, double sigma, double t) {
    if (!valid_inputs(spot, strike, t, sigma)) {
        return k_nan;
    }
    const double vol_sqrt_t = sigma * std::sqrt(t);
    if (!(vol_sqrt_t > 0)) {
        return k_nan;
    }
    return std::log(strike / spot) / vol_sqrt_t;
}

} // namespace screener::pricing
