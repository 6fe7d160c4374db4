#pragma once
// The AI analysis of a scan's top picks (docs/ai.md), called by run_scan after the results are
// stored.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/log.hpp"
#include "screener/pipeline/scan.hpp"
#include "screener/store/store.hpp"

#include <functional>
#include <memory>

namespace screener::pipeline {

// Why AI is off for every command ("ai.enabled is false", no key), "" when it is on.
std::string ai_off_reason(const config::AiConfig& settings);
// The Messages API client settings and the model's prices from the ai section.
ai::ClientSettings ai_client_settings(const config::AiConfig& settings);
ai::ModelPrice ai_model_price(const config::AiConfig& settings);
// The store as the AI budget ledger and call log: spend from api_calls of "anthropic", every
// call logged, recorded on `run_id` and added to `run_cost`; `http` is created when no live
// vendor made one. `logger`, `db` and `run_cost` must outlive the services.
ai::CallServices ai_call_services(std::unique_ptr<net::HttpClient>& http, store::Store* db,
                                  ops::Logger& logger, std::int64_t run_id, double& run_cost);

// What the store keeps of the calls behind an answer (the AI analyses' and weekly write-ups'
// common columns).
store::AiCallRecord ai_call_record(const ai::CallOutcome& outcome);

// Logs a model call's outcome: its rejected answers' problems (warn `rejected_event`) and, unless
// it degraded the run, `event` with status, model, validation, `fields`, calls, tokens and cost.
void log_ai_outcome(ops::Logger& logger, std::string_view event, std::string_view rejected_event,
                    const ai::CallOutcome& outcome, ops::LogFields fields = {});

// Sets report.ai (or report.ai_note when AI is off) and stores the analyses; `http` is created
// when no live vendor made one; `record_error` records an AI step that was asked for and did not
// happen (the run is then degraded). StoreError passes.
void analyse_top_picks(const config::Config& config, const config::ProfileConfig& profile,
                       const ScanOptions& options, std::unique_ptr<net::HttpClient>& http,
                       store::Store* db, ops::Logger& logger, ScanReport& report,
                       const std::function<void(SymbolError)>& record_error);

} // namespace screener::pipeline
