#pragma once
// Prometheus textfile for node_exporter's textfile collector: gauges of each command's last run,
// labelled {command, profile} (and vendor). One file serves every command: writing a run's
// metrics keeps the other commands' and profiles' series from the previous file, and keeps
// screener_last_success_timestamp_seconds of this command and profile when this run failed.
// Written atomically (a temp file in the same directory, fsync, rename), without sample
// timestamps, ending in a newline.

#include "screener/ops/log.hpp"
#include "screener/store/store.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace screener::ops {

struct RunMetrics {
    std::string command; // "scan", "health", ...
    std::string profile; // "" for commands without one
    double finished_unix = 0;
    double duration_s = 0;
    int exit_code = 0;
    // Counts of a scan (absent for other commands).
    std::optional<int> symbols_screened, symbols_failed, opportunities, errors, ai_analyses;
    std::optional<double> cost_usd;
    std::vector<store::ApiCallStats> vendors;
    // When this run failed and the previous file has no last success of this command and
    // profile (e.g. it was lost): the last success as the store knows it.
    std::optional<double> stored_last_success_unix;
    // health: each check's state (0 ok, 1 warning, 2 critical, 3 unknown).
    std::vector<std::pair<std::string, int>> checks;
};

// The file's text: this run's series merged into `previous` (the old file's text, may be empty).
std::string render_metrics(const RunMetrics& run, std::string_view previous);

// Writes `text` to `path` atomically. Throws std::runtime_error naming the file on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// render_metrics over the existing file, then write_file_atomically; a failure is logged, never
// thrown (metrics must not fail a run).
void update_metrics_textfile(const std::filesystem::path& path, const RunMetrics& run,
                             Logger& logger);

} // namespace screener::ops
