#pragma once
// Volatility statistics from price history and option chains.
//
// Conventions: realized (historical) volatilities are annualised with 252 trading days per year
// (they are measured on daily bars); implied-volatility inputs are the vendors' annualised IVs
// as decimals (0.25 = 25%) on a 365-day calendar year. Compare the two only after converting
// (IV_trading = IV_calendar x sqrt(365/252), FORMULAS 3.1).

#include "screener/core/date.hpp"
#include "screener/core/types.hpp"

#include <cstddef>
#include <optional>
#include <span>

namespace screener::pricing {

inline constexpr double k_trading_days_per_year = 252.0;
// IV rank / IV percentile look back over one trading year of daily IV30 observations.
inline constexpr std::size_t k_iv_lookback_days = 252;
// atm_iv_30d: the constant maturity, and how far from it a lone expiration may be when no pair
// of expirations brackets it (flat-volatility extrapolation beyond that range is not trusted:
// a weekly is dominated by events, a far month by term structure).
inline constexpr int k_iv_target_days = 30;
inline constexpr int k_iv_min_single_expiry_days = 7;
inline constexpr int k_iv_max_single_expiry_days = 60;
// Vendor IVs above this are sentinels or broken quotes (1000%), not information.
inline constexpr double k_max_plausible_iv = 10.0;

// Annualised close-to-close volatility of the last `window` log returns (sample standard
// deviation x sqrt(252)). nullopt when fewer than window + 1 closes or a close is not positive.
std::optional<double> historical_volatility(std::span<const double> closes, int window);

// Parkinson (1980) range estimator over the last `window` bars:
//   sigma^2 = 252 / (4 ln 2 * n) * sum ln(H/L)^2.
// Uses only each day's high/low, so it ignores overnight gaps (it understates volatility for a
// gappy name) but is about five times as efficient as close-to-close on a random walk.
// nullopt when fewer than `window` bars (window >= 1), or a bar has a non-positive low or
// high < low.
std::optional<double> parkinson_volatility(std::span<const Bar> bars, int window);

// Yang-Zhang (2000) OHLC estimator over the last `window` sessions (needs window + 1 bars: the
// first supplies the previous close):
//   sigma^2 = 252 * (V_overnight + k V_open_to_close + (1 - k) V_rogers_satchell),
//   k = 0.34 / (1.34 + (n + 1) / (n - 1)),
// with V_overnight and V_open_to_close sample variances (n - 1) of ln(O_i/C_{i-1}) and
// ln(C_i/O_i), and V_rogers_satchell the mean of ln(H/C) ln(H/O) + ln(L/C) ln(L/O).
// Prices are scaled by adjusted_close / close when both are positive, so a split or dividend
// between sessions is not read as an overnight gap. nullopt when fewer than window + 1 bars,
// window < 2, or a bar is not a valid OHLC bar (non-positive price, high below low, open or
// close outside [low, high]).
std::optional<double> yang_zhang_volatility(std::span<const Bar> bars, int window);

// At-the-money implied volatility of one expiration at `spot`: per strike the IV of the call
// and put averaged where both are usable (present, finite, 0 < iv <= k_max_plausible_iv), then
// linear interpolation in strike between the two strikes bracketing spot (the strike itself
// when spot is on one). nullopt when no strike on each side of spot has a usable IV.
std::optional<double> atm_iv(const OptionChain& chain, Date expiration, double spot);

// Constant-maturity 30-day ATM implied volatility (the IV30 series IV rank and IV percentile
// are computed on, FORMULAS 3.4). Time for each expiration is calendar days from `as_of`
// (expirations on or before `as_of` are ignored). With expirations at d1 <= 30 < d2 days and
// ATM IVs s1, s2, the total variance w = sigma^2 T is interpolated linearly in T:
//   w30 = w1 + (w2 - w1) (30 - d1) / (d2 - d1),  IV30 = sqrt(w30 / T30),
// so a front expiration sitting on an event is weighted by how much of the 30 days it covers.
// When no pair brackets 30 days, the expiration nearest to 30 days is used alone (its ATM IV,
// i.e. flat volatility) if it lies within [k_iv_min_single_expiry_days,
// k_iv_max_single_expiry_days]; otherwise nullopt. Also nullopt when spot is not positive or
// the bracketing expirations have no usable ATM IV (a bracket is only formed from expirations
// that have one).
std::optional<double> atm_iv_30d(const OptionChain& chain, double spot, Date as_of);

// IV rank and IV percentile (FORMULAS 3.4) -- two different statistics, never relabel one as
// the other:
//   IV rank       = (current - min) / (max - min) x 100  -- where current sits in the range;
//   IV percentile = % of observations strictly below current -- how often IV was lower.
// One spike in the history drags IV rank down for a year but barely moves IV percentile.
enum class IvStatStatus {
    Ok,
    NotEnoughHistory, // fewer usable observations than min_observations; value is nullopt
    FlatHistory,      // IV rank only: min == max (current included); value is nullopt
    InvalidCurrent,   // current IV is not finite and positive; value is nullopt
};

struct IvStat {
    IvStatStatus status = IvStatStatus::NotEnoughHistory;
    std::optional<double> value;  // 0..100, set only when status == Ok
    std::size_t observations = 0; // usable observations in the window
};

// Both functions take `history` oldest first, NOT including `current`, and use its last
// `lookback` entries; entries that are not finite and positive (missing days stored as 0 or
// NaN) are skipped and not counted.
//
// IV rank: min and max are taken over the window together with `current`, so a new high
// ranks 100 and a new low 0 (the value is always within 0..100). When every value, current
// included, is the same the range is zero and the rank is undefined: status FlatHistory.
IvStat iv_rank(std::span<const double> history, double current, std::size_t min_observations,
               std::size_t lookback = k_iv_lookback_days);
// IV percentile: 100 x (number of window observations < current) / (usable observations).
// A flat history is well defined here and is not special-cased: 0 when current is at or below
// the flat level, 100 when above.
IvStat iv_percentile(std::span<const double> history, double current, std::size_t min_observations,
                     std::size_t lookback = k_iv_lookback_days);

} // namespace screener::pricing
