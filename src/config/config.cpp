// YAML -> Config with strict validation. Every error is one line:
//   <file>:<line>:<column>: <dotted.key.path>: <what is wrong>
// Values are shown as written in the file (before ${VAR} expansion), so an environment value,
// which may be a secret, never reaches a message.

#include "screener/config/config.hpp"

#include "screener/core/error.hpp"
#include "screener/core/symbol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <yaml-cpp/yaml.h>

namespace screener::config {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> k_retention_keys = {
    "runs_days",      "api_calls_days",     "run_errors_days",   "iv_history_days",
    "log_files_days", "grading_grace_days", "graded_picks_days", "vacuum_min_free_fraction"};
const std::vector<std::string> k_top_keys = {
    "data_dir", "database", "logging", "market",  "providers", "ai",    "profiles",
    "health",   "alerts",   "pings",   "metrics", "retention", "backup"};
const std::vector<std::string> k_health_keys = {
    "cpu_warning_pct",         "cpu_critical_pct",         "memory_warning_pct",
    "memory_critical_pct",     "disk_warning_pct",         "disk_critical_pct",
    "load_warning_per_cpu",    "load_critical_per_cpu",    "error_rate_warning_pct",
    "error_rate_critical_pct", "response_time_warning_ms", "response_time_critical_ms",
    "last_scan_warning_hours", "last_scan_critical_hours", "spend_warning_pct",
    "cpu_sample_ms",           "probe_timeout_s",          "check_backup"};
const std::vector<std::string> k_alerts_keys = {"cooldown_s", "repeat_interval_s", "scan_summary",
                                                "timeout_s", "webhooks"};
const std::vector<std::string> k_webhook_keys = {"url", "format"};
const std::vector<std::string> k_webhook_formats = {"slack", "discord", "json"};
const std::vector<std::string> k_pings_keys = {"urls", "on_degraded", "timeout_s", "log_lines",
                                               "max_body_bytes"};
const std::vector<std::string> k_ping_commands = {"scan", "weekly", "health", "cleanup",
                                                  "backup-verify"};
const std::vector<std::string> k_ping_degraded = {"success", "log", "fail"};
const std::vector<std::string> k_metrics_keys = {"textfile"};
const std::vector<std::string> k_backup_keys = {"dir", "max_age_hours", "retention_days"};
const std::vector<std::string> k_logging_keys = {"level", "format", "file"};
const std::vector<std::string> k_market_keys = {"risk_free_rate", "sectors_file"};
const std::vector<std::string> k_providers_keys = {
    "routing", "sample",  "eodhd",     "marketdata",
    "cache",   "workers", "reconcile", "reconcile_tolerance"};
const std::vector<std::string> k_cache_keys = {"chains_hours", "history"};
const std::vector<std::string> k_routing_keys = {"universe", "history", "chains",
                                                 "earnings", "quotes",  "dividends"};
const std::vector<std::string> k_sample_keys = {"path"};
const std::vector<std::string> k_marketdata_keys = {"base_url",
                                                    "api_key",
                                                    "api_key_file",
                                                    "requests_per_minute",
                                                    "burst",
                                                    "max_in_flight",
                                                    "max_attempts",
                                                    "retry_base_ms",
                                                    "retry_max_ms",
                                                    "max_retry_after_s",
                                                    "connect_timeout_s",
                                                    "timeout_s",
                                                    "breaker_failures",
                                                    "breaker_cooldown_s",
                                                    "daily_credit_budget"};
const std::vector<std::string> k_eodhd_keys = [] {
    auto keys = k_marketdata_keys;
    keys.push_back("exchange");
    keys.push_back("marketplace_daily_credit_budget");
    return keys;
}();
const std::vector<std::string> k_profile_keys = {"description",
                                                 "preset",
                                                 "universe",
                                                 "prefilter",
                                                 "earnings",
                                                 "top_n",
                                                 "max_per_symbol",
                                                 "max_per_sector",
                                                 "history_days",
                                                 "live_quotes",
                                                 "fill_k",
                                                 "pop_drift",
                                                 "real_world_vol",
                                                 "real_world_drift",
                                                 "iv_rank_min",
                                                 "iv_rank_max",
                                                 "iv_rank_min_observations",
                                                 "sectors_include",
                                                 "sectors_exclude",
                                                 "max_rejected_fraction",
                                                 "max_quote_age_hours",
                                                 "weights",
                                                 "holdings",
                                                 "ai_top_k",
                                                 "strategies"};
const std::vector<std::string> k_weight_keys = {"excess_return", "pop", "iv_rank",
                                                "annualized_return"};
const std::vector<std::string> k_holding_keys = {"symbol", "shares", "cost_basis"};
const std::vector<std::string> k_universe_keys = {"source", "symbols", "file"};
const std::vector<std::string> k_prefilter_keys = {"min_price", "max_price", "min_avg_volume",
                                                   "min_market_cap"};
const std::vector<std::string> k_strategy_keys = {
    "enabled",        "dte_min",           "dte_max",     "delta_min",
    "delta_max",      "otm_pct_min",       "otm_pct_max", "min_bid",
    "max_spread_pct", "min_open_interest", "min_volume",  "width_min",
    "width_max",      "min_credit",        "min_pop",     "min_annualized_return",
    "max_loss",       "buy_write"};

const std::vector<std::string> k_ai_keys = {"enabled",
                                            "base_url",
                                            "api_key",
                                            "api_key_file",
                                            "model",
                                            "anthropic_version",
                                            "max_tokens",
                                            "temperature",
                                            "top_k",
                                            "daily_budget_usd",
                                            "max_attempts",
                                            "retry_base_ms",
                                            "retry_max_ms",
                                            "max_retry_after_s",
                                            "connect_timeout_s",
                                            "timeout_s",
                                            "number_tolerance",
                                            "prices"};
const std::vector<std::string> k_price_keys = {"input", "output", "cache_write", "cache_write_1h",
                                               "cache_read"};
const std::vector<std::string> k_log_levels = {"debug", "info", "warn", "error"};
const std::vector<std::string> k_log_formats = {"json", "text", "auto"};
const std::vector<std::string> k_provider_names = {"sample", "eodhd", "marketdata"};
const std::vector<std::string> k_universe_sources = {"exchange", "list", "file"};
const std::vector<std::string> k_earnings_policies = {"exclude", "flag", "ignore"};
const std::vector<std::string> k_pop_drifts = {"risk_neutral", "zero"};
const std::vector<std::string> k_real_world_vols = {"hv20", "hv60"};

const char* const k_default_eodhd_url = "https://eodhd.com/api";
const char* const k_default_marketdata_url = "https://api.marketdata.app";
const char* const k_default_anthropic_url = "https://api.anthropic.com";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view text) {
    const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && is_space(text[begin])) {
        ++begin;
    }
    while (end > begin && is_space(text[end - 1])) {
        --end;
    }
    return std::string(text.substr(begin, end - begin));
}

std::string join(const std::vector<std::string>& items) {
    return fmt::format("{}", fmt::join(items, ", "));
}

// File text quoted for a message: control characters escaped so the message stays one line,
// long text cut short.
std::string quote_text(std::string_view text) {
    constexpr std::size_t k_max_shown = 80;
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < k_max_shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    if (text.size() > k_max_shown) {
        out += "...";
    }
    out += "'";
    return out;
}

// Safety net for the one-line rule (file names and parser messages are not under our control).
std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& known) {
    if (auto match = closest_match(word, known)) {
        return fmt::format(" (did you mean '{}'?)", *match);
    }
    return fmt::format(" (known: {})", join(known));
}

