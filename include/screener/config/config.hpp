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

struct VendorConfig {
    std::string base_url;
    std::string api_key; // secret: resolved from ${ENV} or api_key_file; never logged
};

// Which provider serves which kind of data, and how to reach each.
struct ProvidersConfig {
    std::string universe = "sample";   // exchange snapshot / universe
    std::string history = "sample";    // daily bars
    std::string chains = "sample";     // expirations and option chains
    std::string earnings = "sample";   // earnings calendar
    std::filesystem::path sample_path; // absolute after loading
    VendorConfig eodhd;
    std::string eodhd_exchange = "US";
    VendorConfig marketdata;
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

// Filters of one strategy within a profile. Deltas are absolute values.
struct StrategyConfig {
    bool enabled = true;
    int dte_min = 7;
    int dte_max = 60;
    double delta_min = 0.10;
    double delta_max = 0.40;
    double min_open_interest = 100;
    double max_spread_pct = 0.15; // (ask - bid) / mid
    double min_bid = 0.05;
};

enum class EarningsPolicy { Exclude, Flag, Ignore };

struct ProfileConfig {
    std::string name;
    std::string description;
    UniverseConfig universe;
    PrefilterConfig prefilter;
    EarningsPolicy earnings = EarningsPolicy::Flag; // earnings date before expiry
    int top_n = 20;
    int max_per_symbol = 3;
    int history_days = 365; // calendar days of daily bars fetched per symbol
    // Keyed by strategy name: "cash_secured_put", "covered_call".
    std::map<std::string, StrategyConfig> strategies;
};

struct Config {
    std::filesystem::path source_file;
    std::filesystem::path data_dir; // absolute after loading
    std::filesystem::path database; // absolute after loading
    LoggingConfig logging;
    double risk_free_rate = 0.04; // continuous, annual
    ProvidersConfig providers;
    std::map<std::string, ProfileConfig> profiles;

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

// The candidate closest to `word` (case-insensitive edit distance) when it is near enough to be a
// likely typo, for "did you mean" hints; nullopt otherwise. Also usable for CLI names.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// Names as written in the config file: "exchange" | "list" | "file", "exclude" | "flag" | "ignore".
std::string_view universe_source_name(UniverseSource source);
std::string_view earnings_policy_name(EarningsPolicy policy);

} // namespace screener::config
