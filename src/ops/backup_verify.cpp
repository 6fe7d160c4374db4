#include "screener/ops/backup_verify.hpp"

#include "screener/core/error.hpp"
#include "screener/core/sha256.hpp"
#include "screener/ops/process.hpp"
#include "screener/store/store.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <stdlib.h>
#include <system_error>

namespace screener::ops {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

const std::regex k_archive_name(R"(screener-backup-\d{8}T\d{6}Z\.tar\.gz)");

// A fresh directory for the restore, removed with its content when the check ends.
class ScratchDir {
public:
    explicit ScratchDir(const fs::path& parent) {
        std::error_code ec;
        const fs::path base = parent.empty() ? fs::temp_directory_path(ec) : parent;
        if (ec) {
            throw std::runtime_error(fmt::format("no temporary directory: {}", ec.message()));
        }
        std::string pattern = (base / "screener-backup-verify-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error(fmt::format("cannot create a directory in {}: {}",
                                                 base.string(), std::strerror(errno)));
        }
        m_path = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

std::string tar_program() {
    std::error_code ec;
    return fs::exists("/bin/tar", ec) ? "/bin/tar" : "/usr/bin/tar";
}

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

// The database inside a restored archive: <top>/db/<live file name>, else the only file in
// <top>/db/ (scripts/backup_data.sh's layout).
std::optional<fs::path> find_database(const fs::path& restored, const fs::path& live_name) {
    std::error_code ec;
    for (const auto& top : fs::directory_iterator(restored, ec)) {
        const fs::path db_dir = top.path() / "db";
        if (!fs::is_directory(db_dir, ec)) {
            continue;
        }
        if (fs::is_regular_file(db_dir / live_name, ec)) {
            return db_dir / live_name;
        }
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(db_dir, ec)) {
            if (entry.is_regular_file(ec)) {
                files.push_back(entry.path());
            }
        }
        if (files.size() == 1) {
            return files.front();
        }
    }
    return std::nullopt;
}

std::string counts_text(const store::DatabaseReport& report) {
    std::string out;
    for (const auto& table : store::key_tables()) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", report.row_counts.at(table), table);
    }
    return out;
}

} // namespace

