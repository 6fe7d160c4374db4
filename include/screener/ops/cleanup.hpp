#pragma once
// `screener cleanup`: retention per table and for rotated log files, then space reclaim.
// What is kept and why: docs/operations.md#retention-cleanup and docs/configuration.md#retention.

#include "screener/config/config.hpp"
#include "screener/core/outcome.hpp"
#include "screener/ops/log.hpp"
#include "screener/store/maintenance.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace screener::ops {

struct CleanupOptions {
    bool dry_run = false; // count and list only; the database is opened read-only
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct LogFileRemoval {
    std::filesystem::path path;
    std::int64_t bytes = 0;
    std::string error; // empty: removed (or, in a dry run, would be)
};

struct CleanupReport {
    bool dry_run = false;
    Outcome outcome = Outcome::Ok;
    store::RetentionCutoffs cutoffs;
    store::RetentionCounts rows; // deleted, or in a dry run what would be
    std::vector<LogFileRemoval> log_files;
    store::SpaceInfo space_before;
    store::SpaceInfo space_after; // equal to space_before in a dry run
    store::ReclaimAction reclaim = store::ReclaimAction::None;
    std::vector<std::string> warnings; // what made the outcome degraded
};

// The cutoffs `retention` gives at `now` (UTC): runs, api calls and errors by timestamp, IV
// history by session date, expired cache rows at now, and the grading rule: a run is kept
// while a result of it expires on or after today - grading_grace_days.
store::RetentionCutoffs retention_cutoffs(const config::RetentionConfig& retention,
                                          std::chrono::system_clock::time_point now);

// Rotated copies of `log_file` (same directory, named "<name>.<anything>" or "<name>-<anything>",
// e.g. screener.log.1, screener.log.2.gz, screener.log-20261128) last modified more than `days`
// days before `now`. Never the live file itself, never other names; empty when log_file is
// empty, days is 0 or the directory is missing.
std::vector<LogFileRemoval> expired_log_files(const std::filesystem::path& log_file, int days,
                                              std::chrono::system_clock::time_point now);

// Runs the pass. Takes the run lock (unless dry_run) so it never overlaps a scan: LockHeldError
// when one runs. StoreError when the database is missing, unreadable or unwritable. A log file
// that cannot be removed, or a failed reclaim, makes the outcome degraded.
CleanupReport run_cleanup(const config::Config& config, const CleanupOptions& options,
                          Logger& logger);

} // namespace screener::ops
