// The scan's AI step: ai::analyse_picks with its settings from config and the store as its
// cache, budget ledger and call log; the outcome is stored and put in the report.
#include "ai_step.hpp"

#include "screener/core/error.hpp"

#include <fmt/format.h>

namespace screener::pipeline {

std::string ai_off_reason(const config::AiConfig& settings) {
    if (!settings.enabled) {
        return "ai.enabled is false";
    }
    if (settings.api_key.empty()) {
        return "no API key (set ANTHROPIC_API_KEY)";
    }
    return {};
}

ai::ClientSettings ai_client_settings(const config::AiConfig& settings) {
    using std::chrono::milliseconds;
    const auto ms = [](double value) { return milliseconds(static_cast<long long>(value)); };
    ai::ClientSettings client;
    client.base_url = settings.base_url;
    client.api_key = settings.api_key;
    client.anthropic_version = settings.anthropic_version;
    client.model = settings.model;
    client.max_tokens = settings.max_tokens;
    client.temperature = settings.temperature;
    client.retry.max_attempts = settings.max_attempts;
    client.retry.base_delay = ms(settings.retry_base_ms);
    client.retry.max_delay = ms(settings.retry_max_ms);
    client.retry.max_retry_after = ms(settings.max_retry_after_s * 1000);
    client.connect_timeout = ms(settings.connect_timeout_s * 1000);
    client.total_timeout = ms(settings.timeout_s * 1000);
    return client;
}

ai::ModelPrice ai_model_price(const config::AiConfig& settings) {
    const auto& price = settings.prices.at(settings.model); // config checks it is there
    return {price.input, price.output, price.cache_write, price.cache_write_1h, price.cache_read};
}

ai::CallServices ai_call_services(std::unique_ptr<net::HttpClient>& http, store::Store* db,
                                  ops::Logger& logger, std::int64_t run_id, double& run_cost) {
    if (!http) {
        http = net::make_curl_client(); // as the live vendors do; shared with them when routed
    }
    ai::CallServices services;
    services.http = http.get();
    services.spent_since = [db](std::chrono::system_clock::time_point since) {
        return db ? db->cost_spent("anthropic", since) : 0.0;
    };
    services.on_call = [&logger, db, run_id, &run_cost](const ApiCall& call) {
        logger.info("api_call", {{"provider", call.provider},
                                 {"endpoint", call.endpoint},
                                 {"status", call.status},
                                 {"duration_ms", call.duration_ms},
                                 {"bytes", call.bytes},
                                 {"cost_usd", call.cost_usd}});
        if (db) {
            db->record_api_call(run_id, call);
        }
        run_cost += call.cost_usd;
    };
    return services;
}

store::AiCallRecord ai_call_record(const ai::CallOutcome& outcome) {
    store::AiCallRecord record;
    record.input_hash = outcome.input_hash;
    record.model = outcome.model;
    record.validation = outcome.validation;
    record.calls = outcome.calls;
    record.input_tokens = outcome.usage.input_tokens;
    record.output_tokens = outcome.usage.output_tokens;
    record.cache_write_tokens = outcome.usage.cache_write_tokens;
    record.cache_read_tokens = outcome.usage.cache_read_tokens;
    record.cost_usd = outcome.cost_usd;
    record.request_id = outcome.request_id;
    record.reason = outcome.validation == "templated" ? outcome.reason : "";
    record.cached_from = outcome.cached_from;
    return record;
}

void log_ai_outcome(ops::Logger& logger, std::string_view event, std::string_view rejected_event,
                    const ai::CallOutcome& outcome, ops::LogFields fields) {
    if (!outcome.problems.empty()) {
        logger.warn(rejected_event,
                    {{"problems", fmt::format("{}", fmt::join(outcome.problems, "; "))}});
    }
    if (outcome.degraded()) {
        return; // the caller records the reason as the run's error
    }
    ops::LogFields all = {{"status", ai::to_string(outcome.status)},
                          {"model", outcome.model},
                          {"validation", outcome.validation}};
    all.insert(all.end(), fields.begin(), fields.end());
    all.insert(all.end(), {{"calls", outcome.calls},
                           {"input_tokens", outcome.usage.input_tokens},
                           {"output_tokens", outcome.usage.output_tokens},
                           {"cost_usd", outcome.cost_usd},
                           {"request_id", outcome.request_id}});
    logger.info(event, all);
}

// The AI analysis of the top picks (docs/ai.md). When it is off (ai.enabled false, no key, dry
// run, no picks) one info line says why and the outcome is untouched; when it was asked for and
// did not happen (budget, key refused, API down) the run is degraded with the reason.
void analyse_top_picks(const config::Config& config, const config::ProfileConfig& profile,
                       const ScanOptions& options, std::unique_ptr<net::HttpClient>& http,
                       store::Store* db, ops::Logger& logger, ScanReport& report,
                       const std::function<void(SymbolError)>& record_error) {
    const auto& settings = config.ai;
    const int top_k = profile.ai_top_k.value_or(settings.top_k);
    report.ai_note = ai_off_reason(settings);
    if (report.ai_note.empty()) {
        if (top_k <= 0) {
            report.ai_note = "top_k is 0";
        } else if (options.dry_run) {
            report.ai_note = "dry run";
        } else if (report.results.empty()) {
            report.ai_note = "no picks to analyse";
        }
    }
    if (!report.ai_note.empty()) {
        logger.info("ai_skipped", {{"reason", report.ai_note}});
        return;
    }
    ai::AnalystSettings analyst;
    analyst.client = ai_client_settings(settings);
    analyst.price = ai_model_price(settings);
    analyst.top_k = top_k;
    analyst.daily_budget_usd = settings.daily_budget_usd;
    analyst.number_tolerance = settings.number_tolerance;

    ai::AnalystServices services;
    static_cast<ai::CallServices&>(services) =
        ai_call_services(http, db, logger, report.run_id, report.cost_usd);
    services.cached =
        [db](const std::string& hash,
             std::chrono::system_clock::time_point since) -> std::optional<ai::StoredAnalysis> {
        const auto stored = db ? db->cached_ai_analysis(hash, since) : std::nullopt;
        if (!stored) {
            return std::nullopt;
        }
        try {
            return ai::StoredAnalysis{stored->id, stored->model, stored->validation,
                                      ai::parse_analyses_json(stored->analyses_json)};
        } catch (const DataError&) {
            return std::nullopt; // unreadable: ask again
        }
    };
    auto outcome = ai::analyse_picks(analyst, services, report.results, format_date(report.as_of));

    if (!outcome.analyses.empty() && db) {
        store::AiAnalysisRecord record;
        static_cast<store::AiCallRecord&>(record) = ai_call_record(outcome);
        record.analyses_json = ai::analyses_json(outcome.analyses);
        for (const auto& analysis : outcome.analyses) {
            record.picks.emplace_back(analysis.rank, ai::analysis_json(analysis));
        }
        db->add_ai_analysis(report.run_id, record);
    }
    log_ai_outcome(logger, "ai_analysis", "ai_answer_rejected", outcome,
                   {{"picks", static_cast<int>(outcome.analyses.size())}});
    if (outcome.degraded()) {
        record_error({"*", "ai", outcome.reason});
    }
    report.ai = std::move(outcome);
}

} // namespace screener::pipeline
