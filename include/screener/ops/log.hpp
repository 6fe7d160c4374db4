#pragma once
// Structured logging: one JSON object per line (ts, level, event, fields) or a short text line
// for terminals. Known secrets are masked in every line before it is written, in one place.

#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace screener::ops {

enum class LogLevel { Debug, Info, Warn, Error };
enum class LogFormat { Json, Text };

LogLevel parse_log_level(std::string_view text); // ConfigError on unknown names
LogFormat parse_log_format(std::string_view text);

struct LogField {
    using Value = std::variant<std::string, std::int64_t, double, bool>;
    std::string key;
    Value value;

    LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
    LogField(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
    LogField(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
    LogField(std::string k, int v) : key(std::move(k)), value(static_cast<std::int64_t>(v)) {}
    LogField(std::string k, std::int64_t v) : key(std::move(k)), value(v) {}
    LogField(std::string k, double v) : key(std::move(k)), value(v) {}
    LogField(std::string k, bool v) : key(std::move(k)), value(v) {}
};

using LogFields = std::vector<LogField>;

class Logger {
public:
    // Writes to stderr.
    Logger(LogLevel level, LogFormat format);
    // Appends to `file` (created if missing); falls back to stderr if it cannot be opened,
    // because a logging failure must never stop a run.
    Logger(LogLevel level, LogFormat format, const std::filesystem::path& file);
    ~Logger();
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;

    // Every later line has each occurrence of `secret` replaced by "***". Empty is ignored.
    void add_secret(std::string secret);
    // Fields added to every line (e.g. execution_id).
    void set_context(LogFields fields);
    // Keeps the last `lines` lines written (redacted, as written) for recent_lines(): the tail a
    // cron-monitor ping carries. 0 (the default) keeps none.
    void keep_recent(std::size_t lines);
    std::vector<std::string> recent_lines() const;

    void log(LogLevel level, std::string_view event, const LogFields& fields = {});
    void debug(std::string_view event, const LogFields& fields = {}) {
        log(LogLevel::Debug, event, fields);
    }
    void info(std::string_view event, const LogFields& fields = {}) {
        log(LogLevel::Info, event, fields);
    }
    void warn(std::string_view event, const LogFields& fields = {}) {
        log(LogLevel::Warn, event, fields);
    }
    void error(std::string_view event, const LogFields& fields = {}) {
        log(LogLevel::Error, event, fields);
    }

    // The line as it would be written (without newline); exposed for tests.
    std::string format_line(LogLevel level, std::string_view event, const LogFields& fields,
                            std::string_view timestamp) const;

private:
    std::string redact(std::string line) const;

    LogLevel m_level;
    LogFormat m_format;
    std::FILE* m_sink;
    bool m_owns_sink = false;
    std::vector<std::string> m_secrets;
    LogFields m_context;
    std::size_t m_keep_recent = 0;
    std::deque<std::string> m_recent;
    mutable std::mutex m_mutex;
};

// Current time as RFC 3339 UTC with milliseconds, e.g. 2026-11-28T12:00:00.123Z.
std::string utc_timestamp();

} // namespace screener::ops
