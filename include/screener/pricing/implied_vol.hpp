#pragma once
// Black-Scholes-Merton implied volatility by Jaeckel's "Let's Be Rational" scheme (2015/2024),
// written from the published method: normalise to an out-of-the-money call, a branch-wise
// initial guess around the inflection point s_c = sqrt(2|x|), Householder(3) steps on a
// per-branch objective that is nearly linear in s. Accuracy is what the price's own rounding
// allows (~1e-15 relative on well-conditioned prices).
//
// Conventions as in black_scholes.hpp: t in years, r and q continuous rates, q a dividend yield.
// Edge cases: a price equal to the intrinsic value of the forward (within 4 ulps) gives 0; a
// price below it, at or above the upper bound (spot e^{-qt} for a call, strike e^{-rt} for a
// put), t <= 0, spot or strike <= 0, or any NaN gives NaN. Never throws.

#include "screener/core/types.hpp"

#include <span>

namespace screener::pricing {

using OptionType = screener::OptionType;

// NaN when no volatility reproduces the price (below intrinsic, above the upper bound, t <= 0).
double implied_vol(OptionType type, double price, double spot, double strike, double t, double r,
                   double q);
// Same results as implied_vol, element by element, for structure-of-arrays input.
void implied_vol_batch(std::span<const OptionType> type, std::span<const double> price,
                       std::span<const double> spot, std::span<const double> strike,
                       std::span<const double> t, std::span<const double> r,
                       std::span<const double> q, std::span<double> out);

} // namespace screener::pricing
