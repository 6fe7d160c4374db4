#pragma once
// Persistence of runs, results, per-symbol errors and API calls. Only store/ writes SQL.

#include "screener/core/error.hpp"
#include "screener/core/types.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace screener::store {

struct RunStart {
    std::string execution_id; // unique per run, also in every log line of the run
    std::string command;      // "scan", ...
    std::string profile;
    std::string as_of;       // YYYY-MM-DD the data describes
    std::string data_source; // e.g. "sample (synthetic)"
    int pid = 0;
};

struct RunFinish {
    std::string status; // "ok", "degraded", "failed"
    int exit_code = 0;
    int symbols_total = 0;    // in the universe after prefilter
    int symbols_screened = 0; // scored without error
    int symbols_failed = 0;
    int opportunities = 0; // results stored
    double duration_s = 0;
    double cost_usd = 0;
    std::string message;
};

// What providers report for each request (core/types.hpp), stored as one api_calls row.
using ApiCallRecord = ApiCall;

struct IvObservation {
    std::string symbol;
    std::string date;           // YYYY-MM-DD session
    double atm_iv = 0;          // ~30-day at-the-money implied volatility, annualised fraction
    std::optional<double> hv20; // 20-day close-to-close historical volatility
};

// How usable one symbol's option chain was in a run (one chain_quality row). A plain copy of
// what the strategy module measures, so the store does not depend on it.
struct ChainQualityRow {
    std::string symbol;
    int contracts = 0; // contracts in the chain as received
    int usable = 0;    // contracts left after quote-quality rejections
    std::string grade; // e.g. "A"
    bool rankable = false;
    std::map<std::string, int> rejections; // reason -> contracts rejected
    std::map<std::string, int> repairs;    // repair -> contracts repaired

    bool operator==(const ChainQualityRow&) const = default;
};

// How far two vendors agreed on one symbol in a run (providers/reconcile.hpp measures it).
struct ReconciliationRow {
    std::string symbol;
    std::string primary_vendor, secondary_vendor;
    int contracts_compared = 0, values_compared = 0, disagreements = 0;
    std::string grade; // "A".."F", "?" when the second vendor could not be asked
    std::vector<std::string> details;
    bool operator==(const ReconciliationRow&) const = default;
};

struct RunRow {
    std::int64_t id = 0;
    std::string execution_id, command, profile, as_of, data_source, status;
    std::optional<int> exit_code;
    std::string started_at; // RFC 3339 UTC
    std::optional<std::string> finished_at;
    int pid = 0;
    int symbols_total = 0, symbols_screened = 0, symbols_failed = 0, opportunities = 0;
    double duration_s = 0, cost_usd = 0;
    std::string message;
};

// A stored pick as the weekly pass grades it.
struct StoredPick {
    std::int64_t result_id = 0, run_id = 0;
    std::string profile;
    std::string picked_on; // YYYY-MM-DD: the run's as-of session
    Candidate pick;
};

// The grade of one pick (pick_outcomes row); review/grading.hpp computes it.
struct PickOutcomeRow {
    std::int64_t result_id = 0;
    std::string status;  // "graded" (final), "open", "no_data"
    std::string outcome; // "expired_worthless", "assigned", ..., "open", "no_data"
    std::string as_of;   // YYYY-MM-DD the grade describes
    std::optional<std::string> priced_on;
    std::optional<double> underlying, pnl_per_share, return_on_capital;
    std::optional<bool> win;
    bool short_strike_touched = false;
    std::string detail;
    bool operator==(const PickOutcomeRow&) const = default;
};

// One calibration group of a weekly run (review/calibration.hpp computes it).
struct CalibrationRow {
    std::string since, profile, strategy;
    int picks = 0, wins = 0;
    double mean_pop = 0, win_rate = 0, brier = 0;
    std::optional<double> mean_predicted_roc;
    double mean_realized_roc = 0;
    std::string buckets_json; // [{"lo":..,"hi":..,"picks":..,"wins":..,...}]
    bool operator==(const CalibrationRow&) const = default;
};

// Calls and spend of one provider over a period (weekly summary).
struct ProviderSpend {
    std::string provider;
    int calls = 0, cache_hits = 0;
    double credits = 0, cost_usd = 0;
};

// A run's AI analysis of its top picks (one ai_analyses row) and each analysed pick's own part,
// set on its results row. Token counts and cost are of the Messages API calls that produced it
// (0 when reused from the cache).
// What every stored AI answer records of the calls that produced it (ai_analyses and
// weekly_writeups rows).
struct AiCallRecord {
    std::string input_hash;
    std::string model;
    std::string validation; // accepted | accepted_on_retry | templated
    int calls = 0;
    std::int64_t input_tokens = 0, output_tokens = 0, cache_write_tokens = 0, cache_read_tokens = 0;
    double cost_usd = 0;
    std::string request_id;
    std::string reason; // why templated, "" otherwise
    std::optional<std::int64_t> cached_from;
};

