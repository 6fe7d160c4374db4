// `screener health`: a monitoring plugin (monitoring-plugins guidelines). One line on stdout,
// "SCREENER <STATE> - <what> | <perfdata>", details with -v, JSON with --format json; exit 0-3
// by the worst check. Parse errors, --help and a config that does not load exit 3 (UNKNOWN).
#include "app.hpp"
#include "screener/core/error.hpp"
#include "screener/core/json_text.hpp"
#include "screener/core/outcome.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/health.hpp"
#include "screener/ops/run_monitor.hpp"
#include "screener/providers/probe.hpp"
#include "screener/store/sqlite_store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <mutex>
#include <thread>

namespace screener::cli {
namespace {

struct HealthArguments {
    bool no_probe = false;
    bool verbose = false;
    std::string format = "text";
    std::string proc_root = "/proc";
    double timeout_s = 30;
};

// The plugin's own watchdog (monitoring-plugins "Runtime Timeouts"): when the checks take longer
// than the timeout, it answers UNKNOWN and ends the process, so a runner never waits on a hung
// probe. Icinga's advice: UNKNOWN for the plugin's own timeout.
class Watchdog {
public:
    explicit Watchdog(double seconds)
        : m_thread([this, seconds] {
              std::unique_lock lock(m_mutex);
              if (!m_done_cv.wait_for(lock, std::chrono::duration<double>(seconds),
                                      [this] { return m_done; })) {
                  std::fputs(
                      fmt::format("SCREENER UNKNOWN - timed out after {} s\n", seconds).c_str(),
                      stdout);
                  std::fflush(stdout);
                  std::_Exit(k_exit_unknown);
              }
          }) {}
    ~Watchdog() { stop(); }
    void stop() {
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_done_cv.notify_all();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_done_cv;
    bool m_done = false;
    std::thread m_thread;
};

std::string one_line_text(std::string text) {
    for (auto& c : text) {
        if (c == '\n' || c == '\r' || c == '|') {
            c = ' ';
        }
    }
    return text;
}

int run_health_command(const GlobalOptions& globals, const HealthArguments& args) {
    const auto started = std::chrono::steady_clock::now();
    Watchdog watchdog(args.timeout_s);
    CommandContext context;
    try {
        context = load_context(globals);
    } catch (const ConfigError& e) {
        // Still a plugin answer: one line on stdout, UNKNOWN.
        if (args.format == "json") {
            std::string out = "{\"status\":\"unknown\",\"exit_code\":3,\"timestamp\":";
            append_json_string(out, store::format_utc_timestamp(std::chrono::system_clock::now()));
            out += ",\"checks\":{\"config\":{\"status\":\"unknown\",\"summary\":";
            append_json_string(out, one_line_text(e.what()));
            std::cout << out << "}}}\n";
        } else {
            std::cout << "SCREENER UNKNOWN - config: " << one_line_text(e.what()) << "\n";
        }
        std::cout.flush();
        return k_exit_unknown;
    }
    const auto& config = context.config;
    auto http = net::make_curl_client();
    const auto now = std::chrono::system_clock::now();
    const auto timeout =
        std::chrono::milliseconds(static_cast<long>(config.health.probe_timeout_s * 1000));

    ops::HealthOptions options;
    options.probe_vendors = !args.no_probe;
    options.proc_root = args.proc_root;
    options.http = http.get();
    std::vector<ops::BudgetPool> budgets;
    for (auto& vendor : providers::live_vendor_checks(config, now, timeout)) {
        ops::VendorProbe probe{vendor.vendor, vendor.has_key, std::move(vendor.probe), {}};
        for (const auto& pool : vendor.pools) {
            probe.budgets.push_back({pool.name, pool.daily_credit_budget, pool.day_start});
        }
        budgets.insert(budgets.end(), probe.budgets.begin(), probe.budgets.end());
        options.vendors.push_back(std::move(probe));
    }
    ops::RunMonitor monitor(config, "health", "", *context.logger, *http, budgets);
    monitor.start();
    const auto report = ops::run_health(config, options);
    watchdog.stop(); // the answer is known: print it whole
    if (args.format == "json") {
        std::cout << ops::render_health_json(report);
    } else {
        std::cout << ops::render_health_text(report, args.verbose || globals.verbose);
    }
    std::cout.flush();
    context.logger->info("health_checked", {{"status", ops::status_label(report.status)},
                                            {"checks", static_cast<int>(report.checks.size())}});
    monitor.finish_health(
        report, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return static_cast<int>(report.status);
}

} // namespace

void register_health(CLI::App& app, const GlobalOptions& globals, CommandAction& action) {
    auto args = std::make_shared<HealthArguments>();
    auto* health = app.add_subcommand(
        "health", "check system, database, cache, disk, config, spend, backups and vendors; one "
                  "monitoring-plugin line, exit 0 ok, 1 warning, 2 critical, 3 unknown");
    health->add_flag("--no-probe", args->no_probe, "do not send the vendor probes");
    health->add_flag("-v,--verbose", args->verbose, "one line per check after the summary");
    health
        ->add_option("-t,--timeout", args->timeout_s,
                     "answer UNKNOWN after this many seconds (default 30)")
        ->check(CLI::PositiveNumber);
    health->add_option("--format", args->format, "text (plugin line) or json")
        ->check(CLI::IsMember({"text", "json"}));
    // As node_exporter's --path.procfs: a container reading the host's /proc mounted elsewhere;
    // the tests use it for fixed CPU, memory and load figures.
    health->add_option("--proc-root", args->proc_root, "where /proc is mounted (default /proc)");
    health->footer("Example:\n  screener health --no-probe\n  screener health --format json | jq "
                   ".status\nThresholds: the health: section of the config (docs/monitoring.md).");
    health->callback([&globals, &action, args] {
        action = [&globals, args] { return run_health_command(globals, *args); };
    });
}

} // namespace screener::cli
