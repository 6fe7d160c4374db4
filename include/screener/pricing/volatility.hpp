#pragma once
// Volatility statistics from price history.

#include <optional>
#include <span>

namespace screener::pricing {

// Annualised close-to-close volatility of the last `window` log returns (sample standard
// deviation x sqrt(252)). nullopt when fewer than window + 1 closes or a close is not positive.
std::optional<double> historical_volatility(std::span<const double> closes, int window);

} // namespace screener::pricing
