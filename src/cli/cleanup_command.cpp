// `screener cleanup`: parse options, run retention (ops/cleanup), print, map to an exit code.
#include "app.hpp"
#include "screener/ops/cleanup.hpp"

#include <fmt/format.h>
#include <iostream>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace screener::cli {
namespace {

struct CleanupArguments {
    bool dry_run = false;
    std::string format = "text";
};

std::string human_bytes(std::int64_t bytes) {
    if (bytes >= 1024 * 1024) {
        return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    }
    if (bytes >= 1024) {
        return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
    }
    return fmt::format("{} B", bytes);
}

std::string render_text(const ops::CleanupReport& report) {
    const auto& rows = report.rows;
    const char* verb = report.dry_run ? "would delete" : "deleted";
    std::string out = fmt::format(
        "cleanup{}: {} {} runs ({} results, {} chain quality, {} reconciliation rows), "
        "{} run errors, {} api calls, {} iv history rows, {} expired cache rows, {} log files\n",
        report.dry_run ? " (dry run)" : "", verb, rows.runs, rows.results, rows.chain_quality,
        rows.reconciliation, rows.run_errors, rows.api_calls, rows.iv_history, rows.http_cache,
        report.log_files.size());
    out += fmt::format("  kept: {} old runs with picks awaiting grading (a result expiring on or "
                       "after {}) or graded picks the calibration still uses (runs since {}), {} "
                       "old runs still marked running\n",
                       rows.runs_kept_for_grading, report.cutoffs.keep_runs_with_expiry_from,
                       report.cutoffs.keep_graded_runs_from
                           ? report.cutoffs.keep_graded_runs_from->substr(0, 10)
                           : std::string("ever"),
                       rows.runs_kept_running);
    for (const auto& file : report.log_files) {
        out += file.error.empty()
                   ? fmt::format("  log file {} {} ({})\n", verb, file.path.string(),
                                 human_bytes(file.bytes))
                   : fmt::format("  log file not deleted {} ({}): {}\n", file.path.string(),
                                 human_bytes(file.bytes), file.error);
    }
    const auto& before = report.space_before;
    if (report.dry_run) {
        out += fmt::format("  database {}, {} of {} pages free\n", human_bytes(before.file_bytes),
                           before.freelist_count, before.page_count);
    } else {
        out += fmt::format("  database {} -> {} (reclaim: {})\n", human_bytes(before.file_bytes),
                           human_bytes(report.space_after.file_bytes),
                           store::reclaim_action_name(report.reclaim));
    }
    for (const auto& warning : report.warnings) {
        out += fmt::format("  warning: {}\n", warning);
    }
    return out;
}

std::string render_json(const ops::CleanupReport& report) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    const auto string = [&](const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    };
    const auto optional = [&](const char* key, const std::optional<std::string>& value) {
        w.Key(key);
        if (value) {
            w.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
        } else {
            w.Null();
        }
    };
    const auto number = [&](const char* key, std::int64_t value) {
        w.Key(key);
        w.Int64(value);
    };
    const auto space = [&](const char* key, const store::SpaceInfo& info) {
        w.Key(key);
        w.StartObject();
        number("bytes", info.file_bytes);
        number("page_size", info.page_size);
        number("page_count", info.page_count);
        number("freelist_count", info.freelist_count);
        number("auto_vacuum", info.auto_vacuum);
        w.EndObject();
    };
    w.StartObject();
    string("status", outcome_status(report.outcome));
    w.Key("dry_run");
    w.Bool(report.dry_run);
    w.Key("cutoffs");
    w.StartObject();
    optional("runs_started_before", report.cutoffs.runs_started_before);
    string("keep_runs_with_expiry_from", report.cutoffs.keep_runs_with_expiry_from);
    optional("api_calls_before", report.cutoffs.api_calls_before);
    optional("run_errors_before", report.cutoffs.run_errors_before);
    optional("iv_history_before", report.cutoffs.iv_history_before);
    string("cache_expired_before", report.cutoffs.cache_expired_before);
    w.EndObject();
    const auto& rows = report.rows;
    w.Key("deleted");
    w.StartObject();
    number("runs", rows.runs);
    number("results", rows.results);
    number("chain_quality", rows.chain_quality);
    number("reconciliation", rows.reconciliation);
    number("run_errors", rows.run_errors);
    number("api_calls", rows.api_calls);
    number("iv_history", rows.iv_history);
    number("http_cache", rows.http_cache);
    number("log_files", static_cast<std::int64_t>(report.log_files.size()));
    w.EndObject();
    w.Key("kept");
    w.StartObject();
    number("runs_awaiting_grading", rows.runs_kept_for_grading);
    number("runs_still_running", rows.runs_kept_running);
    w.EndObject();
    w.Key("log_files");
    w.StartArray();
    for (const auto& file : report.log_files) {
        w.StartObject();
        string("path", file.path.string());
        number("bytes", file.bytes);
        optional("error", file.error.empty() ? std::nullopt : std::optional(file.error));
        w.EndObject();
    }
    w.EndArray();
    space("space_before", report.space_before);
    space("space_after", report.space_after);
    string("reclaim", store::reclaim_action_name(report.reclaim));
    w.Key("warnings");
    w.StartArray();
    for (const auto& warning : report.warnings) {
        w.String(warning.c_str(), static_cast<rapidjson::SizeType>(warning.size()));
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

int run_cleanup_command(const GlobalOptions& globals, const CleanupArguments& args) {
    auto context = load_context(globals);
    ops::CleanupOptions options;
    options.dry_run = args.dry_run;
    const auto report = ops::run_cleanup(context.config, options, *context.logger);
    std::cout << (args.format == "json" ? render_json(report) : render_text(report));
    std::cout.flush();
    return exit_code(report.outcome);
}

} // namespace

void register_cleanup(CLI::App& app, const GlobalOptions& globals, CommandAction& action) {
    auto args = std::make_shared<CleanupArguments>();
    auto* cleanup = app.add_subcommand(
        "cleanup", "delete rows and log files past their retention, then reclaim space");
    cleanup->add_flag("--dry-run", args->dry_run, "print what would go; change nothing");
    cleanup->add_option("--format", args->format, "text or json (default text)")
        ->check(CLI::IsMember({"text", "json"}));
    cleanup->footer("Retention is set under `retention:` in the config (docs/configuration.md).\n"
                    "Exit codes: 0 ok, 1 a log file or the space reclaim failed, 2 database "
                    "missing or not writable, 3 bad arguments or config, or a run holds the "
                    "lock.\nExample:\n  screener cleanup --dry-run --format json");
    cleanup->callback([&globals, &action, args] {
        action = [&globals, args] { return run_cleanup_command(globals, *args); };
    });
}

} // namespace screener::cli
