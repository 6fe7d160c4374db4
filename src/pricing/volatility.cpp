#include "screener/pricing/volatility.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

namespace screener::pricing {
namespace {

bool usable_iv(const std::optional<double>& iv) {
    return iv && std::isfinite(*iv) && *iv > 0 && *iv <= k_max_plausible_iv;
}

bool usable_observation(double iv) {
    return std::isfinite(iv) && iv > 0;
}

// Running mean of the IVs quoted for one side at one strike (duplicates are averaged).
struct IvSum {
    double sum = 0;
    int count = 0;
    void add(double v) {
        sum += v;
        ++count;
    }
    std::optional<double> mean() const {
        return count > 0 ? std::optional<double>(sum / count) : std::nullopt;
    }
};

// The last `lookback` entries of `history`, keeping only usable observations.
std::vector<double> iv_window(std::span<const double> history, std::size_t lookback) {
    const auto tail =
        history.size() > lookback ? history.subspan(history.size() - lookback) : history;
    std::vector<double> out;
    out.reserve(tail.size());
    for (const double v : tail) {
        if (usable_observation(v)) {
            out.push_back(v);
        }
    }
    return out;
}

} // namespace

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
    return std::sqrt(std::max(variance, 0.0) * k_trading_days_per_year);
}

std::optional<double> parkinson_volatility(std::span<const Bar> bars, int window) {
    if (window < 1 || bars.size() < static_cast<size_t>(window)) {
        return std::nullopt;
    }
    const auto tail = bars.subspan(bars.size() - static_cast<size_t>(window));
    double sum_sq = 0;
    for (const auto& bar : tail) {
        if (!(bar.low > 0) || !(bar.high >= bar.low) || !std::isfinite(bar.high)) {
            return std::nullopt;
        }
        const double range = std::log(bar.high / bar.low);
        sum_sq += range * range;
    }
    const double variance = sum_sq / (4.0 * std::log(2.0) * window);
    return std::sqrt(variance * k_trading_days_per_year);
}

