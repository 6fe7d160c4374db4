#include "screener/ops/log.hpp"

#include "screener/core/error.hpp"
#include "screener/core/json_text.hpp"
#include "screener/core/redact.hpp"

#include <chrono>
#include <cmath>
#include <fmt/format.h>

namespace screener::ops {
namespace {

const char* level_name(LogLevel level) {
    switch (level) {
    case LogLevel::Debug:
        return "debug";
    case LogLevel::Info:
        return "info";
    case LogLevel::Warn:
        return "warn";
    case LogLevel::Error:
        return "error";
    }
    return "info";
}

std::string value_text(const LogField::Value& value, bool json) {
    return std::visit(
        [json](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
                if (!json) {
                    const bool plain =
                        !v.empty() && v.find_first_of(" \"=\n\r\t") == std::string::npos;
                    if (plain) {
                        return v;
                    }
                }
                std::string out;
                append_json_string(out, v);
                return out;
            } else if constexpr (std::is_same_v<T, bool>) {
                return v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                std::string out;
                append_json_number(out, v);
                return out;
            } else {
                return fmt::format("{}", v);
            }
        },
        value);
}

} // namespace

LogLevel parse_log_level(std::string_view text) {
    if (text == "debug") {
        return LogLevel::Debug;
    }
    if (text == "info") {
        return LogLevel::Info;
    }
    if (text == "warn") {
        return LogLevel::Warn;
    }
    if (text == "error") {
        return LogLevel::Error;
    }
    throw ConfigError(fmt::format("unknown log level '{}' (debug, info, warn, error)", text));
}

LogFormat parse_log_format(std::string_view text) {
    if (text == "json") {
        return LogFormat::Json;
    }
    if (text == "text") {
        return LogFormat::Text;
    }
    throw ConfigError(fmt::format("unknown log format '{}' (json, text)", text));
}

Logger::Logger(LogLevel level, LogFormat format)
    : m_level(level), m_format(format), m_sink(stderr) {}

Logger::Logger(LogLevel level, LogFormat format, const std::filesystem::path& file)
    : m_level(level), m_format(format), m_sink(stderr) {
    if (!file.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        if (std::FILE* f = std::fopen(file.c_str(), "a")) {
            m_sink = f;
            m_owns_sink = true;
        }
    }
}

Logger::~Logger() {
    if (m_owns_sink) {
        std::fclose(m_sink);
    }
}

void Logger::add_secret(std::string secret) {
    if (!secret.empty()) {
        std::lock_guard lock(m_mutex);
        m_secrets.push_back(std::move(secret));
    }
}

void Logger::set_context(LogFields fields) {
    std::lock_guard lock(m_mutex);
    m_context = std::move(fields);
}

std::string Logger::format_line(LogLevel level, std::string_view event, const LogFields& fields,
                                std::string_view timestamp) const {
    std::string line;
    if (m_format == LogFormat::Json) {
        line += "{\"ts\":";
        append_json_string(line, timestamp);
        line += ",\"level\":";
        append_json_string(line, level_name(level));
        line += ",\"event\":";
        append_json_string(line, event);
        for (const auto* list : {&m_context, &fields}) {
            for (const auto& field : *list) {
                line.push_back(',');
                append_json_string(line, field.key);
                line.push_back(':');
                line += value_text(field.value, true);
            }
        }
        line.push_back('}');
    } else {
        line = fmt::format("{} {:<5} {}", timestamp, level_name(level), event);
        for (const auto& field : fields) {
            line += fmt::format(" {}={}", field.key, value_text(field.value, false));
        }
    }
    return redact(std::move(line));
}

std::string Logger::redact(std::string line) const {
    for (const auto& secret : m_secrets) {
        for (size_t pos = line.find(secret); pos != std::string::npos;
             pos = line.find(secret, pos + 3)) {
            line.replace(pos, secret.size(), "***");
        }
    }
    return redact_credentials(line);
}

void Logger::log(LogLevel level, std::string_view event, const LogFields& fields) {
    if (level < m_level) {
        return;
    }
    std::lock_guard lock(m_mutex);
    const std::string line = format_line(level, event, fields, utc_timestamp());
    std::fputs(line.c_str(), m_sink);
    std::fputc('\n', m_sink);
    std::fflush(m_sink);
    if (m_keep_recent > 0) {
        m_recent.push_back(line);
        while (m_recent.size() > m_keep_recent) {
            m_recent.pop_front();
        }
    }
}

void Logger::keep_recent(std::size_t lines) {
    std::lock_guard lock(m_mutex);
    m_keep_recent = lines;
    while (m_recent.size() > m_keep_recent) {
        m_recent.pop_front();
    }
}

std::vector<std::string> Logger::recent_lines() const {
    std::lock_guard lock(m_mutex);
    return {m_recent.begin(), m_recent.end()};
}

std::string utc_timestamp() {
    using namespace std::chrono;
    const auto now = time_point_cast<milliseconds>(system_clock::now());
    const auto day = floor<days>(now);
    const year_month_day ymd{day};
    const hh_mm_ss hms{now - day};
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z",
                       static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count(), hms.subseconds().count());
}

} // namespace screener::ops
