#pragma once
// Calibration of the screener's own probabilities: predicted PoP in buckets against the
// realised win rate (with a Wilson 95% interval), the Brier score, and predicted versus
// realised return on capital, per profile and strategy.

#include <optional>
#include <string>
#include <vector>

namespace screener::review {

// One graded pick as calibration needs it.
struct GradedPick {
    std::string profile, strategy;
    double pop = 0;                      // predicted probability of profit, 0..1
    bool win = false;                    // realised P&L > 0
    double realized_roc = 0;             // realised P&L / collateral
    std::optional<double> predicted_roc; // expected P&L (real-world) / collateral
};

struct CalibrationBucket {
    double lo = 0, hi = 0; // predicted PoP in [lo, hi) ([lo, 1] for the last)
    int picks = 0, wins = 0;
    double mean_pop = 0;         // mean predicted PoP of the bucket's picks
    double win_rate = 0;         // wins / picks
    double ci_lo = 0, ci_hi = 0; // Wilson score interval, 95 %
};

struct CalibrationGroup {
    std::string profile, strategy; // "*" = every profile / strategy
    int picks = 0, wins = 0;
    double mean_pop = 0, win_rate = 0;
    double brier = 0; // mean (pop - win)^2: 0 perfect, 0.25 a coin flip called 50 %
    std::optional<double> mean_predicted_roc; // over picks with a prediction
    double mean_realized_roc = 0;
    std::vector<CalibrationBucket> buckets; // only buckets with picks
};

// Bucket edges: [0, 0.5), [0.5, 0.6), ..., [0.9, 1.0].
const std::vector<double>& pop_bucket_edges();

// Wilson score interval for `wins` of `n` at z (1.96 = 95 %); {0, 1} when n == 0.
std::pair<double, double> wilson_interval(int wins, int n, double z = 1.96);

// One group per (profile, strategy) present, then per profile over every strategy ("*"), then
// the whole set ("*", "*"); ordered by profile then strategy with "*" last.
std::vector<CalibrationGroup> calibrate(const std::vector<GradedPick>& picks);

} // namespace screener::review