std::vector<fs::path> backup_archives(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code entry_ec;
        if (entry.is_regular_file(entry_ec) &&
            std::regex_match(entry.path().filename().string(), k_archive_name)) {
            out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::string> check_sha256_file(const fs::path& archive, const fs::path& sha256_file,
                                             std::string* digest) {
    std::ifstream in(sha256_file);
    if (!in) {
        return fmt::format("no checksum file {}", sha256_file.string());
    }
    std::string expected, name;
    in >> expected >> name;
    std::transform(expected.begin(), expected.end(), expected.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool hex =
        expected.size() == 64 && std::all_of(expected.begin(), expected.end(),
                                             [](unsigned char c) { return std::isxdigit(c) != 0; });
    if (!hex) {
        return fmt::format("checksum file {} is not in sha256sum format", sha256_file.string());
    }
    if (!name.empty() && name.front() == '*') {
        name.erase(0, 1); // sha256sum's binary-mode marker
    }
    if (name != archive.filename().string()) {
        return fmt::format("checksum file {} names '{}', not {}", sha256_file.string(), name,
                           archive.filename().string());
    }
    std::string actual;
    try {
        actual = sha256_file_hex(archive);
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    if (digest) {
        *digest = actual;
    }
    if (actual != expected) {
        return fmt::format("SHA-256 mismatch: the archive hashes to {}, its checksum file says {}",
                           actual, expected);
    }
    return std::nullopt;
}

BackupVerifyReport verify_latest_backup(const config::Config& config,
                                        const BackupVerifyOptions& options, Logger& logger) {
    BackupVerifyReport report;
    report.backup_dir = config.backup.dir;
    const auto add = [&](std::string name, Outcome status, std::string detail) {
        logger.log(status == Outcome::Ok         ? LogLevel::Info
                   : status == Outcome::Degraded ? LogLevel::Warn
                                                 : LogLevel::Error,
                   "backup_check",
                   {{"check", name}, {"status", outcome_status(status)}, {"detail", detail}});
        report.checks.push_back({std::move(name), status, std::move(detail)});
        if (exit_code(status) > exit_code(report.outcome)) {
            report.outcome = status;
        }
    };
    const auto finish = [&](std::string summary) {
        report.summary = one_line(std::move(summary));
        logger.info("backup_verify_finished",
                    {{"status", outcome_status(report.outcome)}, {"summary", report.summary}});
        return report;
    };

    std::error_code ec;
    if (!fs::is_directory(config.backup.dir, ec)) {
        add("found", Outcome::Failed,
            fmt::format("backup dir {} does not exist", config.backup.dir.string()));
        return finish(report.checks.back().detail);
    }
    const auto archives = backup_archives(config.backup.dir);
    report.archives_found = static_cast<int>(archives.size());
    if (archives.empty()) {
        add("found", Outcome::Failed,
            fmt::format("no screener-backup-*.tar.gz in {}", config.backup.dir.string()));
        return finish(report.checks.back().detail);
    }
    report.archive = archives.back();
    const std::string archive_name = report.archive.filename().string();
    report.archive_bytes = static_cast<std::int64_t>(fs::file_size(report.archive, ec));
    add("found", Outcome::Ok,
        fmt::format("{} ({} bytes; {} archives)", report.archive.string(), report.archive_bytes,
                    archives.size()));

    // Checksum first: a damaged archive is not worth restoring.
    const fs::path sha_file = report.archive.string() + ".sha256";
    if (auto problem = check_sha256_file(report.archive, sha_file, &report.sha256)) {
        add("checksum", Outcome::Failed, *problem);
        return finish(fmt::format("{}: {}", archive_name, *problem));
    }
    add("checksum", Outcome::Ok, fmt::format("sha256 {} matches", report.sha256));

    const auto written = fs::last_write_time(report.archive, ec);
    report.age_hours = std::chrono::duration<double, std::ratio<3600>>(
                           options.now - std::chrono::file_clock::to_sys(written))
                           .count();
    if (report.age_hours > config.backup.max_age_hours) {
        add("age", Outcome::Degraded,
            fmt::format("newest backup is {:.1f}h old, more than max_age_hours {}",
                        report.age_hours, config.backup.max_age_hours));
    } else {
        add("age", Outcome::Ok,
            fmt::format("{:.1f}h old (max {}h)", report.age_hours, config.backup.max_age_hours));
    }

    // Retention: archives far past retention_days mean the backup script's pruning is not
    // running (or uses another setting) and the disk will fill.
    int overdue = 0;
    const auto retention_cutoff =
        options.now - std::chrono::hours(24 * (config.backup.retention_days + 1));
    for (const auto& archive : archives) {
        const auto time = fs::last_write_time(archive, ec);
        if (!ec && std::chrono::file_clock::to_sys(time) < retention_cutoff) {
            ++overdue;
        }
    }
    if (overdue > 0) {
        add("retention", Outcome::Degraded,
            fmt::format("{} archive(s) older than retention_days {} + 1: is backup_data.sh "
                        "pruning with the same retention?",
                        overdue, config.backup.retention_days));
    } else {
        add("retention", Outcome::Ok,
            fmt::format("{} archive(s), none older than retention_days {} + 1", archives.size(),
                        config.backup.retention_days));
    }

    std::optional<ScratchDir> scratch;
    try {
        scratch.emplace(options.work_dir);
    } catch (const std::exception& e) {
        // Not the backup's fault: the check could not run.
        throw Error(fmt::format("cannot restore {}: {}", archive_name, e.what()));
    }
    const fs::path restored = scratch->path() / "restore";
    fs::create_directories(restored, ec);
    ProgramResult tar;
    try {
        tar = run_program({tar_program(), "-xzf", report.archive.string(), "-C", restored.string(),
                           "--no-same-owner", "--no-same-permissions"},
                          scratch->path());
    } catch (const std::exception& e) {
        throw Error(fmt::format("cannot restore {}: {}", archive_name, e.what()));
    }
    if (tar.exit_code != 0) {
        add("restore", Outcome::Failed,
            fmt::format("tar could not extract {} (exit {}): {}", archive_name, tar.exit_code,
                        one_line(tar.output)));
        return finish(fmt::format("{}: cannot be extracted", archive_name));
    }
    const auto database = find_database(restored, config.database.filename());
    if (!database) {
        add("restore", Outcome::Failed,
            fmt::format("{} holds no database under <dir>/db/", archive_name));
        return finish(report.checks.back().detail);
    }
    add("restore", Outcome::Ok,
        fmt::format("extracted {}", fs::relative(*database, restored, ec).string()));

    try {
        report.backup = store::inspect_database(*database, true);
    } catch (const StoreError& e) {
        add("read", Outcome::Failed, e.what());
        return finish(fmt::format("{}: database unreadable: {}", archive_name, e.what()));
    }
    const auto& backup = *report.backup;
    if (backup.integrity != "ok") {
        add("integrity", Outcome::Failed, fmt::format("integrity_check: {}", backup.integrity));
    } else if (backup.foreign_key_violations > 0) {
        add("integrity", Outcome::Degraded,
            fmt::format("integrity_check ok, but {} foreign key violation(s)",
                        backup.foreign_key_violations));
    } else {
        add("integrity", Outcome::Ok, "integrity_check ok, no foreign key violations");
    }
    if (backup.schema_version < 1 || backup.schema_version > store::latest_schema_version()) {
        add("schema", Outcome::Failed,
            fmt::format("schema version {}; this binary reads 1..{}", backup.schema_version,
                        store::latest_schema_version()));
    } else {
        add("schema", Outcome::Ok,
            fmt::format("schema version {} (binary {})", backup.schema_version,
                        store::latest_schema_version()));
    }
    add("read", Outcome::Ok,
        backup.latest_run ? fmt::format("{}; latest run {} {} {} started {}", counts_text(backup),
                                        backup.latest_run->id, backup.latest_run->command,
                                        backup.latest_run->status, backup.latest_run->started_at)
                          : fmt::format("{}; no runs yet", counts_text(backup)));

    // Against the live database: rows only ever get added there (retention removes the oldest,
    // never the newest), so the backup's newest id of each key table must not be ahead of live.
    try {
        report.live = store::inspect_database(config.database, false);
        std::vector<std::string> ahead, behind;
        for (const auto& table : store::key_tables()) {
            const auto backup_max = backup.max_ids.at(table);
            const auto live_max = report.live->max_ids.at(table);
            if (backup_max > live_max) {
                ahead.push_back(
                    fmt::format("{} (max id {} > live {})", table, backup_max, live_max));
            } else if (backup_max < live_max) {
                behind.push_back(fmt::format("{} +{}", table, live_max - backup_max));
            }
        }
        if (!ahead.empty()) {
            std::string list;
            for (const auto& item : ahead) {
                list += (list.empty() ? "" : ", ") + item;
            }
            add("live", Outcome::Degraded,
                fmt::format("the backup holds rows the live database does not: {}; the live "
                            "database lost rows or the backup is of another database",
                            list));
        } else {
            std::string list;
            for (const auto& item : behind) {
                list += (list.empty() ? "" : ", ") + item;
            }
            add("live", Outcome::Ok,
                behind.empty() ? std::string("same newest rows as the live database")
                               : fmt::format("live database has newer rows: {}", list));
        }
    } catch (const StoreError& e) {
        // The live database is health's concern; after a disaster this is where we are.
        add("live", Outcome::Ok, fmt::format("not compared: {}", e.what()));
    }

    std::string problem;
    for (const auto& check : report.checks) {
        if (check.status == report.outcome && report.outcome != Outcome::Ok) {
            problem = check.detail;
            break;
        }
    }
    return finish(problem.empty()
                      ? fmt::format("{} {:.1f}h old, integrity ok, schema v{}, {}", archive_name,
                                    report.age_hours, backup.schema_version, counts_text(backup))
                      : fmt::format("{}: {}", archive_name, problem));
}

} // namespace screener::ops
