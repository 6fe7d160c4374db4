#include "command_monitor.hpp"

#include "screener/providers/probe.hpp"

#include <chrono>
#include <vector>

namespace screener::cli {

CommandMonitor make_command_monitor(const CommandContext& context, const std::string& command,
                                    const std::string& profile) {
    CommandMonitor out;
    out.http = net::make_curl_client();
    std::vector<ops::BudgetPool> budgets;
    for (const auto& vendor : providers::live_vendor_checks(
             context.config, std::chrono::system_clock::now(), std::chrono::seconds(10))) {
        for (const auto& pool : vendor.pools) {
            budgets.push_back({pool.name, pool.daily_credit_budget, pool.day_start});
        }
    }
    out.monitor = std::make_unique<ops::RunMonitor>(context.config, command, profile,
                                                    *context.logger, *out.http, budgets);
    return out;
}

} // namespace screener::cli
