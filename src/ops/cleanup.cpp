#include "screener/ops/cleanup.hpp"

#include "screener/core/date.hpp"
#include "screener/core/error.hpp"
#include "screener/ops/run_lock.hpp"
#include "screener/store/sqlite_store.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <memory>
#include <system_error>

namespace screener::ops {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::system_clock;

std::string date_of(system_clock::time_point time) {
    const std::chrono::year_month_day day{std::chrono::floor<days>(time)};
    return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(day.year()),
                       static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

std::optional<std::string> timestamp_before(int keep_days, system_clock::time_point now) {
    if (keep_days <= 0) {
        return std::nullopt;
    }
    return store::format_utc_timestamp(now - days(keep_days));
}

bool is_rotated_name(const std::string& name, const std::string& live) {
    return name.size() > live.size() + 1 && name.compare(0, live.size(), live) == 0 &&
           (name[live.size()] == '.' || name[live.size()] == '-');
}

} // namespace

store::RetentionCutoffs retention_cutoffs(const config::RetentionConfig& retention,
                                          system_clock::time_point now) {
    store::RetentionCutoffs cutoffs;
    cutoffs.runs_started_before = timestamp_before(retention.runs_days, now);
    cutoffs.keep_runs_with_expiry_from = date_of(now - days(retention.grading_grace_days));
    cutoffs.keep_graded_runs_from = timestamp_before(retention.graded_picks_days, now);
    cutoffs.api_calls_before = timestamp_before(retention.api_calls_days, now);
    cutoffs.run_errors_before = timestamp_before(retention.run_errors_days, now);
    if (retention.iv_history_days > 0) {
        cutoffs.iv_history_before = date_of(now - days(retention.iv_history_days));
    }
    cutoffs.cache_expired_before = store::format_utc_timestamp(now);
    return cutoffs;
}

std::vector<LogFileRemoval> expired_log_files(const fs::path& log_file, int keep_days,
                                              system_clock::time_point now) {
    std::vector<LogFileRemoval> out;
    if (log_file.empty() || keep_days <= 0) {
        return out;
    }
    const std::string live = log_file.filename().string();
    const auto cutoff = now - days(keep_days);
    std::error_code ec;
    fs::directory_iterator it(log_file.parent_path(), ec);
    if (ec) {
        return out; // no log directory yet: nothing to remove
    }
    for (const auto& entry : it) {
        const std::string name = entry.path().filename().string();
        std::error_code entry_ec;
        if (!is_rotated_name(name, live) || !entry.is_regular_file(entry_ec)) {
            continue;
        }
        const auto written = entry.last_write_time(entry_ec);
        if (entry_ec || std::chrono::file_clock::to_sys(written) >= cutoff) {
            continue;
        }
        const auto size = entry.file_size(entry_ec);
        out.push_back({entry.path(), entry_ec ? 0 : static_cast<std::int64_t>(size), {}});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return out;
}

CleanupReport run_cleanup(const config::Config& config, const CleanupOptions& options,
                          Logger& logger) {
    CleanupReport report;
    report.dry_run = options.dry_run;
    report.cutoffs = retention_cutoffs(config.retention, options.now);

    std::unique_ptr<RunLock> lock;
    if (!options.dry_run) {
        // The same lock as scan: cleanup never deletes under a running pass.
        lock = std::make_unique<RunLock>(config.data_dir / "screener.lock");
    }
    store::DatabaseMaintenance db(config.database, options.dry_run
                                                       ? store::MaintenanceMode::ReadOnly
                                                       : store::MaintenanceMode::ReadWrite);
    report.space_before = db.space();
    report.rows =
        options.dry_run ? db.count_retention(report.cutoffs) : db.apply_retention(report.cutoffs);
    logger.info(options.dry_run ? "cleanup_counted" : "cleanup_deleted",
                {{"runs", report.rows.runs},
                 {"results", report.rows.results},
                 {"run_errors", report.rows.run_errors},
                 {"api_calls", report.rows.api_calls},
                 {"iv_history", report.rows.iv_history},
                 {"http_cache", report.rows.http_cache},
                 {"runs_kept_for_grading", report.rows.runs_kept_for_grading}});

    report.log_files =
        expired_log_files(config.logging.file, config.retention.log_files_days, options.now);
    if (!options.dry_run) {
        for (auto& file : report.log_files) {
            std::error_code ec;
            if (!fs::remove(file.path, ec) && ec) {
                file.error = ec.message();
                report.warnings.push_back(
                    fmt::format("cannot remove log file {}: {}", file.path.string(), file.error));
                logger.warn("cleanup_log_file_failed",
                            {{"path", file.path.string()}, {"error", file.error}});
            }
        }
    }

    report.space_after = report.space_before;
    if (!options.dry_run) {
        try {
            report.reclaim = db.reclaim(config.retention.vacuum_min_free_fraction);
        } catch (const StoreError& e) {
            // The deletes are committed; the space comes back on a later run.
            report.warnings.push_back(e.what());
            logger.warn("cleanup_reclaim_failed", {{"error", std::string(e.what())}});
        }
        report.space_after = db.space();
    }
    report.outcome = report.warnings.empty() ? Outcome::Ok : Outcome::Degraded;
    logger.info("cleanup_finished",
                {{"dry_run", options.dry_run},
                 {"log_files", static_cast<std::int64_t>(report.log_files.size())},
                 {"reclaim", std::string(store::reclaim_action_name(report.reclaim))},
                 {"bytes_before", report.space_before.file_bytes},
                 {"bytes_after", report.space_after.file_bytes}});
    return report;
}

} // namespace screener::ops
