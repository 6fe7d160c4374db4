#pragma once
// Typed configuration loaded from YAML (config/screener.yaml; every key documented in
// docs/configuration.md). Loading is strict: unknown keys, wrong types and missing required
// keys raise ConfigError naming file:line:column and the dotted key path.

#include "screener/core/types.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace screener::config {

struct LoggingConfig {
    std::string level = "info";  // debug | info | warn | error
    std::string format = "json"; // json | text
    std::filesystem::path file;  // empty: stderr; otherwise absolute after loading
};

// How to reach one vendor and how hard to push it.
struct VendorConfig {
    std::string base_url;
    std::string api_key;              // secret: resolved from ${ENV} or api_key_file; never logged
    double requests_per_minute = 600; // token bucket rate; 0: no limit
    int burst = 5;                    // requests that may go at once before the rate applies
    int max_in_flight = 8;            // concurrent requests
    int max_attempts = 4;             // per request, first try included
    double retry_base_ms = 500;       // backoff: base x 2^(n-1), jittered, capped at retry_max_ms
    double retry_max_ms = 30000;
    double max_retry_after_s = 120; // a longer Retry-After fails the request instead of waiting
    double connect_timeout_s = 5;
    double timeout_s = 30;
    int breaker_failures = 5;       // consecutive failures that open the circuit
    double breaker_cooldown_s = 60; // before the half-open probe
    double daily_credit_budget = 0; // credits per vendor day; 0: no budget
};

// Which providers serve which kind of data (first = primary, the rest back it up in order),
// and how to reach each.
struct ProvidersConfig {
    std::vector<std::string> universe{"sample"}; // exchange snapshot / universe
    std::vector<std::string> history{"sample"};  // daily bars
    std::vector<std::string> chains{"sample"};   // expirations and option chains
    std::vector<std::string> earnings{"sample"}; // earnings calendar
    std::vector<std::string> quotes;             // latest stock quotes; empty: as chains
    std::vector<std::string> dividends;          // dividend facts; empty: none fetched
    std::filesystem::path sample_path;           // absolute after loading
    VendorConfig eodhd;
    std::string eodhd_exchange = "US";
    // EODHD's marketplace (options) draws on its own 100,000-call pool: its own budget.
    double eodhd_marketplace_budget = 0;
    VendorConfig marketdata;
    double chain_cache_hours = 4; // a fetched chain is reused this long (0: never cached)
    bool cache_history = true;    // end-of-day data is reused until the next close
    int workers = 16;             // symbols fetched and scored concurrently
    // With two vendors configured: compare a sample of each symbol's contracts across them.
    bool reconcile = false;
    double reconcile_tolerance = 0.05; // relative difference beyond which vendors disagree
};

enum class UniverseSource { Exchange, List, File };

struct UniverseConfig {
    UniverseSource source = UniverseSource::Exchange;
    std::vector<std::string> symbols; // source: list
    std::filesystem::path file;       // source: file (one symbol per line, # comments)
};

struct PrefilterConfig {
    double min_price = 0;
    double max_price = 1e12;
    double min_avg_volume = 0; // 50-day average shares per day
    double min_market_cap = 0; // USD
};

// Filters of one strategy within a profile (docs/configuration.md). Money is USD per share (x100
// per contract); deltas are absolute values; fractions are fractions (0.15 = 15%). A filter on a
// "short leg" applies to every sold option (for long_call/long_put: to the bought option).
struct StrategyConfig {
    bool enabled = true;
    int dte_min = 7;
    int dte_max = 60;
    double delta_min = 0.10; // |delta| of the short leg(s)
    double delta_max = 0.40;
    double otm_pct_min = 0.0;     // short strike out of the money by at least this fraction of spot
    double otm_pct_max = 1.0;     //   and at most this (ITM strikes have a negative OTM %)
    double min_bid = 0.05;        // short legs
    double max_spread_pct = 0.15; // every leg: (ask - bid) / mid
    double min_open_interest = 100; // every leg
    double min_volume = 0;          // every leg, contracts traded on the as-of day
    double width_min = 0.5;         // verticals and condor wings: |K_long - K_short|
    double width_max = 10;
    double min_credit = 0.0;            // credit trades: net credit at the conservative fill
    double min_pop = 0.0;               // probability of profit, 0..1
    double min_annualized_return = 0.0; // return_on_capital_annualized (credit trades)
    std::optional<double> max_loss;     // per share; none = no cap
    bool buy_write = true;              // covered_call: also as a buy-write on symbols not held
};

enum class EarningsPolicy { Exclude, Flag, Ignore };

// Weights of the score's components (score = sum of weight x component). Every component is an
// annual-return-like fraction or a 0..1 figure so the default is unit-consistent:
//   excess_return   (EV_real_world - T-bill return on the capital) / max_loss x 365/dte
//   pop             probability of profit, 0..1
//   iv_rank         IV rank / 100 (0 when unknown)
//   annualized_return  return_on_capital_annualized (0 for long options)
struct ScoreWeights {
    double excess_return = 1.0;
    double pop = 0.0;
    double iv_rank = 0.0;
    double annualized_return = 0.0;
};

