#include "screener/ops/metrics.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace screener::ops {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>; // sorted by name

struct Family {
    const char* name;
    const char* help;
};

// Every family this binary writes, in file order. All gauges: each is the value of the last run
// (a _total counter would reset with every process).
constexpr Family k_families[] = {
    {"screener_last_run_timestamp_seconds", "Unix time the last run of the command finished."},
    {"screener_last_success_timestamp_seconds",
     "Unix time the last successful run (exit 0 or 1) of the command finished."},
    {"screener_last_run_duration_seconds", "Wall time of the last run."},
    {"screener_last_run_exit_code", "Exit code of the last run (0 ok, 1 degraded, 2 failed, 3 "
                                    "unknown)."},
    {"screener_last_run_symbols_screened", "Symbols scored without error in the last scan."},
    {"screener_last_run_symbols_failed", "Symbols that failed in the last scan."},
    {"screener_last_run_opportunities", "Ranked results stored by the last scan."},
    {"screener_last_run_errors", "Per-symbol errors recorded by the last scan."},
    {"screener_last_run_ai_analyses", "Results of the last scan with an AI analysis."},
    {"screener_last_run_cost_usd", "Vendor and AI cost of the last run in US dollars."},
    {"screener_last_run_vendor_calls", "Vendor requests made by the last run (cache hits "
                                       "excluded)."},
    {"screener_last_run_vendor_errors", "Vendor requests of the last run that failed (no "
                                        "answer, 401, 403, 429, 5xx)."},
    {"screener_last_run_vendor_credits", "Vendor credits spent by the last run."},
    {"screener_last_run_vendor_cost_usd", "Vendor cost of the last run in US dollars."},
    {"screener_last_run_vendor_latency_seconds", "Mean vendor response time in the last run."},
    {"screener_health_check_status", "State of each health check (0 ok, 1 warning, 2 critical, "
                                     "3 unknown)."},
};

struct Sample {
    std::string name;
    Labels labels;
    double value = 0;
};

std::string escape_label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string value_text(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    return fmt::format("{}", value); // shortest round-trip form, C locale
}

// One sample line of a file this module wrote: name{k="v",...} value. nullopt for anything
// else (comments, blank lines, foreign syntax).
std::optional<Sample> parse_sample(const std::string& line) {
    Sample sample;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') {
        ++i;
    }
    sample.name = line.substr(0, i);
    if (sample.name.empty() || sample.name[0] == '#') {
        return std::nullopt;
    }
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            const auto eq = line.find("=\"", i);
            if (eq == std::string::npos) {
                return std::nullopt;
            }
            std::string key = line.substr(i, eq - i);
            std::string value;
            std::size_t j = eq + 2;
            for (; j < line.size() && line[j] != '"'; ++j) {
                if (line[j] == '\\' && j + 1 < line.size()) {
                    ++j;
                    value += line[j] == 'n' ? '\n' : line[j];
                } else {
                    value += line[j];
                }
            }
            if (j >= line.size()) {
                return std::nullopt;
            }
            sample.labels.emplace_back(std::move(key), std::move(value));
            i = j + 1;
            if (i < line.size() && line[i] == ',') {
                ++i;
            }
        }
        ++i; // '}'
    }
    std::istringstream rest(line.substr(std::min(i, line.size())));
    std::string value_text;
    std::string extra;
    if (!(rest >> value_text) || (rest >> extra)) {
        return std::nullopt; // no value, or a timestamp we would not write
    }
    try {
        std::size_t used = 0;
        sample.value = std::stod(value_text, &used);
        if (used != value_text.size()) {
            return std::nullopt;
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return sample;
}

std::string label(const Labels& labels, std::string_view key) {
    for (const auto& [k, v] : labels) {
        if (k == key) {
            return v;
        }
    }
    return {};
}

bool known_family(const std::string& name) {
    for (const auto& family : k_families) {
        if (name == family.name) {
            return true;
        }
    }
    return false;
}

std::vector<Sample> run_samples(const RunMetrics& run) {
    const Labels base = {{"command", run.command}, {"profile", run.profile}};
    std::vector<Sample> out;
    const auto add = [&](const char* name, double value, Labels labels) {
        out.push_back({name, std::move(labels), value});
    };
    add("screener_last_run_timestamp_seconds", std::floor(run.finished_unix), base);
    if (run.exit_code == 0 || run.exit_code == 1) {
        add("screener_last_success_timestamp_seconds", std::floor(run.finished_unix), base);
    }
    add("screener_last_run_duration_seconds", run.duration_s, base);
    add("screener_last_run_exit_code", run.exit_code, base);
    const std::pair<const char*, const std::optional<int>*> counts[] = {
        {"screener_last_run_symbols_screened", &run.symbols_screened},
        {"screener_last_run_symbols_failed", &run.symbols_failed},
        {"screener_last_run_opportunities", &run.opportunities},
        {"screener_last_run_errors", &run.errors},
        {"screener_last_run_ai_analyses", &run.ai_analyses},
    };
    for (const auto& [name, value] : counts) {
        if (*value) {
            add(name, **value, base);
        }
    }
    if (run.cost_usd) {
        add("screener_last_run_cost_usd", *run.cost_usd, base);
    }
    for (const auto& vendor : run.vendors) {
        Labels labels = base;
        labels.emplace_back("vendor", vendor.provider);
        add("screener_last_run_vendor_calls", vendor.calls, labels);
        add("screener_last_run_vendor_errors", vendor.errors, labels);
        add("screener_last_run_vendor_credits", vendor.credits, labels);
        add("screener_last_run_vendor_cost_usd", vendor.cost_usd, labels);
        add("screener_last_run_vendor_latency_seconds", vendor.mean_duration_ms / 1000.0, labels);
    }
    for (const auto& [check, state] : run.checks) {
        Labels labels = {{"check", check}, {"command", run.command}, {"profile", run.profile}};
        add("screener_health_check_status", state, labels);
    }
    return out;
}

} // namespace

