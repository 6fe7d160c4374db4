#include "screener/review/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace screener::review {
namespace {

struct Accumulator {
    int picks = 0, wins = 0;
    double pop_sum = 0, brier_sum = 0, realized_sum = 0;
    double predicted_sum = 0;
    int predicted_n = 0;
    std::vector<int> bucket_picks, bucket_wins;
    std::vector<double> bucket_pop;

    Accumulator()
        : bucket_picks(pop_bucket_edges().size() - 1), bucket_wins(bucket_picks.size()),
          bucket_pop(bucket_picks.size()) {}

    void add(const GradedPick& p) {
        const double outcome = p.win ? 1.0 : 0.0;
        ++picks;
        wins += p.win ? 1 : 0;
        pop_sum += p.pop;
        brier_sum += (p.pop - outcome) * (p.pop - outcome);
        realized_sum += p.realized_roc;
        if (p.predicted_roc) {
            predicted_sum += *p.predicted_roc;
            ++predicted_n;
        }
        const auto& edges = pop_bucket_edges();
        // upper_bound finds the first edge above pop; PoP 1.0 belongs to the last bucket.
        auto it = std::upper_bound(edges.begin(), edges.end(), p.pop);
        std::size_t bucket =
            it == edges.begin() ? 0 : static_cast<std::size_t>(it - edges.begin()) - 1;
        bucket = std::min(bucket, bucket_picks.size() - 1);
        ++bucket_picks[bucket];
        bucket_wins[bucket] += p.win ? 1 : 0;
        bucket_pop[bucket] += p.pop;
    }

    CalibrationGroup finish(const std::string& profile, const std::string& strategy) const {
        CalibrationGroup g;
        g.profile = profile;
        g.strategy = strategy;
        g.picks = picks;
        g.wins = wins;
        if (picks > 0) {
            g.mean_pop = pop_sum / picks;
            g.win_rate = static_cast<double>(wins) / picks;
            g.brier = brier_sum / picks;
            g.mean_realized_roc = realized_sum / picks;
        }
        if (predicted_n > 0) {
            g.mean_predicted_roc = predicted_sum / predicted_n;
        }
        const auto& edges = pop_bucket_edges();
        for (std::size_t i = 0; i < bucket_picks.size(); ++i) {
            if (bucket_picks[i] == 0) {
                continue;
            }
            CalibrationBucket b;
            b.lo = edges[i];
            b.hi = edges[i + 1];
            b.picks = bucket_picks[i];
            b.wins = bucket_wins[i];
            b.mean_pop = bucket_pop[i] / b.picks;
            b.win_rate = static_cast<double>(b.wins) / b.picks;
            std::tie(b.ci_lo, b.ci_hi) = wilson_interval(b.wins, b.picks);
            g.buckets.push_back(b);
        }
        return g;
    }
};

} // namespace

const std::vector<double>& pop_bucket_edges() {
    static const std::vector<double> edges = {0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    return edges;
}

std::pair<double, double> wilson_interval(int wins, int n, double z) {
    if (n <= 0) {
        return {0.0, 1.0};
    }
    const double p = static_cast<double>(wins) / n;
    const double z2 = z * z;
    const double denominator = 1 + z2 / n;
    const double centre = (p + z2 / (2.0 * n)) / denominator;
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<CalibrationGroup> calibrate(const std::vector<GradedPick>& picks) {
    // "~" sorts after letters, digits and "_", so the "*" groups (stored as "~") come last.
    constexpr const char* k_all_key = "~";
    std::map<std::pair<std::string, std::string>, Accumulator> groups;
    for (const auto& p : picks) {
        groups[{p.profile, p.strategy}].add(p);
        groups[{p.profile, k_all_key}].add(p);
        groups[{k_all_key, k_all_key}].add(p);
    }
    std::vector<CalibrationGroup> out;
    for (const auto& [key, acc] : groups) {
        out.push_back(acc.finish(key.first == k_all_key ? "*" : key.first,
                                 key.second == k_all_key ? "*" : key.second));
    }
    return out;
}

} // namespace screener::review
