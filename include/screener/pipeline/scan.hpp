#pragma once
// One `scan` pass: universe -> prefilter -> per symbol history + chain -> score -> rank ->
// store. The CLI builds ScanOptions, calls run_scan and maps the report's outcome to an exit
// code; everything else happens here, where tests reach it.

#include "screener/ai/analyst.hpp"
#include "screener/config/config.hpp"
#include "screener/core/outcome.hpp"
#include "screener/core/types.hpp"
#include "screener/ops/log.hpp"
#include "screener/strategy/strategy.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace screener::pipeline {

struct ScanOptions {
    std::string command = "scan";
    std::string profile = "daily";
    std::vector<std::string> symbols; // overrides the profile's universe when not empty
    std::optional<Date> as_of;        // defaults to the data's snapshot date, else today
    bool dry_run = false;             // no lock, no database writes
    int limit = 0;                    // overrides the profile's top_n when > 0
    std::string explain_symbol;       // record why each trade of this symbol was kept or dropped
};

struct ScanReport {
    std::string execution_id;
    std::int64_t run_id = 0; // 0 in a dry run
    std::string profile;
    Date as_of{};
    std::string data_source; // e.g. "sample market (synthetic)"
    bool synthetic = false;
    int universe_size = 0; // symbols before the prefilter
    int symbols_total = 0; // symbols screened after the prefilter
    int symbols_screened = 0;
    int symbols_failed = 0;
    int symbols_skipped = 0; // not fetched: the run stopped early (budget, vendors down)
    int interrupted_runs_marked = 0;
    std::string stop_reason;            // why the run stopped fetching early ("" when it did not)
    std::vector<std::string> failovers; // "chains: eodhd -> marketdata: <reason>"
    // providers.reconcile: symbols whose two vendors disagreed (grade C or worse).
    std::vector<std::string> vendor_disagreements;

    std::vector<SymbolError> errors;
    std::map<std::string, int> rejections; // quote-quality and filter rejections by reason
    std::vector<Candidate> results;        // ranked
    std::int64_t trades_measured = 0;      // every trade enumerated and measured
    std::int64_t trades_passed = 0;        // of those, passing every filter
    // --explain: the symbol's verdicts (empty when it was not screened; explain_note says why).
    std::vector<strategy::ExplainLine> explain;
    std::string explain_note;
    // The AI analysis of the top picks: set when it was attempted; ai_note says why it was not
    // (ai.enabled false, no key, dry run, no picks).
    std::optional<ai::AnalysisOutcome> ai;
    std::string ai_note;
    double duration_s = 0;
    double cost_usd = 0; // vendors' and AI calls' USD cost
    Outcome outcome = Outcome::Ok;
    std::string message; // one line on why the outcome is not Ok
};

// Throws ConfigError (bad profile, unknown provider, as-of outside the sample), LockHeldError,
// StoreError (data dir or database not writable). Per-symbol failures are in the report.
ScanReport run_scan(const config::Config& config, const ScanOptions& options, ops::Logger& logger);

// A random RFC 4122 version-4 UUID, the run's execution id.
std::string new_execution_id();

} // namespace screener::pipeline