std::string child_path(std::string_view parent, std::string_view key) {
    return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

// A lexically normalised absolute path without a trailing separator.
fs::path normalised(const fs::path& path) {
    fs::path out = path.lexically_normal();
    if (!out.has_filename() && out.has_relative_path()) {
        out = out.parent_path();
    }
    return out;
}

fs::path resolve(const fs::path& base, const fs::path& path) {
    return normalised(path.is_absolute() ? path : base / path);
}

// Shared by every node of one document: where messages point, how values expand.
class Context {
public:
    Context(std::string file_name, fs::path base_dir, const EnvLookup& env)
        : m_file(std::move(file_name)), m_base_dir(std::move(base_dir)), m_env(env) {}

    [[noreturn]] void fail(const YAML::Mark& mark, std::string_view path,
                           std::string_view what) const {
        // yaml-cpp marks are 0-based; a null mark (empty document) points at the start.
        const int line = mark.line >= 0 ? mark.line + 1 : 1;
        const int column = mark.column >= 0 ? mark.column + 1 : 1;
        throw ConfigError(one_line(fmt::format("{}:{}:{}: {}: {}", m_file, line, column,
                                               path.empty() ? "(top level)" : path, what)));
    }

    const fs::path& base_dir() const { return m_base_dir; }
    const EnvLookup& env() const { return m_env; }

private:
    std::string m_file;
    fs::path m_base_dir;
    const EnvLookup& m_env;
};

struct Scalar {
    std::string raw;  // as written in the file
    std::string text; // after ${VAR} expansion
};

// One value of the document with its key path and the position messages point at.
class Field {
public:
    Field(const Context& context, YAML::Node node, YAML::Mark mark, std::string path)
        : m_context(&context), m_node(std::move(node)), m_mark(mark), m_path(std::move(path)) {}

    const Context& context() const { return *m_context; }
    const YAML::Node& node() const { return m_node; }
    const YAML::Mark& mark() const { return m_mark; }
    const std::string& path() const { return m_path; }
    bool is_null() const { return m_node.IsNull(); }

    [[noreturn]] void fail(std::string_view what) const { m_context->fail(m_mark, m_path, what); }

    std::string kind() const {
        switch (m_node.Type()) {
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Scalar:
            return "a single value";
        default:
            return "nothing";
        }
    }

    // The value as shown in messages: the file's text, never the expansion of a ${VAR}.
    std::string shown() const {
        const std::string raw = m_node.IsScalar() ? m_node.Scalar() : std::string();
        if (raw.find("${") != std::string::npos) {
            return fmt::format("{} (after expansion)", quote_text(raw));
        }
        return quote_text(raw);
    }

    Scalar scalar(std::string_view expected) const {
        if (!m_node.IsScalar()) {
            fail(fmt::format("expected {}, got {}", expected, kind()));
        }
        Scalar out{m_node.Scalar(), {}};
        try {
            out.text = expand_env(out.raw, m_context->env());
        } catch (const ConfigError& e) {
            fail(e.what());
        }
        return out;
    }

    std::string string(bool allow_empty) const {
        if (is_null()) {
            if (!allow_empty) {
                fail("must not be empty");
            }
            return {};
        }
        std::string text = scalar("a string").text;
        if (text.empty() && !allow_empty) {
            fail(m_node.Scalar().find("${") != std::string::npos
                     ? fmt::format("must not be empty ({} expands to nothing)",
                                   quote_text(m_node.Scalar()))
                     : std::string("must not be empty"));
        }
        return text;
    }

    double number() const {
        const std::string text = trim(scalar("a number").text);
        std::string_view digits = text;
        if (!digits.empty() && digits.front() == '+') {
            digits.remove_prefix(1);
        }
        double value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
            !std::isfinite(value)) {
            fail(fmt::format("expected a number, got {}", shown()));
        }
        return value;
    }

    int integer() const {
        const std::string text = trim(scalar("a whole number").text);
        std::string_view digits = text;
        if (!digits.empty() && digits.front() == '+') {
            digits.remove_prefix(1);
        }
        long long value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec == std::errc::result_out_of_range ||
            (ec == std::errc() && end == digits.data() + digits.size() &&
             (value < std::numeric_limits<int>::min() ||
              value > std::numeric_limits<int>::max()))) {
            fail(fmt::format("{} is too large for a whole number", shown()));
        }
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
            fail(fmt::format("expected a whole number, got {}", shown()));
        }
        return static_cast<int>(value);
    }

    bool boolean() const {
        const std::string text = trim(scalar("true or false").text);
        if (text == "true") {
            return true;
        }
        if (text == "false") {
            return false;
        }
        fail(fmt::format("expected true or false, got {}", shown()));
    }

    std::string choice(const std::vector<std::string>& choices) const {
        const std::string text = trim(scalar(fmt::format("one of {}", join(choices))).text);
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
            return text;
        }
        std::string hint;
        if (auto match = closest_match(text, choices)) {
            hint = fmt::format(" (did you mean '{}'?)", *match);
        }
        fail(fmt::format("must be one of {}; got {}{}", join(choices), shown(), hint));
    }

    fs::path path_value() const { return fs::path(string(false)); }

private:
    const Context* m_context;
    YAML::Node m_node;
    YAML::Mark m_mark;
    std::string m_path;
};

struct Entry {
    std::string key;
    YAML::Mark key_mark;
    Field value;
};

// A mapping's entries in file order, with duplicate keys refused and YAML merge keys ("<<: *x")
// applied, since yaml-cpp leaves both to the application.
class MapView {
public:
    // A null field (e.g. "logging:" with every line below commented out) reads as empty.
    explicit MapView(const Field& field) : m_self(field) {
        if (!field.is_null() && !field.node().IsMap()) {
            field.fail(fmt::format("expected a mapping of keys, got {}", field.kind()));
        }
        if (field.node().IsMap()) {
            collect(field.node());
        }
    }

    const Field& self() const { return m_self; }
    const std::string& path() const { return m_self.path(); }
    const std::vector<Entry>& entries() const { return m_entries; }
    bool empty() const { return m_entries.empty(); }

    void allow_only(const std::vector<std::string>& known, std::string_view noun = "key") const {
        for (const auto& entry : m_entries) {
            if (std::find(known.begin(), known.end(), entry.key) == known.end()) {
                m_self.context().fail(entry.key_mark, entry.value.path(),
                                      fmt::format("unknown {} {}{}", noun, quote_text(entry.key),
                                                  did_you_mean(entry.key, known)));
            }
        }
    }

    const Entry* entry(std::string_view key) const {
        for (const auto& e : m_entries) {
            if (e.key == key) {
                return &e;
            }
        }
        return nullptr;
    }

    std::optional<Field> find(std::string_view key) const {
        if (const Entry* e = entry(key)) {
            return e->value;
        }
        return std::nullopt;
    }

    // A missing key is reported at the mapping that should hold it.
    [[noreturn]] void fail_missing(std::string_view key, std::string_view what) const {
        m_self.context().fail(m_self.mark(), child_path(path(), key), what);
    }

    Field require(std::string_view key) const {
        if (auto field = find(key)) {
            return *field;
        }
        fail_missing(key, "required key is missing");
    }

    // Fails at the key's value when the file sets it, else at this mapping.
    [[noreturn]] void fail_at(std::string_view key, std::string_view what) const {
        if (auto field = find(key)) {
            field->fail(what);
        }
        fail_missing(key, what);
    }

    // How a key's value reads in messages: as written, or the default it fell back to.
    std::string shown(std::string_view key, double fallback) const {
        if (auto field = find(key)) {
            return field->shown();
        }
        return fmt::format("{} (the default)", fallback);
    }

private:
    void collect(const YAML::Node& map) {
        std::vector<YAML::Node> merged;
        for (auto it = map.begin(); it != map.end(); ++it) {
            const YAML::Node key = it->first;
            const YAML::Node value = it->second;
            if (!key.IsScalar()) {
                m_self.context().fail(key.Mark(), path(), "keys must be plain names");
            }
            const std::string name = key.Scalar();
            if (name == "<<" && key.Tag() == "?") {
                add_merge_sources(value, key.Mark(), merged);
                continue;
            }
            if (const Entry* first = entry(name)) {
                m_self.context().fail(key.Mark(), child_path(path(), name),
                                      fmt::format("duplicate key {} (first set on line {})",
                                                  quote_text(name), first->key_mark.line + 1));
            }
            // An empty value has yaml-cpp's mark on the next token; point at its key instead.
            const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
            m_entries.push_back(
                {name, key.Mark(), Field(m_self.context(), value, mark, child_path(path(), name))});
        }
        // Keys written in the mapping win over merged ones; earlier merge sources win over later.
        for (const auto& source : merged) {
            const MapView view(Field(m_self.context(), source, source.Mark(), path()));
            for (const auto& e : view.entries()) {
                if (!entry(e.key)) {
                    m_entries.push_back(e);
                }
            }
        }
    }

    void add_merge_sources(const YAML::Node& value, const YAML::Mark& mark,
                           std::vector<YAML::Node>& out) const {
        if (value.IsMap()) {
            out.push_back(value);
            return;
        }
        if (value.IsSequence()) {
            bool all_maps = true;
            for (const auto& item : value) {
                all_maps = all_maps && item.IsMap();
            }
            if (all_maps) {
                for (const auto& item : value) {
                    out.push_back(item);
                }
                return;
            }
        }
        m_self.context().fail(mark, child_path(path(), "<<"),
                              "a merge key needs a mapping or a list of mappings (e.g. <<: *name)");
    }

