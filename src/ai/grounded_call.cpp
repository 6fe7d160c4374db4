#include "screener/ai/grounded_call.hpp"

#include "screener/ai/prompt.hpp"

#include <fmt/format.h>

namespace screener::ai {

const char* to_string(AnalysisStatus status) {
    switch (status) {
    case AnalysisStatus::Analysed:
        return "analysed";
    case AnalysisStatus::Cached:
        return "cached";
    case AnalysisStatus::BudgetExhausted:
        return "budget_exhausted";
    case AnalysisStatus::Refused:
        return "refused";
    case AnalysisStatus::Failed:
        return "failed";
    }
    return "failed";
}

std::chrono::system_clock::time_point budget_day_start(std::chrono::system_clock::time_point now) {
    return std::chrono::floor<std::chrono::days>(now);
}

namespace {

// Today's spend plus the worst case of the next call against the budget; "" when it fits.
std::string over_budget(double budget, double spent, double planned) {
    if (spent + planned <= budget) {
        return {};
    }
    return fmt::format("daily AI budget ${:.4f} would be exceeded: ${:.4f} spent today, the call "
                       "could cost up to ${:.4f}",
                       budget, spent, planned);
}

} // namespace

void call_checked(const ClientSettings& settings, const ModelPrice& price, double daily_budget_usd,
                  const CallServices& services, const std::string& system, const std::string& user,
                  const AnswerCheck& check, CallOutcome& outcome) {
    if (services.http == nullptr) {
        outcome.status = AnalysisStatus::Failed;
        outcome.reason = "no HTTP client for the Anthropic API";
        return;
    }
    AnthropicClient client(settings, price, *services.http, services.on_call);
    MessageRequest request{system, {{"user", user}}};
    const auto day_start = budget_day_start(std::chrono::system_clock::now());
    const double spent_before = services.spent_since ? services.spent_since(day_start) : 0.0;
    const auto planned = [&] {
        return worst_case_cost(price, client.request_body(request).size(), settings.max_tokens);
    };
    if (auto reason = over_budget(daily_budget_usd, spent_before, planned()); !reason.empty()) {
        outcome.status = AnalysisStatus::BudgetExhausted;
        outcome.reason = reason;
        return;
    }

    for (int round = 1; round <= 2; ++round) {
        CallResult call = client.create(request);
        if (call.status != CallStatus::Ok) {
            if (round == 1) {
                outcome.status = call.status == CallStatus::Refused ? AnalysisStatus::Refused
                                                                    : AnalysisStatus::Failed;
                outcome.reason = call.error;
                return;
            }
            outcome.reason = fmt::format("the corrective call failed: {}", call.error);
            break;
        }
        ++outcome.calls;
        outcome.usage += call.reply->usage;
        outcome.cost_usd += call.cost_usd;
        outcome.request_id = call.reply->request_id;
        if (!call.reply->model.empty()) {
            outcome.model = call.reply->model;
        }
        std::vector<std::string> problems = check(call.reply->text);
        if (problems.empty()) {
            outcome.status = AnalysisStatus::Analysed;
            outcome.validation = round == 1 ? "accepted" : "accepted_on_retry";
            return;
        }
        if (call.reply->stop_reason == "max_tokens" || call.reply->stop_reason == "refusal") {
            // Why the answer is broken, for the log and for the corrective call.
            problems.push_back(
                fmt::format("the answer stopped early (stop_reason {})", call.reply->stop_reason));
        }
        for (const auto& problem : problems) {
            outcome.problems.push_back(fmt::format("answer {}: {}", round, problem));
        }
        if (round == 2) {
            outcome.reason = "the model's answer was rejected twice";
            break;
        }
        // Ask once more, quoting what was wrong; only if today's budget still holds the call.
        request.messages.push_back({"assistant", call.reply->text});
        request.messages.push_back({"user", correction_prompt(problems)});
        if (auto reason = over_budget(daily_budget_usd, spent_before + outcome.cost_usd, planned());
            !reason.empty()) {
            outcome.reason = "the answer was rejected and " + reason;
            break;
        }
    }
    outcome.status = AnalysisStatus::Analysed;
    outcome.validation = "templated";
}

} // namespace screener::ai
