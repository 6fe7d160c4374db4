#pragma once
// The AI step of a scan: the top K picks -> cache lookup (same input today: reuse) -> daily
// budget check -> one Messages API call -> validation -> one corrective call when rejected ->
// templated summaries when that fails too (the call and retry in grounded_call.hpp). ai/ knows
// nothing of the store; the pipeline passes the three things it needs as functions.

#include "screener/ai/anthropic.hpp"
#include "screener/ai/cost.hpp"
#include "screener/ai/grounded_call.hpp"
#include "screener/ai/prompt.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace screener::ai {

struct AnalystSettings {
    ClientSettings client;
    ModelPrice price;
    int top_k = 5;
    double daily_budget_usd = 1.0;
    double number_tolerance = 0.005;
};

// An analysis stored by an earlier run today (the cache).
struct StoredAnalysis {
    std::int64_t id = 0;
    std::string model;
    std::string validation;
    std::vector<PickAnalysis> analyses;
};

struct AnalystServices : CallServices {
    // A model-written analysis stored under `input_hash` at or after `since`, if any.
    std::function<std::optional<StoredAnalysis>(const std::string& input_hash,
                                                std::chrono::system_clock::time_point since)>
        cached;
};

struct AnalysisOutcome : CallOutcome {
    std::vector<PickAnalysis> analyses; // rank order; empty unless Analysed or Cached
};

// Analyses the first `settings.top_k` of `ranked` (already in rank order). Never throws for
// API failures (they are in the outcome); the services' exceptions (a failing store) pass.
AnalysisOutcome analyse_picks(const AnalystSettings& settings, const AnalystServices& services,
                              const std::vector<Candidate>& ranked, const std::string& as_of);

} // namespace screener::ai