    Field m_self;
    std::vector<Entry> m_entries;
};

void read(const MapView& map, std::string_view key, double& out) {
    if (auto field = map.find(key)) {
        out = field->number();
    }
}

void read(const MapView& map, std::string_view key, int& out) {
    if (auto field = map.find(key)) {
        out = field->integer();
    }
}

void read(const MapView& map, std::string_view key, bool& out) {
    if (auto field = map.find(key)) {
        out = field->boolean();
    }
}

void read(const MapView& map, std::string_view key, std::string& out) {
    if (auto field = map.find(key)) {
        out = field->string(true);
    }
}

void read(const MapView& map, std::string_view key, std::optional<double>& out) {
    if (auto field = map.find(key)) {
        out = field->number();
    }
}

void read_choice(const MapView& map, std::string_view key, const std::vector<std::string>& choices,
                 std::string& out) {
    if (auto field = map.find(key)) {
        out = field->choice(choices);
    }
}

// Range checks: the message points at the key when set in the file, else at its mapping.
template <typename T>
void check_at_least(const MapView& map, std::string_view key, T value, T minimum) {
    if (value < minimum) {
        map.fail_at(key, fmt::format("must be at least {}, got {}", minimum,
                                     map.shown(key, static_cast<double>(value))));
    }
}

// Inclusive range; `hint` ends the message (e.g. "(0.15 is 15%)").
void check_between(const MapView& map, std::string_view key, double value, double minimum,
                   double maximum, std::string_view hint = "") {
    if (value < minimum || value > maximum) {
        map.fail_at(key, fmt::format("must be between {} and {}{}{}, got {}", minimum, maximum,
                                     hint.empty() ? "" : " ", hint, map.shown(key, value)));
    }
}

void check_order(const MapView& map, std::string_view min_key, double min_value,
                 std::string_view max_key, double max_value) {
    if (min_value <= max_value) {
        return;
    }
    const std::string what =
        fmt::format("{} {} is greater than {} {}", min_key, map.shown(min_key, min_value), max_key,
                    map.shown(max_key, max_value));
    map.fail_at(map.find(min_key) ? min_key : max_key, what);
}

LoggingConfig parse_logging(const MapView& map, const fs::path& data_dir) {
    map.allow_only(k_logging_keys);
    LoggingConfig out;
    read_choice(map, "level", k_log_levels, out.level);
    read_choice(map, "format", k_log_formats, out.format);
    if (auto field = map.find("file")) {
        const std::string file = field->string(true);
        if (!file.empty()) {
            out.file = resolve(data_dir, file);
        }
    }
    return out;
}

RetentionConfig parse_retention(const MapView& map) {
    map.allow_only(k_retention_keys);
    RetentionConfig out;
    read(map, "runs_days", out.runs_days);
    read(map, "api_calls_days", out.api_calls_days);
    read(map, "run_errors_days", out.run_errors_days);
    read(map, "iv_history_days", out.iv_history_days);
    read(map, "log_files_days", out.log_files_days);
    read(map, "grading_grace_days", out.grading_grace_days);
    read(map, "graded_picks_days", out.graded_picks_days);
    read(map, "vacuum_min_free_fraction", out.vacuum_min_free_fraction);
    check_at_least(map, "runs_days", out.runs_days, 0);
    check_at_least(map, "api_calls_days", out.api_calls_days, 0);
    check_at_least(map, "run_errors_days", out.run_errors_days, 0);
    check_at_least(map, "log_files_days", out.log_files_days, 0);
    check_at_least(map, "grading_grace_days", out.grading_grace_days, 0);
    check_at_least(map, "graded_picks_days", out.graded_picks_days, 0);
    check_between(map, "vacuum_min_free_fraction", out.vacuum_min_free_fraction, 0, 1,
                  "(0.2 is 20%)");
    // IV rank and percentile look back 252 sessions: a shorter history would silently turn
    // them into "unknown" after the next cleanup.
    if (out.iv_history_days != 0 && out.iv_history_days < 366) {
        map.fail_at("iv_history_days",
                    fmt::format("must be 0 (keep all) or at least 366 (IV rank needs 252 "
                                "sessions of history), got {}",
                                map.shown("iv_history_days", out.iv_history_days)));
    }
    return out;
}

BackupConfig parse_backup(const MapView& map, const fs::path& base_dir, const fs::path& data_dir) {
    map.allow_only(k_backup_keys);
    BackupConfig out;
    out.dir = data_dir / "backups";
    if (auto field = map.find("dir")) {
        out.dir = resolve(base_dir, field->path_value());
    }
    read(map, "max_age_hours", out.max_age_hours);
    read(map, "retention_days", out.retention_days);
    if (!(out.max_age_hours > 0)) {
        map.fail_at("max_age_hours", fmt::format("must be greater than 0, got {}",
                                                 map.shown("max_age_hours", out.max_age_hours)));
    }
    check_at_least(map, "retention_days", out.retention_days, 1);
    return out;
}

// Sector file: "SYMBOL,Sector" lines, '#' comments (whole line or trailing), blank lines; an
// optional "symbol,sector" header. Errors name <file>:<line>.
std::map<std::string, std::string> load_sectors(const Field& field, const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        field.fail(fmt::format("sectors file '{}' does not exist", file.string()));
    }
    if (fs::is_directory(file, ec)) {
        field.fail(fmt::format("sectors file '{}' is a directory", file.string()));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        field.fail(fmt::format("sectors file '{}' cannot be read", file.string()));
    }
    std::map<std::string, std::string> out;
    std::map<std::string, int> first_line;
    std::string line;
    int number = 0;
    bool seen_data = false;
    const auto fail_line = [&](std::string_view what) {
        throw ConfigError(one_line(fmt::format("{}:{}: {}", file.string(), number, what)));
    };
    while (std::getline(in, line)) {
        ++number;
        if (const auto hash = line.find('#'); hash != std::string::npos) {
            line.erase(hash);
        }
        const std::string text = trim(line);
        if (text.empty()) {
            continue;
        }
        const auto comma = text.find(',');
        if (comma == std::string::npos) {
            fail_line(fmt::format("expected SYMBOL,Sector, got {}", quote_text(text)));
        }
        if (text.find(',', comma + 1) != std::string::npos) {
            fail_line(fmt::format("expected SYMBOL,Sector (one comma), got {}", quote_text(text)));
        }
        const std::string symbol = normalize_symbol(text.substr(0, comma));
        const std::string sector = trim(text.substr(comma + 1));
        if (!seen_data && lower(symbol) == "symbol" && lower(sector) == "sector") {
            seen_data = true; // header
            continue;
        }
        seen_data = true;
        if (!is_ticker_symbol(symbol)) {
            fail_line(fmt::format("{} is not a ticker symbol (1-12 of A-Z, 0-9, '.', '-')",
                                  quote_text(symbol)));
        }
        if (sector.empty()) {
            fail_line(fmt::format("the sector of {} is empty", symbol));
        }
        if (const auto it = first_line.find(symbol); it != first_line.end()) {
            fail_line(fmt::format("{} is listed twice (first on line {})", symbol, it->second));
        }
        first_line[symbol] = number;
        out[symbol] = sector;
    }
    if (in.bad()) {
        field.fail(fmt::format("sectors file '{}' cannot be read", file.string()));
    }
    return out;
}

double parse_market(const MapView& map, double risk_free_rate, Config& config,
                    const fs::path& base_dir) {
    map.allow_only(k_market_keys);
    if (auto field = map.find("sectors_file")) {
        config.sectors_file = resolve(base_dir, field->path_value());
        config.sectors = load_sectors(*field, config.sectors_file);
    }
    read(map, "risk_free_rate", risk_free_rate);
    // A fraction, not a percentage: 4.5 instead of 0.045 is the likely mistake.
    if (risk_free_rate < -0.1 || risk_free_rate > 0.5) {
        map.fail_at("risk_free_rate",
                    fmt::format("must be a fraction between -0.1 and 0.5 (0.045 is 4.5%), got {}",
                                map.shown("risk_free_rate", risk_free_rate)));
    }
    return risk_free_rate;
}