std::string render_metrics(const RunMetrics& run, std::string_view previous) {
    std::vector<Sample> samples = run_samples(run);
    const bool succeeded = run.exit_code == 0 || run.exit_code == 1;
    // Keep the old file's series of other commands/profiles, and this one's last success when
    // this run did not succeed.
    std::istringstream in{std::string(previous)};
    std::string line;
    while (std::getline(in, line)) {
        auto sample = parse_sample(line);
        if (!sample || !known_family(sample->name)) {
            continue;
        }
        const bool same_run = label(sample->labels, "command") == run.command &&
                              label(sample->labels, "profile") == run.profile;
        const bool keep_success =
            !succeeded && sample->name == "screener_last_success_timestamp_seconds";
        if (!same_run || keep_success) {
            samples.push_back(std::move(*sample));
        }
    }
    if (!succeeded && run.stored_last_success_unix) {
        // Appended last: a last success read back from the old file wins (the map keeps the
        // first of equal label sets).
        samples.push_back({"screener_last_success_timestamp_seconds",
                           {{"command", run.command}, {"profile", run.profile}},
                           std::floor(*run.stored_last_success_unix)});
    }
    std::string out;
    for (const auto& family : k_families) {
        std::map<std::string, const Sample*> lines; // by label text: sorted, unique
        for (const auto& sample : samples) {
            if (sample.name != family.name) {
                continue;
            }
            std::string labels;
            for (const auto& [key, value] : sample.labels) {
                labels +=
                    fmt::format("{}{}=\"{}\"", labels.empty() ? "" : ",", key, escape_label(value));
            }
            lines.emplace(labels, &sample); // the first (this run's) wins
        }
        if (lines.empty()) {
            continue;
        }
        out +=
            fmt::format("# HELP {} {}\n# TYPE {} gauge\n", family.name, family.help, family.name);
        for (const auto& [labels, sample] : lines) {
            out += fmt::format("{}{{{}}} {}\n", family.name, labels, value_text(sample->value));
        }
    }
    return out;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
    // Same directory as the target, so the rename is atomic (one filesystem).
    const std::filesystem::path temp =
        path.parent_path() / fmt::format(".{}.{}.tmp", path.filename().string(), ::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error(
            fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            throw std::runtime_error(
                fmt::format("cannot write {}: {}", temp.string(), std::strerror(error)));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        throw std::runtime_error(
            fmt::format("cannot flush {}: {}", temp.string(), std::strerror(error)));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", temp.string(),
                                             path.string(), std::strerror(error)));
    }
}

void update_metrics_textfile(const std::filesystem::path& path, const RunMetrics& run,
                             Logger& logger) {
    if (path.empty()) {
        return;
    }
    try {
        std::string previous;
        if (std::ifstream in{path, std::ios::binary}) {
            std::ostringstream text;
            text << in.rdbuf();
            previous = text.str();
        }
        write_file_atomically(path, render_metrics(run, previous));
        logger.debug("metrics_written", {{"file", path.string()}});
    } catch (const std::exception& e) {
        logger.warn("metrics_write_failed", {{"file", path.string()}, {"error", e.what()}});
    }
}

} // namespace screener::ops
