#include "screener/ai/analyst.hpp"

#include "screener/ai/validator.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace screener::ai {
namespace {

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

    Validation accepted;
    const auto check = [&](const std::string& text) {
        Validation validation = validate_answer(text, facts, as_of, settings.number_tolerance);
        if (!validation.ok) {
            return validation.problems;
        }
        accepted = std::move(validation);
        return std::vector<std::string>{};
    };
    call_checked(settings.client, settings.price, settings.daily_budget_usd, services, system, user,
                 check, outcome);
    if (outcome.status != AnalysisStatus::Analysed) {
        return outcome;
    }
    if (outcome.validation != "templated") {
        outcome.analyses = std::move(accepted.analyses);
        return outcome;
    }
    outcome.analyses = templated(picks);
    return outcome;
}

} // namespace screener::ai