// Reads a key file that only its owner may access; the content is the key.
std::string read_key_file(const Field& field, const fs::path& file) {
    std::error_code ec;
    const fs::file_status status = fs::status(file, ec);
    if (!fs::exists(status)) {
        field.fail(fmt::format("key file '{}' does not exist", file.string()));
    }
    if (ec) {
        field.fail(fmt::format("key file '{}' cannot be checked: {}", file.string(), ec.message()));
    }
    if (!fs::is_regular_file(status)) {
        field.fail(fmt::format("key file '{}' is not a regular file", file.string()));
    }
    const auto mode = static_cast<unsigned>(status.permissions() & fs::perms::mask);
    if ((mode & 077U) != 0) {
        field.fail(fmt::format("key file '{}' has mode {:04o}; it must not be accessible by group "
                               "or others (chmod 600 it)",
                               file.string(), mode));
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    if (!in || !(content << in.rdbuf())) {
        field.fail(fmt::format("key file '{}' cannot be read", file.string()));
    }
    std::string key = trim(content.str());
    if (key.empty()) {
        field.fail(fmt::format("key file '{}' is empty", file.string()));
    }
    return key;
}

// An http(s) base URL without trailing '/', or `default_url` when the key is absent.
std::string read_base_url(const MapView& map, const char* default_url) {
    const auto field = map.find("base_url");
    if (!field) {
        return default_url;
    }
    std::string url = trim(field->string(false));
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        field->fail(fmt::format("expected an http:// or https:// URL, got {}", field->shown()));
    }
    while (url.size() > 8 && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

// The key from `api_key` (a ${VAR} reference; a literal key is refused) or `api_key_file`;
// nullopt when neither is set.
std::optional<std::string> read_api_key(const MapView& map, const fs::path& base_dir) {
    const auto key = map.find("api_key");
    const auto key_file = map.find("api_key_file");
    if (key && key_file) {
        map.self().context().fail(map.entry("api_key_file")->key_mark, key_file->path(),
                                  "set either api_key or api_key_file, not both");
    }
    if (key) {
        const std::string raw = key->node().IsScalar() ? key->node().Scalar() : std::string();
        if (!key->is_null() && !raw.empty() && raw.find("${") == std::string::npos) {
            // Refused so keys stay out of files that get copied and committed; not echoed.
            key->fail("a literal API key is not accepted here; use ${ENV_VAR} or api_key_file");
        }
        return trim(key->string(true));
    }
    if (key_file) {
        return read_key_file(*key_file, resolve(base_dir, key_file->path_value()));
    }
    return std::nullopt;
}

VendorConfig parse_vendor(const MapView& map, const std::vector<std::string>& keys,
                          const char* default_url, const fs::path& base_dir) {
    map.allow_only(keys);
    VendorConfig out;
    out.base_url = read_base_url(map, default_url);
    out.api_key = read_api_key(map, base_dir).value_or("");
    read(map, "requests_per_minute", out.requests_per_minute);
    check_at_least(map, "requests_per_minute", out.requests_per_minute, 0.0);
    read(map, "burst", out.burst);
    check_at_least(map, "burst", out.burst, 1);
    read(map, "max_in_flight", out.max_in_flight);
    check_at_least(map, "max_in_flight", out.max_in_flight, 1);
    read(map, "max_attempts", out.max_attempts);
    check_at_least(map, "max_attempts", out.max_attempts, 1);
    read(map, "retry_base_ms", out.retry_base_ms);
    check_at_least(map, "retry_base_ms", out.retry_base_ms, 0.0);
    read(map, "retry_max_ms", out.retry_max_ms);
    check_order(map, "retry_base_ms", out.retry_base_ms, "retry_max_ms", out.retry_max_ms);
    read(map, "max_retry_after_s", out.max_retry_after_s);
    check_at_least(map, "max_retry_after_s", out.max_retry_after_s, 0.0);
    read(map, "connect_timeout_s", out.connect_timeout_s);
    check_between(map, "connect_timeout_s", out.connect_timeout_s, 0.1, 600);
    read(map, "timeout_s", out.timeout_s);
    check_between(map, "timeout_s", out.timeout_s, 0.1, 3600);
    read(map, "breaker_failures", out.breaker_failures);
    check_at_least(map, "breaker_failures", out.breaker_failures, 1);
    read(map, "breaker_cooldown_s", out.breaker_cooldown_s);
    check_at_least(map, "breaker_cooldown_s", out.breaker_cooldown_s, 0.0);
    read(map, "daily_credit_budget", out.daily_credit_budget);
    check_at_least(map, "daily_credit_budget", out.daily_credit_budget, 0.0);
    return out;
}

// One provider name or a list of them, first = primary: `chains: marketdata` or
// `chains: [eodhd, marketdata]`.
std::vector<std::string> read_route(const MapView& map, std::string_view key,
                                    std::vector<std::string> fallback) {
    auto field = map.find(key);
    if (!field) {
        return fallback;
    }
    std::vector<std::string> out;
    if (field->node().IsSequence()) {
        std::size_t index = 0;
        for (const auto& item : field->node()) {
            const Field element(field->context(), item, item.IsNull() ? field->mark() : item.Mark(),
                                fmt::format("{}[{}]", field->path(), index++));
            std::string name = element.choice(k_provider_names);
            if (std::find(out.begin(), out.end(), name) != out.end()) {
                element.fail(fmt::format("provider '{}' is listed twice", name));
            }
            out.push_back(std::move(name));
        }
        if (out.empty()) {
            field->fail("must name at least one provider");
        }
    } else {
        out.push_back(field->choice(k_provider_names));
    }
    return out;
}

ProvidersConfig parse_providers(const MapView& map, const fs::path& base_dir,
                                const fs::path& data_dir) {
    map.allow_only(k_providers_keys);
    ProvidersConfig out;
    out.eodhd.base_url = k_default_eodhd_url;
    out.marketdata.base_url = k_default_marketdata_url;
    out.sample_path = data_dir / "sample";
    if (auto field = map.find("routing")) {
        const MapView routing(*field);
        routing.allow_only(k_routing_keys);
        out.universe = read_route(routing, "universe", out.universe);
        out.history = read_route(routing, "history", out.history);
        out.chains = read_route(routing, "chains", out.chains);
        out.earnings = read_route(routing, "earnings", out.earnings);
        out.quotes = read_route(routing, "quotes", out.quotes);
        out.dividends = read_route(routing, "dividends", out.dividends);
    }
    if (auto field = map.find("cache")) {
        const MapView cache(*field);
        cache.allow_only(k_cache_keys);
        read(cache, "chains_hours", out.chain_cache_hours);
        check_between(cache, "chains_hours", out.chain_cache_hours, 0, 24);
        read(cache, "history", out.cache_history);
    }
    read(map, "workers", out.workers);
    check_between(map, "workers", out.workers, 1, 256);
    read(map, "reconcile", out.reconcile);
    read(map, "reconcile_tolerance", out.reconcile_tolerance);
    check_between(map, "reconcile_tolerance", out.reconcile_tolerance, 0, 1);
    if (out.quotes.empty()) {
        out.quotes = out.chains; // the chains vendor knows the underlyings' prices too
    }
    if (auto field = map.find("sample")) {
        const MapView sample(*field);
        sample.allow_only(k_sample_keys);
        if (auto path = sample.find("path")) {
            out.sample_path = resolve(base_dir, path->path_value());
        }
    }
    if (auto field = map.find("eodhd")) {
        const MapView eodhd(*field);
        out.eodhd = parse_vendor(eodhd, k_eodhd_keys, k_default_eodhd_url, base_dir);
        if (auto exchange = eodhd.find("exchange")) {
            std::string code = trim(exchange->string(false));
            const bool ok = code.size() <= 10 && std::all_of(code.begin(), code.end(), [](char c) {
                                return std::isalnum(static_cast<unsigned char>(c)) != 0;
                            });
            if (!ok) {
                exchange->fail(
                    fmt::format("expected an exchange code such as US, got {}", exchange->shown()));
            }
            std::transform(code.begin(), code.end(), code.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            out.eodhd_exchange = code;
        }
        read(eodhd, "marketplace_daily_credit_budget", out.eodhd_marketplace_budget);
        check_at_least(eodhd, "marketplace_daily_credit_budget", out.eodhd_marketplace_budget, 0.0);
    }
    if (auto field = map.find("marketdata")) {
        out.marketdata =
            parse_vendor(MapView(*field), k_marketdata_keys, k_default_marketdata_url, base_dir);
    }
    return out;
}

// Per-model prices, USD per million tokens: `prices: {claude-sonnet-5-5: {input: 2, ...}}`.
std::map<std::string, ModelPrice> parse_prices(const MapView& map) {
    std::map<std::string, ModelPrice> out;
    for (const auto& entry : map.entries()) {
        const MapView price(entry.value);
        price.allow_only(k_price_keys);
        ModelPrice p;
        p.input = price.require("input").number();
        p.output = price.require("output").number();
        read(price, "cache_write", p.cache_write);
        read(price, "cache_write_1h", p.cache_write_1h);
        read(price, "cache_read", p.cache_read);
        check_at_least(price, "input", p.input, 0.0);
        check_at_least(price, "output", p.output, 0.0);
        check_at_least(price, "cache_write", p.cache_write, 0.0);
        check_at_least(price, "cache_read", p.cache_read, 0.0);
        if (p.cache_write_1h) {
            check_at_least(price, "cache_write_1h", *p.cache_write_1h, 0.0);
        }
        out[entry.key] = p;
    }
    return out;
}

// The `ai:` section. The key comes from api_key (${VAR}) or api_key_file, else from
// ANTHROPIC_API_KEY; without one the scan skips the analysis (one info line).
AiConfig parse_ai(const MapView& map, const fs::path& base_dir, const EnvLookup& env) {
    map.allow_only(k_ai_keys);
    AiConfig out;
    read(map, "enabled", out.enabled);
    // base_url and the key follow the vendors' rules (http(s) URL, no literal key).
    out.base_url = read_base_url(map, k_default_anthropic_url);
    if (auto key = read_api_key(map, base_dir)) {
        out.api_key = *key;
    } else if (auto value = env("ANTHROPIC_API_KEY")) {
        out.api_key = trim(*value);
    }
    if (auto field = map.find("model")) {
        out.model = trim(field->string(false));
    }
    if (auto field = map.find("anthropic_version")) {
        out.anthropic_version = trim(field->string(false));
    }
    read(map, "max_tokens", out.max_tokens);
    check_between(map, "max_tokens", out.max_tokens, 64, 128000);
    read(map, "temperature", out.temperature);
    if (out.temperature) {
        check_between(map, "temperature", *out.temperature, 0, 1);
    }
    read(map, "top_k", out.top_k);
    check_between(map, "top_k", out.top_k, 0, 20, "(0: no AI analysis)");
    read(map, "daily_budget_usd", out.daily_budget_usd);
    if (!(out.daily_budget_usd > 0)) {
        map.fail_at("daily_budget_usd",
                    fmt::format("must be above 0 (USD per day), got {}",
                                map.shown("daily_budget_usd", out.daily_budget_usd)));
    }
    read(map, "max_attempts", out.max_attempts);
    check_between(map, "max_attempts", out.max_attempts, 1, 10);
    read(map, "retry_base_ms", out.retry_base_ms);
    check_at_least(map, "retry_base_ms", out.retry_base_ms, 0.0);
    read(map, "retry_max_ms", out.retry_max_ms);
    check_order(map, "retry_base_ms", out.retry_base_ms, "retry_max_ms", out.retry_max_ms);
    read(map, "max_retry_after_s", out.max_retry_after_s);
    check_at_least(map, "max_retry_after_s", out.max_retry_after_s, 0.0);
    read(map, "connect_timeout_s", out.connect_timeout_s);
    check_between(map, "connect_timeout_s", out.connect_timeout_s, 0.1, 600);
    read(map, "timeout_s", out.timeout_s);
    check_between(map, "timeout_s", out.timeout_s, 0.1, 3600);
    read(map, "number_tolerance", out.number_tolerance);
    check_between(map, "number_tolerance", out.number_tolerance, 0, 0.05, "(0.005 is 0.5%)");
    if (auto field = map.find("prices")) {
        out.prices = parse_prices(MapView(*field));
    }
    // Every call is priced: without the model's price the daily budget could not hold.
    if (out.enabled && out.prices.find(out.model) == out.prices.end()) {
        std::vector<std::string> known;
        for (const auto& [model, unused] : out.prices) {
            known.push_back(model);
        }
        map.fail_at("model", fmt::format("model '{}' has no entry in ai.prices (priced: {})",
                                         out.model, known.empty() ? "none" : join(known)));
    }
    return out;
}

// A list of symbols, or one value holding them separated by commas or spaces (handy with
// "symbols: ${WATCHLIST}").
std::vector<std::string> parse_symbols(const Field& field) {
    std::vector<std::pair<std::string, Field>> items;
    // Symbols split out of one ${VAR} value are not echoed in messages; list items are file text.
    bool hide_values = false;
    if (field.node().IsSequence()) {
        std::size_t index = 0;
        for (const auto& item : field.node()) {
            const Field element(field.context(), item, item.IsNull() ? field.mark() : item.Mark(),
                                fmt::format("{}[{}]", field.path(), index++));
            items.emplace_back(element.string(false), element);
        }
    } else if (field.node().IsScalar()) {
        std::string text = field.scalar("a list of symbols").text;
        hide_values = field.node().Scalar().find("${") != std::string::npos;
        std::replace(text.begin(), text.end(), ',', ' ');
        std::istringstream words(text);
        for (std::string word; words >> word;) {
            items.emplace_back(word, field);
        }
    } else {
        field.fail(fmt::format("expected a list of symbols, got {}", field.kind()));
    }
    std::vector<std::string> out;
    for (const auto& [text, where] : items) {
        std::string symbol = trim(text);
        std::transform(symbol.begin(), symbol.end(), symbol.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        const std::string shown =
            hide_values ? fmt::format("a symbol in {}", where.shown()) : quote_text(symbol);
        if (!is_ticker_symbol(symbol)) {
            where.fail(
                fmt::format("{} is not a ticker symbol (1-12 of A-Z, 0-9, '.', '-')", shown));
        }
        if (std::find(out.begin(), out.end(), symbol) != out.end()) {
            where.fail(fmt::format("{} is listed twice", shown));
        }
        out.push_back(symbol);
    }
    if (out.empty()) {
        field.fail("must list at least one symbol");
    }
    return out;
}

UniverseConfig parse_universe(const MapView& map, const fs::path& base_dir) {
    map.allow_only(k_universe_keys);
    UniverseConfig out;
    // No default source: a profile that forgot it would silently screen the whole exchange.
    const std::string source = map.require("source").choice(k_universe_sources);
    out.source = source == "list"   ? UniverseSource::List
                 : source == "file" ? UniverseSource::File
                                    : UniverseSource::Exchange;
    const auto symbols = map.find("symbols");
    const auto file = map.find("file");
    if (out.source == UniverseSource::List) {
        if (!symbols) {
            map.fail_missing("symbols", "required when source is list");
        }
        out.symbols = parse_symbols(*symbols);
    } else if (symbols) {
        symbols->fail(fmt::format("only used when source is list (source is {})", source));
    }
    if (out.source == UniverseSource::File) {
        if (!file) {
            map.fail_missing("file", "required when source is file");
        }
        out.file = resolve(base_dir, file->path_value());
    } else if (file) {
        file->fail(fmt::format("only used when source is file (source is {})", source));
    }
    return out;
}

PrefilterConfig parse_prefilter(const MapView& map) {
    map.allow_only(k_prefilter_keys);
    PrefilterConfig out;
    read(map, "min_price", out.min_price);
    read(map, "max_price", out.max_price);
    read(map, "min_avg_volume", out.min_avg_volume);
    read(map, "min_market_cap", out.min_market_cap);
    check_at_least(map, "min_price", out.min_price, 0.0);
    check_at_least(map, "max_price", out.max_price, 0.0);
    check_at_least(map, "min_avg_volume", out.min_avg_volume, 0.0);
    check_at_least(map, "min_market_cap", out.min_market_cap, 0.0);
    check_order(map, "min_price", out.min_price, "max_price", out.max_price);
    return out;
}

// `out` holds the starting values: the plain defaults or the preset's.
StrategyConfig parse_strategy(const MapView& map, StrategyConfig out) {
    map.allow_only(k_strategy_keys);
    read(map, "enabled", out.enabled);
    read(map, "dte_min", out.dte_min);
    read(map, "dte_max", out.dte_max);
    read(map, "delta_min", out.delta_min);
    read(map, "delta_max", out.delta_max);
    read(map, "otm_pct_min", out.otm_pct_min);
    read(map, "otm_pct_max", out.otm_pct_max);
    read(map, "min_bid", out.min_bid);
    read(map, "max_spread_pct", out.max_spread_pct);
    read(map, "min_open_interest", out.min_open_interest);
    read(map, "min_volume", out.min_volume);
    read(map, "width_min", out.width_min);
    read(map, "width_max", out.width_max);
    read(map, "min_credit", out.min_credit);
    read(map, "min_pop", out.min_pop);
    read(map, "min_annualized_return", out.min_annualized_return);
    read(map, "max_loss", out.max_loss);
    read(map, "buy_write", out.buy_write);

    check_at_least(map, "dte_min", out.dte_min, 0);
    check_at_least(map, "dte_max", out.dte_max, 0);
    check_order(map, "dte_min", out.dte_min, "dte_max", out.dte_max);
    check_between(map, "delta_min", out.delta_min, 0, 1, "(an absolute delta)");
    check_between(map, "delta_max", out.delta_max, 0, 1, "(an absolute delta)");
    check_order(map, "delta_min", out.delta_min, "delta_max", out.delta_max);
    // A fraction of spot; negative is in the money. 5 instead of 0.05 is the likely mistake.
    check_between(map, "otm_pct_min", out.otm_pct_min, -1, 1, "(a fraction of spot: 0.05 is 5%)");
    check_between(map, "otm_pct_max", out.otm_pct_max, -1, 1, "(a fraction of spot: 0.05 is 5%)");
    check_order(map, "otm_pct_min", out.otm_pct_min, "otm_pct_max", out.otm_pct_max);
    check_at_least(map, "min_bid", out.min_bid, 0.0);
    // (ask - bid) / mid cannot exceed 2, so a larger value is almost surely a percentage.
    if (!(out.max_spread_pct > 0) || out.max_spread_pct > 2) {
        map.fail_at("max_spread_pct",
                    fmt::format("must be a fraction of the mid price above 0 and at most 2 (0.15 "
                                "is 15%), got {}",
                                map.shown("max_spread_pct", out.max_spread_pct)));
    }
    check_at_least(map, "min_open_interest", out.min_open_interest, 0.0);
    check_at_least(map, "min_volume", out.min_volume, 0.0);
    check_at_least(map, "width_min", out.width_min, 0.0);
    if (!(out.width_max > 0)) {
        map.fail_at("width_max", fmt::format("must be above 0 (USD between strikes), got {}",
                                             map.shown("width_max", out.width_max)));
    }
    check_order(map, "width_min", out.width_min, "width_max", out.width_max);
    check_at_least(map, "min_credit", out.min_credit, 0.0);
    check_between(map, "min_pop", out.min_pop, 0, 1, "(a probability: 0.5 is 50%)");
    check_at_least(map, "min_annualized_return", out.min_annualized_return, 0.0);
    if (out.max_loss && !(*out.max_loss > 0)) {
        map.fail_at("max_loss", fmt::format("must be above 0 (USD per share), got {}",
                                            map.shown("max_loss", *out.max_loss)));
    }
    return out;
}

bool is_profile_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
}

ScoreWeights parse_weights(const MapView& map, ScoreWeights out) {
    map.allow_only(k_weight_keys, "score component");
    read(map, "excess_return", out.excess_return);
    read(map, "pop", out.pop);
    read(map, "iv_rank", out.iv_rank);
    read(map, "annualized_return", out.annualized_return);
    return out;
}

std::vector<HoldingLot> parse_holdings(const Field& field) {
    if (field.is_null()) {
        return {};
    }
    if (!field.node().IsSequence()) {
        field.fail(
            fmt::format("expected a list of {{symbol, shares, cost_basis}}, got {}", field.kind()));
    }
    std::vector<HoldingLot> out;
    std::size_t index = 0;
    for (const auto& item : field.node()) {
        const Field element(field.context(), item, item.IsNull() ? field.mark() : item.Mark(),
                            fmt::format("{}[{}]", field.path(), index++));
        if (!item.IsMap()) {
            element.fail(fmt::format(
                "expected a mapping with symbol, shares and cost_basis, got {}", element.kind()));
        }
        const MapView lot_map(element);
        lot_map.allow_only(k_holding_keys);
        HoldingLot lot;
        const Field symbol_field = lot_map.require("symbol");
        lot.symbol = normalize_symbol(symbol_field.string(false));
        if (!is_ticker_symbol(lot.symbol)) {
            symbol_field.fail(fmt::format("{} is not a ticker symbol (1-12 of A-Z, 0-9, '.', '-')",
                                          quote_text(lot.symbol)));
        }
        lot.shares = lot_map.require("shares").integer();
        // One contract covers 100 shares; fewer cannot back a covered call.
        if (lot.shares < 100) {
            lot_map.fail_at("shares",
                            fmt::format("must be at least 100 (one contract covers 100 shares), "
                                        "got {}",
                                        lot_map.shown("shares", lot.shares)));
        }
        read(lot_map, "cost_basis", lot.cost_basis);
        check_at_least(lot_map, "cost_basis", lot.cost_basis, 0.0);
        out.push_back(std::move(lot));
    }
    return out;
}

// A list of sector names; checked against the sectors file's names when one is loaded.
std::vector<std::string> parse_sector_list(const Field& field,
                                           const std::vector<std::string>& known) {
    if (field.is_null()) {
        return {};
    }
    if (!field.node().IsSequence()) {
        field.fail(fmt::format("expected a list of sector names, got {}", field.kind()));
    }
    std::vector<std::string> out;
    std::size_t index = 0;
    for (const auto& item : field.node()) {
        const Field element(field.context(), item, item.IsNull() ? field.mark() : item.Mark(),
                            fmt::format("{}[{}]", field.path(), index++));
        std::string name = trim(element.string(false));
        if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
            element.fail(fmt::format("{} is not a sector of market.sectors_file{}",
                                     quote_text(name), did_you_mean(name, known)));
        }
        if (std::find(out.begin(), out.end(), name) != out.end()) {
            element.fail(fmt::format("{} is listed twice", quote_text(name)));
        }
        out.push_back(std::move(name));
    }
    return out;
}

ProfileConfig parse_profile(const std::string& name, const MapView& map, const fs::path& base_dir,
                            const std::vector<std::string>& sector_names) {
    map.allow_only(k_profile_keys);
    // The preset's values are the defaults the keys below override.
    std::string preset;
    read_choice(map, "preset", known_presets(), preset);
    ProfileConfig out = preset_defaults(preset);
    out.name = name;
    read(map, "description", out.description);
    // Required: a profile must say what it screens.
    out.universe = parse_universe(MapView(map.require("universe")), base_dir);
    if (auto field = map.find("prefilter")) {
        out.prefilter = parse_prefilter(MapView(*field));
    }
    if (auto field = map.find("earnings")) {
        const std::string policy = field->choice(k_earnings_policies);
        out.earnings = policy == "exclude"  ? EarningsPolicy::Exclude
                       : policy == "ignore" ? EarningsPolicy::Ignore
                                            : EarningsPolicy::Flag;
    }
    read(map, "top_n", out.top_n);
    read(map, "max_per_symbol", out.max_per_symbol);
    read(map, "max_per_sector", out.max_per_sector);
    read(map, "history_days", out.history_days);
    read(map, "live_quotes", out.live_quotes);
    check_at_least(map, "top_n", out.top_n, 1);
    if (auto field = map.find("ai_top_k")) {
        out.ai_top_k = field->integer();
        check_between(map, "ai_top_k", *out.ai_top_k, 0, 20, "(0: no AI analysis)");
    }
    check_at_least(map, "max_per_symbol", out.max_per_symbol, 1);
    check_at_least(map, "max_per_sector", out.max_per_sector, 0);
    // Enough daily bars for a 20-trading-day historical volatility.
    check_at_least(map, "history_days", out.history_days, 30);

    read(map, "fill_k", out.fill_k);
    check_between(map, "fill_k", out.fill_k, 0, 1, "(0: the mid, 1: the natural bid/ask)");
    if (auto field = map.find("pop_drift")) {
        out.pop_drift =
            field->choice(k_pop_drifts) == "zero" ? PopDrift::Zero : PopDrift::RiskNeutral;
    }
    read_choice(map, "real_world_vol", k_real_world_vols, out.real_world_vol);
    read(map, "real_world_drift", out.real_world_drift);
    if (out.real_world_drift) {
        check_between(map, "real_world_drift", *out.real_world_drift, -1, 1,
                      "(an annual fraction: 0.07 is 7%)");
    }
    read(map, "iv_rank_min", out.iv_rank_min);
    read(map, "iv_rank_max", out.iv_rank_max);
    if (out.iv_rank_min) {
        check_between(map, "iv_rank_min", *out.iv_rank_min, 0, 100, "(IV rank is 0..100)");
    }
    if (out.iv_rank_max) {
        check_between(map, "iv_rank_max", *out.iv_rank_max, 0, 100, "(IV rank is 0..100)");
    }
    if (out.iv_rank_min && out.iv_rank_max) {
        check_order(map, "iv_rank_min", *out.iv_rank_min, "iv_rank_max", *out.iv_rank_max);
    }
    read(map, "iv_rank_min_observations", out.iv_rank_min_observations);
    check_at_least(map, "iv_rank_min_observations", out.iv_rank_min_observations, 1);
    if (auto field = map.find("sectors_include")) {
        out.sectors_include = parse_sector_list(*field, sector_names);
    }
    if (auto field = map.find("sectors_exclude")) {
        out.sectors_exclude = parse_sector_list(*field, sector_names);
        for (const auto& sector : out.sectors_exclude) {
            if (std::find(out.sectors_include.begin(), out.sectors_include.end(), sector) !=
                out.sectors_include.end()) {
                field->fail(fmt::format("{} is in both sectors_include and sectors_exclude",
                                        quote_text(sector)));
            }
        }
    }
    read(map, "max_rejected_fraction", out.max_rejected_fraction);
    check_between(map, "max_rejected_fraction", out.max_rejected_fraction, 0, 1, "(0.5 is 50%)");
    read(map, "max_quote_age_hours", out.max_quote_age_hours);
    if (!(out.max_quote_age_hours > 0)) {
        map.fail_at("max_quote_age_hours",
                    fmt::format("must be above 0 (hours), got {}",
                                map.shown("max_quote_age_hours", out.max_quote_age_hours)));
    }
    if (auto field = map.find("weights")) {
        out.weights = parse_weights(MapView(*field), out.weights);
    }
    if (auto field = map.find("holdings")) {
        out.holdings = parse_holdings(*field);
    }

    // Required without a preset; with one, the preset's strategies apply when it is absent.
    const auto strategies_field = map.find("strategies");
    if (!strategies_field && preset.empty()) {
        map.fail_missing("strategies", "required key is missing (or set a preset: " +
                                           join(known_presets()) + ")");
    }
    if (strategies_field) {
        const MapView strategies(*strategies_field);
        strategies.allow_only(known_strategies(), "strategy");
        if (strategies.empty() && preset.empty()) {
            strategies.self().fail(fmt::format("must list at least one strategy (known: {})",
                                               join(known_strategies())));
        }
        for (const auto& entry : strategies.entries()) {
            const auto it = out.strategies.find(entry.key);
            const StrategyConfig base = it != out.strategies.end() ? it->second : StrategyConfig{};
            out.strategies[entry.key] = parse_strategy(MapView(entry.value), base);
        }
    }
    return out;
}

// A warning/critical pair of one health threshold: both in range, warning not above critical.
void read_threshold_pair(const MapView& map, std::string_view warning_key, double& warning,
                         std::string_view critical_key, double& critical, double maximum) {
    read(map, warning_key, warning);
    check_between(map, warning_key, warning, 0, maximum);
    read(map, critical_key, critical);
    check_between(map, critical_key, critical, 0, maximum);
    check_order(map, warning_key, warning, critical_key, critical);
}

HealthConfig parse_health(const MapView& map) {
    map.allow_only(k_health_keys);
    HealthConfig out;
    read_threshold_pair(map, "cpu_warning_pct", out.cpu_warning_pct, "cpu_critical_pct",
                        out.cpu_critical_pct, 100);
    read_threshold_pair(map, "memory_warning_pct", out.memory_warning_pct, "memory_critical_pct",
                        out.memory_critical_pct, 100);
    read_threshold_pair(map, "disk_warning_pct", out.disk_warning_pct, "disk_critical_pct",
                        out.disk_critical_pct, 100);
    read_threshold_pair(map, "load_warning_per_cpu", out.load_warning_per_cpu,
                        "load_critical_per_cpu", out.load_critical_per_cpu, 1000);
    read_threshold_pair(map, "error_rate_warning_pct", out.error_rate_warning_pct,
                        "error_rate_critical_pct", out.error_rate_critical_pct, 100);
    read_threshold_pair(map, "response_time_warning_ms", out.response_time_warning_ms,
                        "response_time_critical_ms", out.response_time_critical_ms, 600000);
    read_threshold_pair(map, "last_scan_warning_hours", out.last_scan_warning_hours,
                        "last_scan_critical_hours", out.last_scan_critical_hours, 24 * 366);
    read(map, "spend_warning_pct", out.spend_warning_pct);
    check_between(map, "spend_warning_pct", out.spend_warning_pct, 0, 100);
    read(map, "cpu_sample_ms", out.cpu_sample_ms);
    // Long enough to measure, short enough that `health` answers in well under a second.
    check_between(map, "cpu_sample_ms", out.cpu_sample_ms, 10, 900);
    read(map, "probe_timeout_s", out.probe_timeout_s);
    check_between(map, "probe_timeout_s", out.probe_timeout_s, 0.1, 60);
    read(map, "check_backup", out.check_backup);
    return out;
}

// A URL that may be empty after expansion (e.g. ${SLACK_WEBHOOK_URL:-}); otherwise http(s).
// The value is a secret: messages show only the file's text.
std::string read_secret_url(const Field& field) {
    std::string url = trim(field.string(true));
    if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        field.fail(fmt::format("expected an http:// or https:// URL, got {}", field.shown()));
    }
    return url;
}

AlertsConfig parse_alerts(const MapView& map) {
    map.allow_only(k_alerts_keys);
    AlertsConfig out;
    read(map, "cooldown_s", out.cooldown_s);
    check_between(map, "cooldown_s", out.cooldown_s, 0, 7 * 86400);
    read(map, "repeat_interval_s", out.repeat_interval_s);
    check_between(map, "repeat_interval_s", out.repeat_interval_s, 0, 30 * 86400);
    read(map, "scan_summary", out.scan_summary);
    read(map, "timeout_s", out.timeout_s);
    check_between(map, "timeout_s", out.timeout_s, 0.1, 60);
    const auto field = map.find("webhooks");
    if (!field || field->is_null()) {
        return out;
    }
    if (!field->node().IsSequence()) {
        field->fail(fmt::format("expected a list of {{url, format}}, got {}", field->kind()));
    }
    std::size_t index = 0;
    for (const auto& item : field->node()) {
        const Field element(field->context(), item, item.IsNull() ? field->mark() : item.Mark(),
                            fmt::format("{}[{}]", field->path(), index++));
        if (!item.IsMap()) {
            element.fail(
                fmt::format("expected a mapping with url and format, got {}", element.kind()));
        }
        const MapView hook(element);
        hook.allow_only(k_webhook_keys);
        WebhookConfig webhook;
        webhook.url = read_secret_url(hook.require("url"));
        read_choice(hook, "format", k_webhook_formats, webhook.format);
        if (!webhook.url.empty()) {
            out.webhooks.push_back(std::move(webhook));
        }
    }
    return out;
}

PingsConfig parse_pings(const MapView& map) {
    map.allow_only(k_pings_keys);
    PingsConfig out;
    if (auto field = map.find("urls")) {
        const MapView urls(*field);
        urls.allow_only(k_ping_commands, "command");
        for (const auto& entry : urls.entries()) {
            std::string url = read_secret_url(entry.value);
            while (url.size() > 8 && url.back() == '/') {
                url.pop_back();
            }
            if (!url.empty()) {
                out.urls[entry.key] = std::move(url);
            }
        }
    }
    read_choice(map, "on_degraded", k_ping_degraded, out.on_degraded);
    read(map, "timeout_s", out.timeout_s);
    check_between(map, "timeout_s", out.timeout_s, 0.1, 60);
    read(map, "log_lines", out.log_lines);
    check_between(map, "log_lines", out.log_lines, 0, 10000);
    read(map, "max_body_bytes", out.max_body_bytes);
    check_between(map, "max_body_bytes", out.max_body_bytes, 0, 1000000);
    return out;
}

MetricsConfig parse_metrics(const MapView& map, const fs::path& data_dir) {
    map.allow_only(k_metrics_keys);
    MetricsConfig out;
    if (auto field = map.find("textfile")) {
        const std::string file = trim(field->string(true));
        if (!file.empty()) {
            out.textfile = resolve(data_dir, file);
            // node_exporter's textfile collector reads only *.prom files.
            if (out.textfile.extension() != ".prom") {
                field->fail(fmt::format("must end in .prom (node_exporter reads only those), "
                                        "got {}",
                                        field->shown()));
            }
        }
    }
    return out;
}

Config parse_document(const Context& context, const YAML::Node& root) {
    const Field top_field(context, root, root.Mark(), "");
    if (!root.IsMap()) {
        top_field.fail(fmt::format("expected a mapping of settings (data_dir, profiles, ...), "
                                   "got {}",
                                   top_field.kind()));
    }
    const MapView top(top_field);
    top.allow_only(k_top_keys);

    Config config;
    config.data_dir = resolve(context.base_dir(), top.require("data_dir").path_value());
    config.database = config.data_dir / "screener.db";
    if (auto field = top.find("database")) {
        config.database = resolve(config.data_dir, field->path_value());
    }
    if (auto field = top.find("logging")) {
        config.logging = parse_logging(MapView(*field), config.data_dir);
    }
    if (auto field = top.find("market")) {
        config.risk_free_rate =
            parse_market(MapView(*field), config.risk_free_rate, config, context.base_dir());
    }
    if (auto field = top.find("retention")) {
        config.retention = parse_retention(MapView(*field));
    }
    config.backup.dir = config.data_dir / "backups";
    if (auto field = top.find("backup")) {
        config.backup = parse_backup(MapView(*field), context.base_dir(), config.data_dir);
    }
    const Field no_providers(context, YAML::Node(), root.Mark(), "providers");
    const auto providers_field = top.find("providers");
    config.providers = parse_providers(MapView(providers_field ? *providers_field : no_providers),
                                       context.base_dir(), config.data_dir);

    std::vector<std::string> sector_names;
    for (const auto& [symbol, sector] : config.sectors) {
        if (std::find(sector_names.begin(), sector_names.end(), sector) == sector_names.end()) {
            sector_names.push_back(sector);
        }
    }
    std::sort(sector_names.begin(), sector_names.end());

    if (auto field = top.find("ai")) {
        config.ai = parse_ai(MapView(*field), context.base_dir(), context.env());
    }
    // Optional sections; an absent one leaves the defaults.
    const auto section = [&](std::string_view key) {
        const auto field = top.find(key);
        return MapView(field ? *field
                             : Field(context, YAML::Node(), root.Mark(), std::string(key)));
    };
    config.health = parse_health(section("health"));
    if (top.find("backup") && !MapView(section("health")).find("check_backup")) {
        config.health.check_backup = true;
    }
    config.alerts = parse_alerts(section("alerts"));
    config.pings = parse_pings(section("pings"));
    config.metrics = parse_metrics(section("metrics"), config.data_dir);

    const MapView profiles(top.require("profiles"));
    if (profiles.empty()) {
        profiles.self().fail("must define at least one profile");
    }
    for (const auto& entry : profiles.entries()) {
        if (!is_profile_name(entry.key)) {
            context.fail(entry.key_mark, entry.value.path(),
                         "profile names may hold only letters, digits, '_' and '-'");
        }
        config.profiles[entry.key] =
            parse_profile(entry.key, MapView(entry.value), context.base_dir(), sector_names);
    }
    return config;
}

// Optimal string alignment distance: edits plus adjacent transpositions ("sprad" ~ "spread").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

} // namespace

