#pragma once
// Black-Scholes-Merton prices and Greeks with a continuous dividend yield.
// Conventions: t in years; r, q continuous annual rates; theta per year; vega and rho per 1.00.

#include "screener/core/types.hpp"

namespace screener::pricing {

using OptionType = screener::OptionType;

struct Greeks {
    double price, delta, gamma, theta, vega, rho;
};

double norm_cdf(double x);
double norm_pdf(double x);

double bs_price(OptionType type, double spot, double strike, double t, double r, double q,
                double sigma);
Greeks bs_greeks(OptionType type, double spot, double strike, double t, double r, double q,
                 double sigma);

// Probability that the terminal price ends above `level` under a lognormal with the given
// annual drift mu (r - q for risk-neutral, 0 for driftless): N(d2) evaluated at `level`.
double prob_above(double spot, double level, double t, double mu, double sigma);

} // namespace screener::pricing
