// `screener backup-verify`: restore the newest backup into a temp dir and prove it (ops/
// backup_verify), print one line (+ details) or JSON, map to an exit code.
#include "app.hpp"
#include "screener/ops/backup_verify.hpp"

#include <fmt/format.h>
#include <iostream>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace screener::cli {
namespace {

struct BackupVerifyArguments {
    std::string format = "text";
    std::string work_dir;
};

const char* state_word(Outcome outcome) {
    return outcome == Outcome::Ok ? "OK" : outcome == Outcome::Degraded ? "WARNING" : "CRITICAL";
}

// A monitoring-plugin style first line, then one line per check.
std::string render_text(const ops::BackupVerifyReport& report) {
    std::string out = fmt::format("BACKUP {} - {}\n", state_word(report.outcome), report.summary);
    for (const auto& check : report.checks) {
        out +=
            fmt::format("  {:<9} {:<8} {}\n", check.name, state_word(check.status), check.detail);
    }
    return out;
}

template <typename Writer>
void write_database(Writer& w, const char* key, const std::optional<store::DatabaseReport>& db) {
    w.Key(key);
    if (!db) {
        w.Null();
        return;
    }
    w.StartObject();
    w.Key("integrity");
    w.String(db->integrity.c_str());
    w.Key("foreign_key_violations");
    w.Int64(db->foreign_key_violations);
    w.Key("schema_version");
    w.Int(db->schema_version);
    w.Key("row_counts");
    w.StartObject();
    for (const auto& [table, count] : db->row_counts) {
        w.Key(table.c_str());
        w.Int64(count);
    }
    w.EndObject();
    w.Key("max_ids");
    w.StartObject();
    for (const auto& [table, id] : db->max_ids) {
        w.Key(table.c_str());
        w.Int64(id);
    }
    w.EndObject();
    w.Key("latest_run");
    if (db->latest_run) {
        w.StartObject();
        w.Key("id");
        w.Int64(db->latest_run->id);
        w.Key("command");
        w.String(db->latest_run->command.c_str());
        w.Key("status");
        w.String(db->latest_run->status.c_str());
        w.Key("started_at");
        w.String(db->latest_run->started_at.c_str());
        w.EndObject();
    } else {
        w.Null();
    }
    w.EndObject();
}

std::string render_json(const ops::BackupVerifyReport& report) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    const auto string = [&](const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    };
    w.StartObject();
    string("status", outcome_status(report.outcome));
    w.Key("exit_code");
    w.Int(exit_code(report.outcome));
    string("summary", report.summary);
    string("backup_dir", report.backup_dir.string());
    w.Key("archive");
    if (report.archive.empty()) {
        w.Null();
    } else {
        w.String(report.archive.string().c_str());
    }
    w.Key("archives_found");
    w.Int(report.archives_found);
    w.Key("archive_bytes");
    w.Int64(report.archive_bytes);
    w.Key("age_hours");
    w.Double(report.age_hours);
    string("sha256", report.sha256);
    w.Key("checks");
    w.StartArray();
    for (const auto& check : report.checks) {
        w.StartObject();
        string("name", check.name);
        string("status", outcome_status(check.status));
        string("detail", check.detail);
        w.EndObject();
    }
    w.EndArray();
    write_database(w, "backup", report.backup);
    write_database(w, "live", report.live);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

int run_backup_verify_command(const GlobalOptions& globals, const BackupVerifyArguments& args) {
    auto context = load_context(globals);
    ops::BackupVerifyOptions options;
    options.work_dir = args.work_dir;
    const auto report = ops::verify_latest_backup(context.config, options, *context.logger);
    std::cout << (args.format == "json" ? render_json(report) : render_text(report));
    std::cout.flush();
    return exit_code(report.outcome);
}

} // namespace

void register_backup_verify(CLI::App& app, const GlobalOptions& globals, CommandAction& action) {
    auto args = std::make_shared<BackupVerifyArguments>();
    auto* verify = app.add_subcommand(
        "backup-verify", "restore the newest backup into a temp dir and prove it whole and recent");
    verify->add_option("--format", args->format, "text or json (default text)")
        ->check(CLI::IsMember({"text", "json"}));
    verify->add_option("--work-dir", args->work_dir,
                       "restore under this directory (default $TMPDIR or /tmp)");
    verify->footer("Backups: backup.dir in the config (docs/operations.md#back-up).\n"
                   "Exit codes: 0 ok, 1 backup older than backup.max_age_hours (or another "
                   "warning), 2 missing, corrupt or unreadable, 3 bad arguments or config, or the "
                   "check could not run (no temp dir, no tar).");
    verify->callback([&globals, &action, args] {
        action = [&globals, args] { return run_backup_verify_command(globals, *args); };
    });
}

} // namespace screener::cli
