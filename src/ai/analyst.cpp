#include "screener/ai/analyst.hpp"

#include "screener/ai/validator.hpp"

#include <algorithm>
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
std::string over_budget(const AnalystSettings& settings, double spent, double planned) {
    if (spent + planned <= settings.daily_budget_usd) {
        return {};
    }
    return fmt::format("daily AI budget ${:.4f} would be exceeded: ${:.4f} spent today, the call "
                       "could cost up to ${:.4f}",
                       settings.daily_budget_usd, spent, planned);
}

std::vector<PickAnalysis> templated(const std::vector<Candidate>& picks) {
    std::vector<PickAnalysis> out;
    for (const auto& c : picks) {
        out.push_back(templated_analysis(c));
    }
    return out;
}

} // namespace

AnalysisOutcome analyse_picks(const AnalystSettings& settings, const AnalystServices& services,
                              const std::vector<Candidate>& ranked, const std::string& as_of) {
    AnalysisOutcome outcome;
    outcome.model = settings.client.model;
    const std::vector<Candidate> picks(
        ranked.begin(),
        ranked.begin() + std::min<std::ptrdiff_t>(std::max(0, settings.top_k),
                                                  static_cast<std::ptrdiff_t>(ranked.size())));
    std::vector<PickFacts> facts;
    for (const auto& c : picks) {
        facts.push_back(pick_facts(c));
    }
    const std::string system = system_prompt();
    const std::string user = user_prompt(as_of, facts);
    outcome.input_hash = input_hash(settings.client.model, system, user);
    const auto day_start = budget_day_start(std::chrono::system_clock::now());

    if (services.cached) {
        if (auto stored = services.cached(outcome.input_hash, day_start)) {
            outcome.status = AnalysisStatus::Cached;
            outcome.model = stored->model;
            outcome.validation = stored->validation;
            outcome.cached_from = stored->id;
            outcome.analyses = std::move(stored->analyses);
            return outcome;
        }
    }

    if (services.http == nullptr) {
        outcome.reason = "no HTTP client for the Anthropic API";
        return outcome;
    }
    AnthropicClient client(settings.client, settings.price, *services.http, services.on_call);
    MessageRequest request{system, {{"user", user}}};
    const double spent_before = services.spent_since ? services.spent_since(day_start) : 0.0;
    const auto planned = [&] {
        return worst_case_cost(settings.price, client.request_body(request).size(),
                               settings.client.max_tokens);
    };
    if (auto reason = over_budget(settings, spent_before, planned()); !reason.empty()) {
        outcome.status = AnalysisStatus::BudgetExhausted;
        outcome.reason = reason;
        return outcome;
    }

    for (int round = 1; round <= 2; ++round) {
        CallResult call = client.create(request);
        if (call.status != CallStatus::Ok) {
            if (round == 1) {
                outcome.status = call.status == CallStatus::Refused ? AnalysisStatus::Refused
                                                                    : AnalysisStatus::Failed;
                outcome.reason = call.error;
                return outcome;
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
        Validation validation =
            validate_answer(call.reply->text, facts, as_of, settings.number_tolerance);
        if (validation.ok) {
            outcome.status = AnalysisStatus::Analysed;
            outcome.validation = round == 1 ? "accepted" : "accepted_on_retry";
            outcome.analyses = std::move(validation.analyses);
            return outcome;
        }
        if (call.reply->stop_reason == "max_tokens" || call.reply->stop_reason == "refusal") {
            // Why the answer is broken, for the log and for the corrective call.
            validation.problems.push_back(
                fmt::format("the answer stopped early (stop_reason {})", call.reply->stop_reason));
        }
        for (const auto& problem : validation.problems) {
            outcome.problems.push_back(fmt::format("answer {}: {}", round, problem));
        }
        if (round == 2) {
            outcome.reason = "the model's answer was rejected twice";
            break;
        }
        // Ask once more, quoting what was wrong; only if today's budget still holds the call.
        request.messages.push_back({"assistant", call.reply->text});
        request.messages.push_back({"user", correction_prompt(validation.problems)});
        if (auto reason = over_budget(settings, spent_before + outcome.cost_usd, planned());
            !reason.empty()) {
            outcome.reason = "the answer was rejected and " + reason;
            break;
        }
    }
    outcome.status = AnalysisStatus::Analysed;
    outcome.validation = "templated";
    outcome.analyses = templated(picks);
    return outcome;
}

} // namespace screener::ai