std::optional<double> yang_zhang_volatility(std::span<const Bar> bars, int window) {
    if (window < 2 || bars.size() < static_cast<size_t>(window) + 1) {
        return std::nullopt;
    }
    const auto tail = bars.subspan(bars.size() - static_cast<size_t>(window) - 1);
    // Scale each bar onto the adjusted series so splits and dividends are not overnight gaps.
    const auto scale = [](const Bar& bar) {
        return bar.adjusted_close > 0 && bar.close > 0 ? bar.adjusted_close / bar.close : 1.0;
    };
    const auto valid = [](const Bar& bar) {
        return bar.open > 0 && bar.high > 0 && bar.low > 0 && bar.close > 0 &&
               bar.high >= bar.low && std::isfinite(bar.high) && std::isfinite(bar.open) &&
               std::isfinite(bar.close);
    };
    if (!valid(tail[0])) {
        return std::nullopt;
    }
    std::vector<double> overnight;
    std::vector<double> open_close;
    double rogers_satchell = 0;
    for (size_t i = 1; i < tail.size(); ++i) {
        const Bar& bar = tail[i];
        if (!valid(bar)) {
            return std::nullopt;
        }
        const double prev_close = tail[i - 1].close * scale(tail[i - 1]);
        const double f = scale(bar);
        const double o = bar.open * f;
        const double c = bar.close * f;
        // The session's true range contains its open and close; widen a range that does not
        // (vendors mix primary-exchange opens with consolidated highs and lows).
        const double h = std::max({bar.high, bar.open, bar.close}) * f;
        const double l = std::min({bar.low, bar.open, bar.close}) * f;
        overnight.push_back(std::log(o / prev_close));
        open_close.push_back(std::log(c / o));
        rogers_satchell += std::log(h / c) * std::log(h / o) + std::log(l / c) * std::log(l / o);
    }
    const auto sample_variance = [](const std::vector<double>& xs) {
        double mean = 0;
        for (const double x : xs) {
            mean += x;
        }
        mean /= static_cast<double>(xs.size());
        double ss = 0;
        for (const double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        return ss / static_cast<double>(xs.size() - 1);
    };
    const double n = window;
    const double k = 0.34 / (1.34 + (n + 1) / (n - 1));
    const double variance = sample_variance(overnight) + k * sample_variance(open_close) +
                            (1 - k) * rogers_satchell / n;
    return std::sqrt(std::max(variance, 0.0) * k_trading_days_per_year);
}

std::optional<double> atm_iv(const OptionChain& chain, Date expiration, double spot) {
    if (!(spot > 0) || !std::isfinite(spot)) {
        return std::nullopt;
    }
    std::map<double, std::pair<IvSum, IvSum>> by_strike; // strike -> (calls, puts)
    for (const auto& contract : chain.contracts) {
        if (contract.expiration != expiration || !(contract.strike > 0) ||
            !usable_iv(contract.iv)) {
            continue;
        }
        auto& sides = by_strike[contract.strike];
        (contract.type == OptionType::Call ? sides.first : sides.second).add(*contract.iv);
    }
    // Per strike: the call/put average where both exist, else the side that does.
    const auto strike_iv = [](const std::pair<IvSum, IvSum>& sides) {
        const auto call = sides.first.mean();
        const auto put = sides.second.mean();
        return call && put ? (*call + *put) / 2 : call ? *call : *put;
    };
    const auto upper = by_strike.lower_bound(spot); // first strike >= spot
    if (upper == by_strike.end()) {
        return std::nullopt;
    }
    if (upper->first == spot) {
        return strike_iv(upper->second);
    }
    if (upper == by_strike.begin()) {
        return std::nullopt;
    }
    const auto lower = std::prev(upper);
    const double w = (spot - lower->first) / (upper->first - lower->first);
    return (1 - w) * strike_iv(lower->second) + w * strike_iv(upper->second);
}

std::optional<double> atm_iv_30d(const OptionChain& chain, double spot, Date as_of) {
    if (!(spot > 0) || !std::isfinite(spot)) {
        return std::nullopt;
    }
    std::vector<Date> expirations;
    for (const auto& contract : chain.contracts) {
        if (days_between(as_of, contract.expiration) > 0) {
            expirations.push_back(contract.expiration);
        }
    }
    std::sort(expirations.begin(), expirations.end());
    expirations.erase(std::unique(expirations.begin(), expirations.end()), expirations.end());

    // (days, ATM IV) of the nearest expiration on each side of the target with a usable IV.
    std::optional<std::pair<int, double>> below; // days <= target
    std::optional<std::pair<int, double>> above; // days > target
    for (const Date expiration : expirations) {
        const int days = days_between(as_of, expiration);
        if (days <= k_iv_target_days || !above) {
            if (const auto iv = atm_iv(chain, expiration, spot)) {
                if (days <= k_iv_target_days) {
                    below = std::pair{days, *iv}; // ascending: the last one is the nearest
                } else {
                    above = std::pair{days, *iv};
                }
            }
        }
    }
    if (below && below->first == k_iv_target_days) {
        return below->second;
    }
    if (below && above) {
        // The 365-day year cancels: sigma30^2 * 30 = w1 + (w2 - w1)(30 - d1)/(d2 - d1) in
        // variance-days.
        const double d1 = below->first;
        const double d2 = above->first;
        const double w1 = below->second * below->second * d1;
        const double w2 = above->second * above->second * d2;
        const double w30 = w1 + (w2 - w1) * (k_iv_target_days - d1) / (d2 - d1);
        return std::sqrt(std::max(w30, 0.0) / k_iv_target_days);
    }
    const auto& single = below ? below : above;
    if (single && single->first >= k_iv_min_single_expiry_days &&
        single->first <= k_iv_max_single_expiry_days) {
        return single->second;
    }
    return std::nullopt;
}

namespace {

// The usable observations of the lookback window in `window`, and a result whose status is Ok
// unless the current value or the amount of history already decides it.
IvStat checked_window(std::span<const double> history, double current, std::size_t min_observations,
                      std::size_t lookback, std::vector<double>& window) {
    IvStat result;
    window = iv_window(history, lookback);
    result.observations = window.size();
    if (!usable_observation(current)) {
        result.status = IvStatStatus::InvalidCurrent;
    } else if (window.empty() || window.size() < min_observations) {
        result.status = IvStatStatus::NotEnoughHistory;
    } else {
        result.status = IvStatStatus::Ok;
    }
    return result;
}

} // namespace

IvStat iv_rank(std::span<const double> history, double current, std::size_t min_observations,
               std::size_t lookback) {
    std::vector<double> window;
    IvStat result = checked_window(history, current, min_observations, lookback, window);
    if (result.status != IvStatStatus::Ok) {
        return result;
    }
    const auto [lo_it, hi_it] = std::minmax_element(window.begin(), window.end());
    const double lo = std::min(*lo_it, current);
    const double hi = std::max(*hi_it, current);
    if (!(hi > lo)) {
        result.status = IvStatStatus::FlatHistory;
        return result;
    }
    result.status = IvStatStatus::Ok;
    result.value = (current - lo) / (hi - lo) * 100.0;
    return result;
}

IvStat iv_percentile(std::span<const double> history, double current, std::size_t min_observations,
                     std::size_t lookback) {
    std::vector<double> window;
    IvStat result = checked_window(history, current, min_observations, lookback, window);
    if (result.status != IvStatStatus::Ok) {
        return result;
    }
    const auto below =
        std::count_if(window.begin(), window.end(), [current](double v) { return v < current; });
    result.status = IvStatStatus::Ok;
    result.value = 100.0 * static_cast<double>(below) / static_cast<double>(window.size());
    return result;
}

} // namespace screener::pricing
