#pragma once
// The model call shared by the scan's pick analysis and the weekly write-up: today's AI spend
// plus the call's worst case checked against the daily budget, one Messages API call, the answer
// checked by the caller's validator, and one corrective call quoting the problems when it is
// rejected. What an accepted answer becomes, the cache and the templated fallback are the
// caller's.

#include "screener/ai/anthropic.hpp"
#include "screener/ai/cost.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace screener::ai {

enum class AnalysisStatus {
    Analysed,        // the model's answer passed (or the caller templated it)
    Cached,          // reused an answer stored today for the same input
    BudgetExhausted, // not called: today's spend plus this call could pass the budget
    Refused,         // 401/403/credit balance: AI is off for the run
    Failed,          // retries outlasted, malformed answer body, transport failure
};
const char* to_string(AnalysisStatus status);

// Start of the budget day containing `now` (UTC midnight).
std::chrono::system_clock::time_point budget_day_start(std::chrono::system_clock::time_point now);

struct CallServices {
    net::HttpClient* http = nullptr;
    // AI spend (USD) recorded since a time: the store's api_calls.cost_usd of "anthropic".
    std::function<double(std::chrono::system_clock::time_point since)> spent_since;
    // Every attempt, as the store's api_calls row (cost included).
    std::function<void(const ApiCall&)> on_call;
};

// How a model call went. Validation: "accepted", "accepted_on_retry", "templated".
struct CallOutcome {
    AnalysisStatus status = AnalysisStatus::Failed;
    std::string reason; // why it was not analysed, or why the answer is templated
    std::string model;
    std::string validation;
    std::vector<std::string> problems; // of every rejected answer ("answer 1: ...")
    Usage usage;
    double cost_usd = 0;
    int calls = 0; // Messages API calls answered (attempts that were retried not counted)
    std::string request_id;
    std::string input_hash;
    std::optional<std::int64_t> cached_from; // the reused stored answer

    // AI was asked for but did not happen: the run is degraded (exit 1) with `reason`.
    bool degraded() const {
        return status == AnalysisStatus::BudgetExhausted || status == AnalysisStatus::Refused ||
               status == AnalysisStatus::Failed;
    }
};

// The problems of an answer's text, one line each (empty: accepted); a check keeps what it
// parsed for its caller.
using AnswerCheck = std::function<std::vector<std::string>(const std::string& text)>;

// Calls the model with `system` and `user` and checks the answer. Leaves `outcome` with status
// BudgetExhausted, Refused or Failed (and the reason), or Analysed with validation "accepted" /
// "accepted_on_retry" (the check's last call saw the accepted text) or "templated" (both answers
// rejected, or the corrective call failed or did not fit the budget; the reason says which).
// Never throws for API failures; the services' exceptions pass.
void call_checked(const ClientSettings& client, const ModelPrice& price, double daily_budget_usd,
                  const CallServices& services, const std::string& system, const std::string& user,
                  const AnswerCheck& check, CallOutcome& outcome);

} // namespace screener::ai
