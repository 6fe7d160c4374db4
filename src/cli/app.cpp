#include "app.hpp"

#include "screener/core/error.hpp"
#include "screener/core/outcome.hpp"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <unistd.h>

namespace screener::cli {
namespace {

// Adding a subcommand is one file plus one line here.
const CommandRegistrar k_subcommands[] = {
    register_scan, register_weekly, register_cleanup, register_backup_verify, register_health,
};

// Keeps the message on one line so cron mail and monitoring plugins show it whole.
std::string one_line(std::string text) {
    for (auto& c : text) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return text;
}

int report_error(const char* kind, const std::exception& e, int code) {
    std::fprintf(stderr, "screener: %s%s\n", kind, one_line(e.what()).c_str());
    return code;
}

} // namespace

CommandContext load_context(const GlobalOptions& globals) {
    CommandContext context;
    context.config = config::load_config(globals.config_path);
    const auto& logging = context.config.logging;
    const auto level = globals.verbose ? ops::LogLevel::Debug : ops::parse_log_level(logging.level);
    std::string format_name = globals.log_format.empty() ? logging.format : globals.log_format;
    if (format_name == "auto") {
        // People at a terminal get text; cron, systemd and pipes get JSON lines.
        format_name = ::isatty(STDERR_FILENO) ? "text" : "json";
    }
    const auto format = ops::parse_log_format(format_name);
    context.logger = logging.file.empty()
                         ? std::make_unique<ops::Logger>(level, format)
                         : std::make_unique<ops::Logger>(level, format, logging.file);
    context.logger->add_secret(context.config.providers.eodhd.api_key);
    context.logger->add_secret(context.config.providers.marketdata.api_key);
    context.logger->add_secret(context.config.ai.api_key);
    // Webhook and ping URLs carry their tokens in the path.
    for (const auto& webhook : context.config.alerts.webhooks) {
        context.logger->add_secret(webhook.url);
    }
    for (const auto& [command, url] : context.config.pings.urls) {
        context.logger->add_secret(url);
    }
    return context;
}

int run_guarded(const std::function<int()>& action) {
    try {
        return action();
    } catch (const Error& e) {
        return report_error("error: ", e, exit_code_for(e));
    } catch (const std::exception& e) {
        return report_error("internal error: ", e, exit_code_for(e));
    }
}

int screener_main(int argc, char** argv) {
    CLI::App app{"screener: screens stocks for option trades, ranks them and stores every run.",
                 "screener"};
    app.footer("Examples:\n"
               "  screener scan                                  # daily profile, table output\n"
               "  screener scan --profile premarket --output json\n"
               "  screener scan --symbols AAPL,MSFT --limit 5 --dry-run\n"
               "\n"
               "Exit codes: 0 ok, 1 degraded, 2 failed, 3 unknown (bad config or usage, lock "
               "held).\nDocs: README.md and docs/ (configuration.md, output.md, architecture.md).");
    app.set_version_flag("--version", fmt::format("screener {}", SCREENER_VERSION));
    app.require_subcommand(1);
    app.fallthrough();

    GlobalOptions globals;
    if (const char* env = std::getenv("SCREENER_CONFIG"); env && *env) {
        globals.config_path = env;
    } else {
        globals.config_path = "config/screener.yaml";
    }
    app.add_option("-c,--config", globals.config_path,
                   "config file (default config/screener.yaml, or $SCREENER_CONFIG)");
    app.add_flag("-v,--verbose", globals.verbose, "log debug events");
    app.add_option("--log-format", globals.log_format, "log lines as json, text or auto")
        ->check(CLI::IsMember({"json", "text", "auto"}));

    CommandAction action;
    for (const auto registrar : k_subcommands) {
        registrar(app, globals, action);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        const int code = app.exit(e); // --help, --version
        // A monitoring plugin answers UNKNOWN to --help (monitoring-plugins guidelines).
        return app.got_subcommand("health") ? k_exit_unknown : code;
    } catch (const CLI::ParseError& e) {
        // Usage errors are exit 3 like every other "cannot judge" case, never CLI11's codes.
        std::fprintf(stderr, "screener: usage error: %s (see screener --help)\n",
                     one_line(e.what()).c_str());
        return k_exit_unknown;
    }
    if (!action) {
        std::fprintf(stderr, "screener: usage error: no subcommand (see screener --help)\n");
        return k_exit_unknown;
    }
    return run_guarded(action);
}

} // namespace screener::cli