struct AiAnalysisRecord : AiCallRecord {
    std::string analyses_json;                      // JSON array of every pick's analysis
    std::vector<std::pair<int, std::string>> picks; // rank -> that pick's analysis JSON
};

struct StoredAiAnalysis {
    std::int64_t id = 0;
    std::string model, validation, analyses_json;
};

// A weekly run's AI write-up (one weekly_writeups row); tokens and cost of the calls that wrote
// it (0 when reused from the cache).
struct WeeklyWriteupRecord : AiCallRecord {
    std::string writeup_json; // {"summary", "observations", "templated"}
};

struct StoredWeeklyWriteup {
    std::int64_t id = 0;
    std::string model, validation, writeup_json;
};

// The last alert sent under one key (alert_state row): what cooldowns are judged against.
struct AlertState {
    std::string key;
    std::string last_status;
    std::chrono::system_clock::time_point last_sent_at{};
    std::string fingerprint;
    bool operator==(const AlertState&) const = default;
};

// Vendor calls of one provider (api_calls rows) summed: for metrics and health. An error is a
// call that got no answer (status 0), was refused (401, 403), rate-limited (429) or failed on
// the vendor's side (5xx); cache hits are not calls.
struct ApiCallStats {
    std::string provider;
    int calls = 0;
    int errors = 0;
    double credits = 0;
    double cost_usd = 0;
    double mean_duration_ms = 0; // of the calls with a recorded duration; 0 when none
};

class Store {
public:
    virtual ~Store() = default;
    // Inserts a run with status "running"; returns its id.
    virtual std::int64_t begin_run(const RunStart& start) = 0;
    virtual void finish_run(std::int64_t run_id, const RunFinish& finish) = 0;
    // Stores ranked candidates (rank taken from Candidate::rank) in one transaction.
    virtual void add_results(std::int64_t run_id, const std::vector<Candidate>& results) = 0;
    virtual void add_run_error(std::int64_t run_id, const SymbolError& error) = 0;
    // One row per symbol and run; a second call for the same symbol in the run replaces it.
    virtual void add_chain_quality(std::int64_t run_id, const ChainQualityRow& row) = 0;
    // run_id <= 0 records a call made outside any run (stored with a NULL run).
    virtual void record_api_call(std::int64_t run_id, const ApiCallRecord& call) = 0;
    // One row per symbol and session (upsert): the IV history IV rank/percentile build on.
    virtual void record_iv(const IvObservation& observation) = 0;
    // Marks every run still "running" as "interrupted". Call only while holding the run lock:
    // then no live process owns those rows. Returns how many were marked.
    virtual int mark_interrupted_runs() = 0;

    virtual std::optional<RunRow> run(std::int64_t run_id) = 0;
    virtual std::optional<RunRow> latest_run(const std::string& command) = 0;
    virtual std::vector<Candidate> results(std::int64_t run_id) = 0;
    virtual std::vector<SymbolError> run_errors(std::int64_t run_id) = 0;
    // The chain quality rows of a run, ordered by symbol.
    virtual std::vector<ChainQualityRow> chain_quality(std::int64_t run_id) = 0;
    // The stored ATM IV (~30 days) of `symbol` on sessions strictly before `before_date`
    // (YYYY-MM-DD): the most recent `limit` of them, oldest first. Empty when limit <= 0. The
    // input of IV rank / IV percentile (e.g. limit 252, before the as-of session).
    virtual std::vector<double> iv_history(const std::string& symbol,
                                           const std::string& before_date, int limit) = 0;

    // One row per symbol and run; a second call for the same symbol replaces it.
    virtual void add_reconciliation(std::int64_t run_id, const ReconciliationRow& row) = 0;
    // Ordered by symbol.
    virtual std::vector<ReconciliationRow> reconciliations(std::int64_t run_id) = 0;
    // The vendor response cache (http_cache): the body stored under `key` unless it expired at
    // `now`. put replaces any earlier body of the key.
    virtual std::optional<std::string>
    cached_response(const std::string& key, std::chrono::system_clock::time_point now) = 0;
    virtual void cache_response(const std::string& key, const std::string& body,
                                std::chrono::system_clock::time_point fetched,
                                std::chrono::system_clock::time_point expires) = 0;
    // Credits recorded in api_calls for `provider` at or after `since`, over every run: the
    // day's spend a run compares with its daily budget.
    virtual double credits_spent(const std::string& provider,
                                 std::chrono::system_clock::time_point since) = 0;

