#pragma once
// Cron-monitor pings in the healthchecks.io convention: <url>/start?rid=<uuid> when a command
// begins, then <url> (success), <url>/log or <url>/fail with the tail of the run's log as the
// body. healthchecks treats every non-zero exit as a failure, so exit 1 (degraded) maps through
// pings.on_degraded (default: success, so a degraded run does not page). Best effort: a failed
// ping is logged (URL redacted) and never changes the exit code.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/log.hpp"

#include <string>
#include <vector>

namespace screener::ops {

// The last lines that fit in `max_bytes` (a truncation notice first when lines were left out).
std::string ping_body(const std::vector<std::string>& lines, std::size_t max_bytes);

// The URL suffix for an exit code: "" (success), "/log" or "/fail".
std::string ping_suffix(int exit_code, const std::string& on_degraded);

// A random RFC 4122 version-4 UUID (healthchecks' rid pairs a start with its end).
std::string random_uuid();

class CronPinger {
public:
    // Does nothing when no URL is configured for `command`.
    CronPinger(const config::PingsConfig& config, std::string command, net::HttpClient& http,
               Logger& logger);

    bool enabled() const { return !m_url.empty(); }
    void start();
    void finish(int exit_code, const std::vector<std::string>& log_lines);

private:
    void send(const std::string& suffix, const std::string& body);

    const config::PingsConfig& m_config;
    std::string m_command;
    std::string m_url;
    std::string m_rid;
    net::HttpClient& m_http;
    Logger& m_logger;
};

} // namespace screener::ops
