#pragma once
// The run monitor (pings, alerts, scan summary, metrics) of a command that screens: scan and
// weekly. Built here once so both report the vendors' daily credit pools the same way.

#include "app.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/run_monitor.hpp"

#include <memory>
#include <string>

namespace screener::cli {

struct CommandMonitor {
    std::unique_ptr<net::HttpClient> http; // the monitor's own webhooks and pings
    std::unique_ptr<ops::RunMonitor> monitor;
};

CommandMonitor make_command_monitor(const CommandContext& context, const std::string& command,
                                    const std::string& profile);

} // namespace screener::cli
