// `screener scan`: parse options, run the scan pipeline, print, map the outcome to an exit code.
#include "app.hpp"
#include "command_monitor.hpp"
#include "output.hpp"
#include "screener/core/error.hpp"
#include "screener/core/symbol.hpp"
#include "screener/pipeline/scan.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <iostream>

namespace screener::cli {
namespace {

struct ScanArguments {
    std::string profile = "daily";
    std::string symbols;
    std::string as_of;
    std::string output = "table";
    int limit = 0;
    bool dry_run = false;
    std::string explain;
};

std::vector<std::string> split_symbols(const std::string& text) {
    std::vector<std::string> symbols;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string symbol = normalize_symbol(text.substr(start, comma - start));
        if (!is_ticker_symbol(symbol)) {
            throw ConfigError(fmt::format("--symbols: '{}' is not a ticker symbol", symbol));
        }
        if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
            symbols.push_back(symbol);
        }
        start = comma + 1;
    }
    return symbols;
}

int run_scan_command(const GlobalOptions& globals, const ScanArguments& args) {
    const auto format = parse_output_format(args.output);
    pipeline::ScanOptions options;
    options.profile = args.profile;
    options.dry_run = args.dry_run;
    options.limit = args.limit;
    if (!args.symbols.empty()) {
        options.symbols = split_symbols(args.symbols);
    }
    if (!args.explain.empty()) {
        options.explain_symbol = normalize_symbol(args.explain);
        if (!is_ticker_symbol(options.explain_symbol)) {
            throw ConfigError(fmt::format("--explain: '{}' is not a ticker symbol", args.explain));
        }
    }
    if (!args.as_of.empty()) {
        options.as_of = parse_date(args.as_of);
        if (!options.as_of) {
            throw ConfigError(fmt::format("--as-of {}: expected a date YYYY-MM-DD", args.as_of));
        }
    }
    auto context = load_context(globals);
    // Pings, alerts and metrics around the pass; a dry run writes nothing, so it has none.
    auto monitored = make_command_monitor(context, options.command, options.profile);
    auto& monitor = *monitored.monitor;
    const auto started = std::chrono::steady_clock::now();
    if (!options.dry_run) {
        monitor.start();
    }
    pipeline::ScanReport report;
    try {
        report = pipeline::run_scan(context.config, options, *context.logger);
    } catch (const std::exception& e) {
        if (!options.dry_run) {
            monitor.finish_error(
                exit_code_for(e), e.what(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        throw;
    }
    switch (format) {
    case OutputFormat::Table:
        std::cout << render_table(report, context.config.database.string());
        break;
    case OutputFormat::Json:
        std::cout << render_json(report);
        break;
    case OutputFormat::Csv:
        std::cout << render_csv(report);
        break;
    }
    if (!options.explain_symbol.empty()) {
        // After the results, on stdout too: --explain is asked for by a person at a terminal.
        std::vector<ExplainRow> rows;
        for (const auto& line : report.explain) {
            rows.push_back({line.strategy, line.trade, line.verdict});
        }
        for (const auto& c : report.results) {
            if (c.symbol == options.explain_symbol) {
                std::string strikes;
                for (const auto& leg : c.legs) {
                    if (!leg.is_stock) {
                        strikes += fmt::format("{}{:g}{}", strikes.empty() ? "" : "/", leg.strike,
                                               leg.type == OptionType::Put ? "P" : "C");
                    }
                }
                rows.push_back(
                    {c.strategy, fmt::format("{} {}", format_date(c.expiration), strikes),
                     fmt::format("ranked #{} of the run, score {:.4f}", c.rank, c.score)});
            }
        }
        if (!report.explain_note.empty()) {
            rows.push_back({"", "", report.explain_note});
        }
        print_explain(std::cout, options.explain_symbol, rows);
    }
    std::cout.flush();
    if (!options.dry_run) {
        ops::ScanSummary summary;
        summary.profile = report.profile;
        summary.run_id = report.run_id;
        summary.exit_code = exit_code(report.outcome);
        summary.status = outcome_status(report.outcome);
        summary.symbols_total = report.symbols_total;
        summary.symbols_screened = report.symbols_screened;
        summary.symbols_failed = report.symbols_failed;
        summary.opportunities = static_cast<int>(report.results.size());
        summary.errors = static_cast<int>(report.errors.size());
        summary.duration_s = report.duration_s;
        summary.cost_usd = report.cost_usd;
        summary.message = report.message;
        if (!report.stop_reason.empty()) {
            summary.notes.push_back("stopped early: " + report.stop_reason);
        }
        for (const auto& failover : report.failovers) {
            summary.notes.push_back("failover: " + failover);
        }
        monitor.finish_scan(summary);
    }
    return exit_code(report.outcome);
}

} // namespace

void register_scan(CLI::App& app, const GlobalOptions& globals, CommandAction& action) {
    auto args = std::make_shared<ScanArguments>();
    auto* scan = app.add_subcommand("scan", "screen the profile's universe, rank trades, store "
                                            "the run");
    scan->add_option("-p,--profile", args->profile, "profile from the config (default daily)");
    scan->add_option("--symbols", args->symbols, "screen only these symbols, e.g. AAPL,MSFT");
    scan->add_option("--as-of", args->as_of, "session date YYYY-MM-DD (default: the data's)");
    scan->add_option("-o,--output", args->output, "table, json or csv (default table)")
        ->check(CLI::IsMember({"table", "json", "csv"}));
    scan->add_option("-n,--limit", args->limit, "show and store at most N results")
        ->check(CLI::PositiveNumber);
    scan->add_flag("--dry-run", args->dry_run, "screen and print, write nothing");
    scan->add_option("--explain", args->explain,
                     "print why each trade of SYMBOL was kept or dropped");
    scan->footer("Example:\n  screener scan --profile premarket --symbols AAPL,MSFT --output json");
    scan->callback([&globals, &action, args] {
        action = [&globals, args] { return run_scan_command(globals, *args); };
    });
}

} // namespace screener::cli
