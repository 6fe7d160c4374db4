#pragma once
// Price-level probabilities and move sizes under geometric Brownian motion
//   dS = mu S dt + sigma S dW,   ln(S_T / S) ~ Normal((mu - sigma^2/2) T, sigma^2 T).
// Conventions: t in years (years_to_expiry: 365-day calendar year, to 16:00 ET on the
// expiration date); sigma annualised on the same year (the vendor IV); mu is the annual drift
// of the price -- r - q for the risk-neutral measure, 0 for "driftless"; store which one was
// used. Every function returns NaN for invalid input (spot or level not positive, t or sigma
// negative, anything non-finite) so a bad row can never look like a real probability.
// prob_above (P(S_T > level), the N(d2) form) lives in black_scholes.hpp.

namespace screener::pricing {

// P(S_T < level): N(-d2) at `level`, the complement of prob_above computed directly (no
// 1 - p cancellation in the tail). With t = 0 or sigma = 0 the path is deterministic,
// S e^{mu t}, and the result is 1 if that is strictly below `level`, else 0.
double prob_below(double spot, double level, double t, double mu, double sigma);

// Probability that the price touches `level` at any time in [0, t] (continuous monitoring),
// from above or below depending on which side of spot `level` is; 1 when level == spot.
// Exact first-passage probability of the log-price, a Brownian motion with drift
// nu = mu - sigma^2/2 and volatility sigma, to the barrier b = ln(level / spot):
//   b > 0: N((-b + nu t)/(sigma sqrt t)) + exp(2 nu b / sigma^2) N((-b - nu t)/(sigma sqrt t))
//   b < 0: N(( b - nu t)/(sigma sqrt t)) + exp(2 nu b / sigma^2) N(( b + nu t)/(sigma sqrt t))
// With nu = 0 this is exactly 2 x P(finish beyond the level): the traders' "probability of
// touch = 2 x P(ITM)" rule (FORMULAS 3.2) is this formula's driftless (nu = 0) approximation;
// for a short-dated option the drift term is small and the rule is close. Real monitoring is
// discrete (closes or trades), so the true chance of a *recorded* touch is a little lower.
double prob_touch(double spot, double level, double t, double mu, double sigma);

// One-standard-deviation expected move from implied volatility: S sigma sqrt(t) (FORMULAS
// 3.3). A +-1 sigma band in the normal approximation: about 68% of outcomes land inside.
double expected_move_from_iv(double spot, double sigma, double t);

// One-standard-deviation expected move implied by the at-the-money straddle price. Under the
// normal approximation the ATM straddle is worth E|S_T - S| = sqrt(2/pi) S sigma sqrt(t)
// (about 0.80 sigma), so the 1 sigma move is straddle / sqrt(2/pi) = 1.2533 x straddle -- the
// same convention as expected_move_from_iv, so the two are directly comparable. (The straddle
// price itself is the mean absolute move; the "0.85 x straddle" rule of thumb is a ~50% band,
// not 1 sigma.)
double expected_move_from_straddle(double straddle_price);

// Distance of `strike` from spot in standard deviations of the log-price: ln(K/S) /
// (sigma sqrt t). Positive above spot, negative below; comparable across names (FORMULAS 3.3).
// NaN when sigma sqrt(t) is zero.
double strike_distance_sd(double spot, double strike, double sigma, double t);

} // namespace screener::pricing
