#include "screener/pricing/volatility.hpp"

#include <cmath>

namespace screener::pricing {

std::optional<double> historical_volatility(std::span<const double> closes, int window) {
    if (window < 2 || closes.size() < static_cast<size_t>(window) + 1) {
        return std::nullopt;
    }
    const auto tail = closes.subspan(closes.size() - static_cast<size_t>(window) - 1);
    double sum = 0;
    double sum_sq = 0;
    for (size_t i = 1; i < tail.size(); ++i) {
        if (!(tail[i] > 0) || !(tail[i - 1] > 0)) {
            return std::nullopt;
        }
        const double r = std::log(tail[i] / tail[i - 1]);
        sum += r;
        sum_sq += r * r;
    }
    const double n = window;
    const double variance = (sum_sq - sum * sum / n) / (n - 1);
    return std::sqrt(std::max(variance, 0.0) * 252.0);
}

} // namespace screener::pricing