    // Picks of finished runs (ok or degraded) without a final grade, oldest first. A 'no_data'
    // grade is final once written `no_data_grace_days` or more after the pick's expiration.
    virtual std::vector<StoredPick> ungraded_picks(int no_data_grace_days) = 0;
    // Writes a pick's grade for `run_id` (the weekly run). A row already final ('graded') is
    // never replaced: returns false and changes nothing.
    virtual bool record_outcome(std::int64_t run_id, const PickOutcomeRow& outcome) = 0;
    virtual std::optional<PickOutcomeRow> outcome(std::int64_t result_id) = 0;
    // Final grades of picks made on or after `since` (YYYY-MM-DD), with their picks, oldest
    // first.
    virtual std::vector<std::pair<StoredPick, PickOutcomeRow>>
    graded_picks(const std::string& since) = 0;
    virtual void add_calibration(std::int64_t run_id, const std::vector<CalibrationRow>& rows) = 0;
    virtual std::vector<CalibrationRow> calibration(std::int64_t run_id) = 0;
    // Runs started in [from, to) (RFC 3339 or YYYY-MM-DD bounds), oldest first.
    virtual std::vector<RunRow> runs_between(const std::string& from, const std::string& to) = 0;
    // api_calls in [from, to) by provider.
    virtual std::vector<ProviderSpend> spend_between(const std::string& from,
                                                     const std::string& to) = 0;
    // Stores a run's AI analysis (ai_analyses) and sets ai_analysis / ai_analysis_id on each
    // analysed result, in one transaction; returns the ai_analyses id. StoreError when a rank is
    // not a result of the run.
    virtual std::int64_t add_ai_analysis(std::int64_t run_id, const AiAnalysisRecord& record) = 0;
    // The newest model-written analysis (validation accepted or accepted_on_retry) stored under
    // `input_hash` at or after `since`: the same-day cache.
    virtual std::optional<StoredAiAnalysis>
    cached_ai_analysis(const std::string& input_hash,
                       std::chrono::system_clock::time_point since) = 0;
    // Stores a weekly run's AI write-up; returns its weekly_writeups id.
    virtual std::int64_t add_weekly_writeup(std::int64_t run_id,
                                            const WeeklyWriteupRecord& record) = 0;
    // The newest model-written write-up (accepted or accepted_on_retry) stored under
    // `input_hash` at or after `since`: the same-day cache.
    virtual std::optional<StoredWeeklyWriteup>
    cached_weekly_writeup(const std::string& input_hash,
                          std::chrono::system_clock::time_point since) = 0;
    // Sum of api_calls.cost_usd recorded for `provider` at or after `since` (the AI budget).
    virtual double cost_spent(const std::string& provider,
                              std::chrono::system_clock::time_point since) = 0;
    // The newest run of `command` (and `profile` unless empty) that finished ok or degraded.
    virtual std::optional<RunRow> latest_successful_run(const std::string& command,
                                                        const std::string& profile) = 0;
    // Results of a run that carry an AI analysis.
    virtual int ai_analyses(std::int64_t run_id) = 0;
    // api_calls of one run, or at or after `since` over every run; ordered by provider.
    virtual std::vector<ApiCallStats> api_call_stats(std::int64_t run_id) = 0;
    virtual std::vector<ApiCallStats>
    api_call_stats_since(std::chrono::system_clock::time_point since) = 0;
    // Alert cooldown state (alert_state): nullopt when nothing was sent under `key`.
    virtual std::optional<AlertState> alert_state(const std::string& key) = 0;
    virtual void set_alert_state(const AlertState& state) = 0; // replaces the key's row
};

// What `health` learns about a database file without changing it (opened read-only, never
// created or migrated).
struct DatabaseInspection {
    bool exists = false;
    bool opened = false;
    std::string error;       // why it could not be opened or read ("" when it could)
    std::string quick_check; // "ok" or the first problem PRAGMA quick_check reported
    int schema_version = 0;  // PRAGMA user_version
    std::int64_t cache_rows = 0, cache_expired = 0;   // http_cache rows, and of those expired
    std::optional<std::string> last_scan_finished_at; // newest ok/degraded scan, RFC 3339 UTC
};
DatabaseInspection inspect_database(const std::filesystem::path& database,
                                    std::chrono::system_clock::time_point now);

// Latest schema version this binary knows (PRAGMA user_version after migrating).
int latest_schema_version();

// Opens (creating if needed) the SQLite database, sets WAL, busy_timeout, foreign_keys and
// synchronous, and applies pending migrations, each in its own transaction. StoreError when
// the file cannot be opened or written, or its schema is newer than this binary.
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& database);

} // namespace screener::store