const ProfileConfig& Config::profile(const std::string& name) const {
    const auto it = profiles.find(name);
    if (it != profiles.end()) {
        return it->second;
    }
    std::vector<std::string> names;
    for (const auto& [known, unused] : profiles) {
        names.push_back(known);
    }
    throw ConfigError(
        one_line(fmt::format("unknown profile {} (known: {})", quote_text(name), join(names))));
}

const std::vector<std::string>& known_strategies() {
    static const std::vector<std::string> k_names = {
        "cash_secured_put", "covered_call", "bull_put_spread", "bear_call_spread",
        "iron_condor",      "long_call",    "long_put"};
    return k_names;
}

const std::vector<std::string>& known_presets() {
    static const std::vector<std::string> k_names = {"wheel", "tasty45"};
    return k_names;
}

// The preset table (docs/configuration.md, "Presets").
ProfileConfig preset_defaults(std::string_view preset) {
    ProfileConfig out;
    out.preset = std::string(preset);
    if (preset.empty()) {
        return out;
    }
    if (preset == "wheel") {
        out.earnings = EarningsPolicy::Exclude;
        out.max_per_symbol = 1;
        out.weights = ScoreWeights{0.5, 0.0, 0.0, 0.5};
        StrategyConfig leg;
        leg.dte_min = 7;
        leg.dte_max = 45;
        leg.delta_min = 0.20;
        leg.delta_max = 0.30;
        leg.min_open_interest = 100;
        leg.max_spread_pct = 0.10;
        leg.min_bid = 0.10;
        leg.min_annualized_return = 0.10;
        out.strategies["cash_secured_put"] = leg;
        out.strategies["covered_call"] = leg;
        return out;
    }
    if (preset == "tasty45") {
        out.earnings = EarningsPolicy::Exclude;
        out.iv_rank_min = 50;
        out.weights = ScoreWeights{1.0, 0.0, 0.25, 0.0};
        StrategyConfig csp;
        csp.dte_min = 35;
        csp.dte_max = 55;
        csp.delta_min = 0.16;
        csp.delta_max = 0.30;
        csp.min_open_interest = 100;
        csp.max_spread_pct = 0.15;
        csp.min_bid = 0.10;
        StrategyConfig spread = csp;
        spread.width_min = 1;
        spread.width_max = 10;
        spread.min_pop = 0.50;
        out.strategies["bull_put_spread"] = spread;
        out.strategies["bear_call_spread"] = spread;
        out.strategies["iron_condor"] = spread;
        out.strategies["cash_secured_put"] = csp;
        return out;
    }
    throw ConfigError(one_line(fmt::format("unknown preset {}{}", quote_text(preset),
                                           did_you_mean(preset, known_presets()))));
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
    const std::string needle = lower(word);
    std::optional<std::string> best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& candidate : candidates) {
        const std::string hay = lower(candidate);
        std::size_t distance = edit_distance(needle, hay);
        // A typo costs about one edit per three letters; a prefix of 3+ letters ("warning" for
        // "warn", "dte" for "dte_min") also counts as a near miss.
        const bool near = distance <= std::max<std::size_t>(1, hay.size() / 3);
        const std::size_t shorter = std::min(needle.size(), hay.size());
        const bool prefix = shorter >= 3 && needle.compare(0, shorter, hay, 0, shorter) == 0;
        if (!near && !prefix) {
            continue;
        }
        if (!near) {
            distance = std::max(needle.size(), hay.size()); // rank prefixes after real typos
        }
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::string_view universe_source_name(UniverseSource source) {
    switch (source) {
    case UniverseSource::List:
        return "list";
    case UniverseSource::File:
        return "file";
    case UniverseSource::Exchange:
        break;
    }
    return "exchange";
}

std::string_view earnings_policy_name(EarningsPolicy policy) {
    switch (policy) {
    case EarningsPolicy::Exclude:
        return "exclude";
    case EarningsPolicy::Ignore:
        return "ignore";
    case EarningsPolicy::Flag:
        break;
    }
    return "flag";
}

Config parse_config(std::string_view yaml_text, const std::string& file_name,
                    const fs::path& base_dir, const EnvLookup& env) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
        const int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
        const int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
        throw ConfigError(one_line(
            fmt::format("{}:{}:{}: YAML syntax error: {}", file_name, line, column, e.msg)));
    }
    // An empty base_dir means the working directory, like a relative one.
    std::error_code ec;
    const fs::path base = fs::absolute(base_dir.empty() ? fs::path(".") : base_dir, ec);
    if (ec) {
        throw ConfigError(one_line(fmt::format("{}: cannot resolve the directory '{}': {}",
                                               file_name, base_dir.string(), ec.message())));
    }
    const Context context(file_name, normalised(base), env);
    if (documents.empty() || documents.front().IsNull()) {
        context.fail(YAML::Mark::null_mark(), "",
                     "the file holds no settings (data_dir and profiles are required)");
    }
    if (documents.size() > 1) {
        context.fail(documents[1].Mark(), "", "only one YAML document is allowed per file");
    }
    return parse_document(context, documents.front());
}

Config load_config(const fs::path& file, const EnvLookup& env) {
    std::error_code ec;
    if (fs::is_directory(file, ec)) {
        throw ConfigError(
            one_line(fmt::format("{}: cannot read config file: it is a directory", file.string())));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const std::string reason =
            fs::exists(file, ec) ? "permission denied or unreadable" : "no such file";
        throw ConfigError(
            one_line(fmt::format("{}: cannot read config file: {}", file.string(), reason)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw ConfigError(
            one_line(fmt::format("{}: cannot read config file: read error", file.string())));
    }
    const fs::path absolute = normalised(fs::absolute(file));
    Config config = parse_config(text.str(), file.string(), absolute.parent_path(), env);
    config.source_file = absolute;
    return config;
}

} // namespace screener::config
