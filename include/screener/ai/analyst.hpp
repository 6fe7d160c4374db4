#pragma once
// The AI step of a scan: the top K picks -> cache lookup (same input today: reuse) -> daily
// budget check -> one Messages API call -> validation -> one corrective call when rejected ->
// templated summaries when that fails too. ai/ knows nothing of the store; the pipeline passes
// the three things it needs as functions.

#include "screener/ai/anthropic.hpp"
#include "screener/ai/cost.hpp"
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

struct AnalystServices {
    net::HttpClient* http = nullptr;
    // AI spend (USD) recorded since a time: the store's api_calls.cost_usd of "anthropic".
    std::function<double(std::chrono::system_clock::time_point since)> spent_since;
    // A model-written analysis stored under `input_hash` at or after `since`, if any.
    std::function<std::optional<StoredAnalysis>(const std::string& input_hash,
                                                std::chrono::system_clock::time_point since)>
        cached;
    // Every attempt, as the store's api_calls row (cost included).
    std::function<void(const ApiCall&)> on_call;
};

enum class AnalysisStatus {
    Analysed,        // the model's answer passed (or the picks got templated summaries)
    Cached,          // reused an analysis stored today for the same input
    BudgetExhausted, // not called: today's spend plus this call could pass the budget
    Refused,         // 401/403/credit balance: AI is off for the run
    Failed,          // retries outlasted, malformed answer body, transport failure
};
const char* to_string(AnalysisStatus status);

// Validation outcome of the analyses: "accepted", "accepted_on_retry", "templated".
struct AnalysisOutcome {
    AnalysisStatus status = AnalysisStatus::Failed;
    std::string reason; // why it was not analysed, or why the summaries are templated
    std::string model;
    std::string validation;
    std::vector<std::string> problems; // of every rejected answer ("answer 1: ...")
    Usage usage;
    double cost_usd = 0;
    int calls = 0; // Messages API calls answered (attempts that were retried not counted)
    std::string request_id;
    std::string input_hash;
    std::optional<std::int64_t> cached_from; // the reused stored analysis
    std::vector<PickAnalysis> analyses;      // rank order; empty unless Analysed or Cached

    // AI was asked for but did not happen: the run is degraded (exit 1) with `reason`.
    bool degraded() const {
        return status == AnalysisStatus::BudgetExhausted || status == AnalysisStatus::Refused ||
               status == AnalysisStatus::Failed;
    }
};

// Analyses the first `settings.top_k` of `ranked` (already in rank order). Never throws for
// API failures (they are in the outcome); the services' exceptions (a failing store) pass.
AnalysisOutcome analyse_picks(const AnalystSettings& settings, const AnalystServices& services,
                              const std::vector<Candidate>& ranked, const std::string& as_of);

// Start of the budget day containing `now` (UTC midnight).
std::chrono::system_clock::time_point budget_day_start(std::chrono::system_clock::time_point now);

} // namespace screener::ai
