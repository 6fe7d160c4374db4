#include "screener/ops/pings.hpp"

#include "screener/ops/alerts.hpp"

#include <fmt/format.h>
#include <random>

namespace screener::ops {

std::string ping_body(const std::vector<std::string>& lines, std::size_t max_bytes) {
    std::vector<const std::string*> kept;
    std::size_t size = 0;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (size + it->size() + 1 > max_bytes) {
            break;
        }
        size += it->size() + 1;
        kept.push_back(&*it);
    }
    std::string body;
    const std::size_t dropped = lines.size() - kept.size();
    if (dropped > 0) {
        const std::string notice = fmt::format("[{} earlier lines omitted]\n", dropped);
        // The notice replaces lines from the front when it would not fit.
        while (!kept.empty() && size + notice.size() > max_bytes) {
            size -= kept.back()->size() + 1;
            kept.pop_back();
        }
        if (notice.size() <= max_bytes) {
            body = fmt::format("[{} earlier lines omitted]\n", lines.size() - kept.size());
        }
    }
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
        body += **it + "\n";
    }
    return body.size() <= max_bytes ? body : body.substr(body.size() - max_bytes);
}

std::string ping_suffix(int exit_code, const std::string& on_degraded) {
    if (exit_code == 0) {
        return "";
    }
    if (exit_code == 1) {
        return on_degraded == "fail" ? "/fail" : on_degraded == "log" ? "/log" : "";
    }
    return "/fail";
}

std::string random_uuid() {
    std::random_device device;
    std::mt19937_64 rng(device());
    std::uniform_int_distribution<std::uint64_t> dist;
    std::uint64_t high = dist(rng);
    std::uint64_t low = dist(rng);
    high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL; // version 4
    low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;   // variant 10
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF,
                       high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFULL);
}

CronPinger::CronPinger(const config::PingsConfig& config, std::string command,
                       net::HttpClient& http, Logger& logger)
    : m_config(config), m_command(std::move(command)), m_rid(random_uuid()), m_http(http),
      m_logger(logger) {
    if (const auto it = config.urls.find(m_command); it != config.urls.end()) {
        m_url = it->second;
    }
}

void CronPinger::start() {
    send("/start", "");
}

void CronPinger::finish(int exit_code, const std::vector<std::string>& log_lines) {
    send(ping_suffix(exit_code, m_config.on_degraded),
         ping_body(log_lines, static_cast<std::size_t>(m_config.max_body_bytes)));
}

void CronPinger::send(const std::string& suffix, const std::string& body) {
    if (m_url.empty()) {
        return;
    }
    net::HttpRequest request;
    request.method = "POST";
    const auto query = m_url.find('?');
    const std::string base = m_url.substr(0, query);
    const std::string params = query == std::string::npos ? "" : m_url.substr(query + 1);
    request.url =
        fmt::format("{}{}?{}rid={}", base, suffix, params.empty() ? "" : params + "&", m_rid);
    request.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    request.body = body;
    const auto timeout = std::chrono::milliseconds(static_cast<long>(m_config.timeout_s * 1000));
    request.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
    request.total_timeout = timeout;
    const std::string kind = suffix.empty() ? "success" : suffix.substr(1);
    try {
        const auto response = m_http.send(request);
        if (response.status >= 200 && response.status < 300) {
            m_logger.debug("ping_sent", {{"command", m_command}, {"kind", kind}});
            return;
        }
        m_logger.warn("ping_failed", {{"command", m_command},
                                      {"kind", kind},
                                      {"url", redact_url(m_url)},
                                      {"http_status", response.status},
                                      {"error", std::string(net::to_string(response.transport))}});
    } catch (const std::exception& e) {
        m_logger.warn("ping_failed", {{"command", m_command},
                                      {"kind", kind},
                                      {"url", redact_url(m_url)},
                                      {"error", e.what()}});
    }
}

} // namespace screener::ops