// Drift of the lognormal used for probabilities (PoP, ITM, touch).
enum class PopDrift { RiskNeutral, Zero }; // r - q, or none

// A held stock position covered calls may be written against.
struct HoldingLot {
    std::string symbol;
    int shares = 0;
    double cost_basis = 0; // per share; 0 = unknown
};

struct ProfileConfig {
    std::string name;
    std::string description;
    std::string preset; // "" (default), "wheel" or "tasty45": defaults applied before the keys
    UniverseConfig universe;
    PrefilterConfig prefilter;
    EarningsPolicy earnings = EarningsPolicy::Flag; // earnings date before expiry
    int top_n = 20;
    int max_per_symbol = 3;
    int max_per_sector = 0; // 0: no limit
    int history_days = 365; // calendar days of daily bars fetched per symbol
    // Price each symbol at its latest quote (one batched call for the universe) instead of the
    // chain's underlying price or the last close: for runs during market hours.
    bool live_quotes = false;
    // Conservative fill: a sold leg fills at mid - k x half-spread, a bought one at mid + k x
    // half-spread (k = 1: the natural bid/ask; k = 0: the mid).
    double fill_k = 0.5;
    PopDrift pop_drift = PopDrift::RiskNeutral;
    // Real-world lognormal for the expected value the score uses: volatility from history
    // ("hv20" | "hv60"), drift (annual; none = r - q).
    std::string real_world_vol = "hv60";
    std::optional<double> real_world_drift;
    std::optional<double> iv_rank_min, iv_rank_max; // 0..100; an unknown IV rank fails the range
    std::vector<std::string> sectors_include;       // empty: all; unknown sectors fail a list
    std::vector<std::string> sectors_exclude;
    // Data-quality gate: a chain whose rejected share of contracts exceeds this is reported
    // (run_errors, stage "quality") and not ranked; quotes older than max_quote_age_hours before
    // the as-of close are stale.
    double max_rejected_fraction = 0.5;
    double max_quote_age_hours = 36;
    // IV rank and percentile need at least this many stored daily IV30 values (else unknown).
    int iv_rank_min_observations = 60;
    ScoreWeights weights;
    std::vector<HoldingLot> holdings; // covered calls on these lots
    std::optional<int> ai_top_k;      // picks the AI analyses in this profile; none: ai.top_k
    // Keyed by strategy name (known_strategies()).
    std::map<std::string, StrategyConfig> strategies;
};

// How long `screener cleanup` keeps rows and files (docs/configuration.md#retention). Days are
// calendar days before now; 0 keeps everything of that kind.
struct RetentionConfig {
    int runs_days = 90;        // runs with their results, errors, api calls, chain quality, ...
    int api_calls_days = 30;   // api_calls rows, whatever their run
    int run_errors_days = 30;  // run_errors rows, whatever their run
    int iv_history_days = 400; // IV rank needs 252 sessions (about 365 days) of history
    int log_files_days = 14;   // rotated log files next to logging.file
    // A run is kept while one of its results expires on or after today minus this many days:
    // those picks still need grading after expiry.
    int grading_grace_days = 30;
    // A run holding a graded pick is kept this long, so `weekly` can calibrate over its window
    // (default a year back); 0 keeps such runs for ever.
    int graded_picks_days = 400;
    // VACUUM after deleting when free pages are at least this fraction of the file (databases
    // with auto_vacuum=incremental use PRAGMA incremental_vacuum instead).
    double vacuum_min_free_fraction = 0.2;
};

// `screener health` thresholds (docs/monitoring.md). A value at or above a warning threshold
// gives WARNING (exit 1), at or above a critical one CRITICAL (exit 2).
struct HealthConfig {
    double cpu_warning_pct = 80, cpu_critical_pct = 95;
    double memory_warning_pct = 85, memory_critical_pct = 95;
    double disk_warning_pct = 90, disk_critical_pct = 95;
    double load_warning_per_cpu = 2, load_critical_per_cpu = 4; // 1-minute load / CPUs
    // Failed vendor calls (no answer, 401/403, 429, 5xx) over the last 24 hours, per vendor.
    double error_rate_warning_pct = 5, error_rate_critical_pct = 25;
    double response_time_warning_ms = 5000, response_time_critical_ms = 15000; // vendor probes
    // Age of the last successful scan; whole non-trading days (NYSE) do not count.
    double last_scan_warning_hours = 26, last_scan_critical_hours = 50;
    double spend_warning_pct = 80; // today's credits against a daily budget; 100%: critical
    int cpu_sample_ms = 150;       // CPU use is measured over this interval
    double probe_timeout_s = 10;   // per vendor probe
    // Judge the age of the newest backup in backup.dir; default: when the file has a backup:
    // section.
    bool check_backup = false;
};

// A webhook alerts and scan summaries are posted to. The URL is a secret (its token is in
// the path): it is never logged whole.
struct WebhookConfig {
    std::string url;
    std::string format = "json"; // slack ({"text"}) | discord ({"content"}) | json
};

