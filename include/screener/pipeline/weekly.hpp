#pragma once
// One `weekly` pass: the weekly profile scanned like `scan` (stored as its own run), then every
// stored pick graded against what the market did (pick_outcomes), the calibration of the
// predicted probabilities over a window (stored per weekly run), and the week's summary.

#include "screener/ai/weekly_writeup.hpp"
#include "screener/config/config.hpp"
#include "screener/core/outcome.hpp"
#include "screener/ops/log.hpp"
#include "screener/pipeline/scan.hpp"
#include "screener/review/calibration.hpp"
#include "screener/store/store.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace screener::pipeline {

struct WeeklyOptions {
    std::string profile = "weekly";
    std::optional<Date> as_of; // defaults as for scan
    std::optional<Date> since; // calibration window start; default as_of - 365 days
    bool scan = true;          // false: grade and report only (--no-scan)
};

struct GradingSummary {
    int picks = 0;         // picks without a final grade at the start
    int graded = 0;        // graded at expiry in this pass (final)
    int open = 0;          // not expired: marked to market
    int no_data = 0;       // expired, but no close for the settlement session
    int no_data_final = 0; // of those, past the grace period: final "no data", never retried
    int failed = 0;        // history could not be fetched: left for the next pass
    std::map<std::string, int> outcomes; // graded outcome -> picks
    std::vector<SymbolError> errors;     // stage "grading"
};

// A trade recommended again and again over the week.
struct RecurringCandidate {
    std::string symbol, strategy, expiration, legs; // legs: e.g. "-P95/+P90"
    int runs = 0;                                   // runs of the week that ranked it
    double best_score = 0;
    int best_rank = 0;
};

struct WeeklySummary {
    std::string from, to; // RFC 3339 UTC, the week
    int runs = 0, ok = 0, degraded = 0, failed = 0, interrupted = 0;
    int symbols_failed = 0, opportunities = 0;
    double cost_usd = 0; // AI and vendors' dollar cost recorded on the runs
    std::vector<store::ProviderSpend> spend;
    std::vector<RecurringCandidate> recurring; // most runs first, at most 10
};

struct WeeklyReport {
    std::optional<ScanReport> scan; // when the weekly scan ran
    std::int64_t run_id = 0;        // the weekly run (the scan's), 0 without one
    Date as_of{};
    Date since{};
    GradingSummary grading;
    std::vector<review::CalibrationGroup> calibration;
    WeeklySummary summary;
    // The AI write-up of the week: set when it was attempted; writeup_note says why it was not
    // (ai.enabled false, no key).
    std::optional<ai::WriteupOutcome> writeup;
    std::string writeup_note;
    double cost_usd = 0; // the weekly scan's and the write-up's USD cost
    double duration_s = 0;
    Outcome outcome = Outcome::Ok;
    std::string message; // one line on why the outcome is not Ok
};

// Grading tolerance: an expired pick without its settlement close is retried by later passes
// for this many days, then recorded as final "no data" (a delisted symbol is not guessed).
constexpr int k_no_data_grace_days = 14;

// Throws ConfigError (no such profile), LockHeldError, StoreError. A symbol whose history
// cannot be fetched is a grading error in the report, never a failure of the pass.
WeeklyReport run_weekly(const config::Config& config, const WeeklyOptions& options,
                        ops::Logger& logger);

// The week's figures as the write-up's facts: the runs and spend, the grading, the calibration
// groups and the recurring candidates (their symbols the only tickers allowed).
ai::WeekFacts week_facts(const WeeklyReport& report);

// The identity of a trade across runs: symbol, strategy, expiration and legs.
std::string trade_key(const Candidate& pick);

// Calibration input from graded picks: one per distinct trade (its first pick), so a trade
// recommended on five days counts once.
std::vector<review::GradedPick>
calibration_input(const std::vector<std::pair<store::StoredPick, store::PickOutcomeRow>>& graded);

} // namespace screener::pipeline
