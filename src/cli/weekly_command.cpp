// `screener weekly`: the weekly profile's scan, grading of every past pick, calibration and the
// week's summary; prints the report and maps the outcome to an exit code.
#include "app.hpp"
#include "command_monitor.hpp"
#include "screener/core/date.hpp"
#include "screener/core/error.hpp"
#include "screener/pipeline/weekly.hpp"
#include "weekly_output.hpp"

#include <chrono>
#include <fmt/format.h>
#include <iostream>

namespace screener::cli {
namespace {

struct WeeklyArguments {
    std::string profile = "weekly";
    std::string as_of;
    std::string since;
    std::string format = "text";
    bool no_scan = false;
};

std::optional<Date> date_option(const char* name, const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    const auto date = parse_date(text);
    if (!date) {
        throw ConfigError(fmt::format("{} {}: expected a date YYYY-MM-DD", name, text));
    }
    return date;
}

int run_weekly_command(const GlobalOptions& globals, const WeeklyArguments& args) {
    pipeline::WeeklyOptions options;
    options.profile = args.profile;
    options.as_of = date_option("--as-of", args.as_of);
    options.since = date_option("--since", args.since);
    options.scan = !args.no_scan;
    auto context = load_context(globals);
    auto monitored = make_command_monitor(context, "weekly", options.profile);
    auto& monitor = *monitored.monitor;
    monitor.start();
    const auto started = std::chrono::steady_clock::now();
    pipeline::WeeklyReport report;
    try {
        report = pipeline::run_weekly(context.config, options, *context.logger);
    } catch (const std::exception& e) {
        monitor.finish_error(
            exit_code_for(e), e.what(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        throw;
    }
    std::cout << (args.format == "json" ? render_weekly_json(report) : render_weekly_text(report));
    std::cout.flush();

    ops::ScanSummary summary;
    summary.profile = options.profile;
    summary.run_id = report.run_id;
    summary.exit_code = exit_code(report.outcome);
    summary.status = outcome_status(report.outcome);
    if (report.scan) {
        summary.symbols_total = report.scan->symbols_total;
        summary.symbols_screened = report.scan->symbols_screened;
        summary.symbols_failed = report.scan->symbols_failed;
        summary.opportunities = static_cast<int>(report.scan->results.size());
        summary.errors = static_cast<int>(report.scan->errors.size());
    }
    summary.errors += static_cast<int>(report.grading.errors.size());
    summary.cost_usd = report.cost_usd;
    summary.duration_s = report.duration_s;
    summary.message = report.message;
    summary.notes.push_back(fmt::format("graded {}, open {}, no data {}, not graded {}",
                                        report.grading.graded, report.grading.open,
                                        report.grading.no_data, report.grading.failed));
    monitor.finish_scan(summary);
    return exit_code(report.outcome);
}

} // namespace

void register_weekly(CLI::App& app, const GlobalOptions& globals, CommandAction& action) {
    auto args = std::make_shared<WeeklyArguments>();
    auto* weekly = app.add_subcommand(
        "weekly", "scan the weekly profile, grade every past pick, report calibration");
    weekly->add_option("-p,--profile", args->profile, "profile to scan (default weekly)");
    weekly->add_option("--as-of", args->as_of, "session date YYYY-MM-DD (default: the data's)");
    weekly->add_option("--since", args->since,
                       "calibrate picks made on or after YYYY-MM-DD (default: a year back)");
    weekly->add_option("--format", args->format, "text or json (default text)")
        ->check(CLI::IsMember({"text", "json"}));
    weekly->add_flag("--no-scan", args->no_scan, "grade and report only");
    weekly->footer("Example:\n  screener weekly --since 2026-01-01 --format json");
    weekly->callback([&globals, &action, args] {
        action = [&globals, args] { return run_weekly_command(globals, *args); };
    });
}

} // namespace screener::cli