struct AlertsConfig {
    double cooldown_s = 300; // nothing more is sent under one alert key within this many seconds
    // An unchanged status is sent again after this long (Alertmanager's repeat_interval); a
    // lasting warning of `health` run every 15 minutes alerts once, not every run.
    double repeat_interval_s = 14400;
    bool scan_summary = true;            // post a summary after each scan
    double timeout_s = 10;               // per delivery
    std::vector<WebhookConfig> webhooks; // entries whose url expands to nothing are dropped
};

// Cron-monitor pings (healthchecks.io convention: URL, URL/start, URL/fail, URL/log).
struct PingsConfig {
    std::map<std::string, std::string> urls; // command -> ping URL (a secret)
    std::string on_degraded = "success";     // exit 1 pings: success | log | fail
    double timeout_s = 10;
    int log_lines = 50;         // last log lines sent as the body of the final ping
    int max_body_bytes = 10000; // the body keeps the tail within this size
};

struct MetricsConfig {
    std::filesystem::path textfile; // Prometheus textfile (absolute); empty: not written
};

// Where backups live and when the newest is too old (scripts/backup_data.sh writes them;
// `screener backup-verify` and `screener health` read them).
struct BackupConfig {
    std::filesystem::path dir; // absolute after loading; default <data_dir>/backups
    double max_age_hours = 26;
    int retention_days = 14;
};

// USD per million tokens of one model (Anthropic's price table).
struct ModelPrice {
    double input = 0;
    double output = 0;
    double cache_write = 0;               // 5-minute cache writes
    std::optional<double> cache_write_1h; // 1-hour cache writes; none: cache_write
    double cache_read = 0;                // cache hits
};

// The Claude analysis of a run's top picks (docs/ai.md).
struct AiConfig {
    bool enabled = false;
    std::string base_url = "https://api.anthropic.com";
    std::string api_key; // secret: ANTHROPIC_API_KEY (or api_key / api_key_file); never logged
    std::string model = "claude-sonnet-5-5";
    std::string anthropic_version = "2023-06-01";
    int max_tokens = 2048;
    std::optional<double> temperature; // sent only when set (newer models reject it)
    int top_k = 5;                     // picks analysed per run (a profile's ai_top_k wins)
    double daily_budget_usd = 1.0;     // AI spend per UTC day, from api_calls.cost_usd
    int max_attempts = 3;              // per call, first try included
    double retry_base_ms = 500;
    double retry_max_ms = 8000;
    double max_retry_after_s = 60; // a longer retry-after fails the call instead of waiting
    double connect_timeout_s = 5;
    double timeout_s = 120;
    double number_tolerance = 0.005; // validator: relative difference still matching an input
    std::map<std::string, ModelPrice> prices; // by model id
};

struct Config {
    std::filesystem::path source_file;
    std::filesystem::path data_dir; // absolute after loading
    std::filesystem::path database; // absolute after loading
    LoggingConfig logging;
    double risk_free_rate = 0.04; // continuous, annual
    // Sector of each symbol (market.sectors_file: CSV "symbol,sector" lines, # comments), for
    // the sector filters and diversity limits; symbols not listed have no known sector.
    std::filesystem::path sectors_file;
    std::map<std::string, std::string> sectors;
    ProvidersConfig providers;
    AiConfig ai;
    std::map<std::string, ProfileConfig> profiles;
    RetentionConfig retention;
    HealthConfig health;
    AlertsConfig alerts;
    PingsConfig pings;
    MetricsConfig metrics;
    BackupConfig backup;

    // The named profile; ConfigError listing the known profiles when there is none.
    const ProfileConfig& profile(const std::string& name) const;
};

// Looks up an environment variable; nullopt when unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Expands ${VAR} and ${VAR:-default}; "$$" is a literal "$". Throws ConfigError (message
// without location; the caller adds it) for an unset ${VAR} without default or bad syntax.
std::string expand_env(std::string_view text, const EnvLookup& env);

// Reads and validates a config file. Relative paths in it resolve against the file's directory.
Config load_config(const std::filesystem::path& file, const EnvLookup& env = process_env());

// Same from text; `file_name` is used in messages and `base_dir` to resolve relative paths.
Config parse_config(std::string_view yaml_text, const std::string& file_name,
                    const std::filesystem::path& base_dir, const EnvLookup& env = process_env());

// Known strategy names, in display order.
const std::vector<std::string>& known_strategies();

// Preset names ("wheel", "tasty45") and the profile defaults each stands for (strategies
// included); "" gives the plain defaults. ConfigError for an unknown name.
const std::vector<std::string>& known_presets();
ProfileConfig preset_defaults(std::string_view preset);

// The candidate closest to `word` (case-insensitive edit distance) when it is near enough to be a
// likely typo, for "did you mean" hints; nullopt otherwise. Also usable for CLI names.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// Names as written in the config file: "exchange" | "list" | "file", "exclude" | "flag" | "ignore".
std::string_view universe_source_name(UniverseSource source);
std::string_view earnings_policy_name(EarningsPolicy policy);

} // namespace screener::config
