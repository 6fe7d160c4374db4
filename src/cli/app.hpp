#pragma once
// The command line: a table of subcommands (ninja's Tool table), each in its own file, and one
// boundary that turns exceptions into a one-line message and an exit code.

#include "screener/config/config.hpp"
#include "screener/ops/log.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

namespace screener::cli {

// Options every subcommand takes.
struct GlobalOptions {
    std::string config_path; // --config, else $SCREENER_CONFIG, else config/screener.yaml
    bool verbose = false;
    std::string log_format; // empty: as configured
};

// A parsed subcommand ready to run; returns the exit code.
using CommandAction = std::function<int()>;

// Adds one subcommand to `app`; when it is selected, its callback stores its action.
using CommandRegistrar = void (*)(CLI::App& app, const GlobalOptions& globals,
                                  CommandAction& action);

void register_scan(CLI::App& app, const GlobalOptions& globals, CommandAction& action);
void register_weekly(CLI::App& app, const GlobalOptions& globals, CommandAction& action);
void register_cleanup(CLI::App& app, const GlobalOptions& globals, CommandAction& action);
void register_backup_verify(CLI::App& app, const GlobalOptions& globals, CommandAction& action);
void register_health(CLI::App& app, const GlobalOptions& globals, CommandAction& action);

// Loaded configuration and a logger set up from it and the global options.
struct CommandContext {
    config::Config config;
    std::unique_ptr<ops::Logger> logger;
};
CommandContext load_context(const GlobalOptions& globals);

// Runs `action`, mapping exceptions to an exit code and one line on stderr.
int run_guarded(const std::function<int()>& action);

int screener_main(int argc, char** argv);

} // namespace screener::cli
