// A full `scan` of an N-symbol market served by the fake vendor server (tools/fake_vendor.cpp,
// a separate process so its CPU is not ours) with a fixed latency and a rate limit per vendor:
// EODHD serves the universe (one bulk call), the earnings calendar and the history, MarketData
// the chains, as in config/production.yaml. Prints the wall time against the rate-limit floor
// (each vendor's calls divided by its allowed rate; the vendors run in parallel, so the floor is
// the larger of the two), this process's CPU time and peak RSS, and calls and credits per vendor.
//
//   build/bench/vendor_scan_bench                      # 5,000 symbols, 30 ms, 6,000/min each
//   build/bench/vendor_scan_bench --symbols 500 --per-minute 3000
//
// Targets (issue): wall within 1.10x of the floor, CPU under 10% of wall, peak RSS < 256 MB.

#include "screener/config/config.hpp"
#include "screener/ops/log.hpp"
#include "screener/pipeline/scan.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace screener;

namespace {

struct Options {
    int symbols = 5000;
    int latency_ms = 30;
    double per_minute = 6000; // per vendor, enforced by the server (429 beyond)
    int in_flight = 8;
    int workers = 24;
    bool cache = true; // --no-cache: do not keep bodies in http_cache
};

struct Server {
    pid_t pid = -1;
    int port = 0;
};

// Starts the fake server and reads "listening on 127.0.0.1:PORT" from its stdout.
Server start_server(const Options& o) {
    int out[2];
    if (pipe(out) != 0) {
        throw std::runtime_error("pipe failed");
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        const std::string symbols = std::to_string(o.symbols);
        const std::string latency = std::to_string(o.latency_ms);
        const std::string rate = fmt::format("{}", o.per_minute);
        execl(SCREENER_FAKE_VENDOR, SCREENER_FAKE_VENDOR, "--port", "0", "--symbols",
              symbols.c_str(), "--latency-ms", latency.c_str(), "--rate-limit-per-minute",
              rate.c_str(), "--token-eodhd", "bench-eodhd", "--token-marketdata", "bench-md",
              "--threads", "96", "--marketdata-daily-credits", "1000000000",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[256] = {};
    Server server{pid, 0};
    if (stream == nullptr || std::fgets(line, sizeof line, stream) == nullptr ||
        std::sscanf(line, "listening on 127.0.0.1:%d", &server.port) != 1) {
        kill(pid, SIGTERM);
        throw std::runtime_error("the fake vendor server did not start");
    }
    return server;
}

config::Config bench_config(const fs::path& dir, const Server& server, const Options& o) {
    const std::string base = fmt::format("http://127.0.0.1:{}", server.port);
    const std::string vendor_limits =
        fmt::format("    requests_per_minute: {}\n    burst: 1\n    max_in_flight: {}\n",
                    o.per_minute * 0.99, o.in_flight);
    const std::string yaml =
        "data_dir: data\n"
        "providers:\n"
        "  routing: {universe: eodhd, history: eodhd, chains: marketdata, earnings: eodhd}\n"
        "  workers: " +
        std::to_string(o.workers) +
        (o.cache ? "" : "\n  cache: {chains_hours: 0, history: false}") +
        "\n"
        "  eodhd:\n"
        "    base_url: " +
        base + "/api\n    api_key: ${EODHD_API_KEY}\n" + vendor_limits +
        "  marketdata:\n"
        "    base_url: " +
        base + "\n    api_key: ${MARKETDATA_TOKEN}\n" + vendor_limits +
        "profiles:\n"
        "  daily:\n"
        "    universe: {source: exchange}\n"
        "    prefilter: {min_price: 1, min_avg_volume: 0, min_market_cap: 0}\n"
        "    top_n: 50\n"
        "    strategies:\n"
        "      cash_secured_put: {dte_min: 7, dte_max: 60, min_open_interest: 0}\n"
        "      bull_put_spread: {dte_min: 7, dte_max: 60, min_open_interest: 0}\n";
    return config::parse_config(yaml, "bench.yaml", dir,
                                [](const std::string& name) -> std::optional<std::string> {
                                    if (name == "EODHD_API_KEY") {
                                        return "bench-eodhd";
                                    }
                                    if (name == "MARKETDATA_TOKEN") {
                                        return "bench-md";
                                    }
                                    return std::nullopt;
                                });
}

double cpu_seconds(const rusage& usage) {
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--no-cache") {
            o.cache = false;
            --i;
            continue;
        }
        if (i + 1 >= argc) {
            fmt::print(stderr, "{} needs a value\n", flag);
            return 2;
        }
        const double value = std::atof(argv[i + 1]);
        if (flag == "--symbols") {
            o.symbols = static_cast<int>(value);
        } else if (flag == "--latency-ms") {
            o.latency_ms = static_cast<int>(value);
        } else if (flag == "--per-minute") {
            o.per_minute = value;
        } else if (flag == "--in-flight") {
            o.in_flight = static_cast<int>(value);
        } else if (flag == "--workers") {
            o.workers = static_cast<int>(value);
        } else {
            fmt::print(stderr, "unknown flag {}\n", flag);
            return 2;
        }
    }
    const fs::path dir = fs::temp_directory_path() / fmt::format("vendor-bench-{}", getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
    const Server server = start_server(o);
    int code = 0;
    try {
        const auto config = bench_config(dir, server, o);
        ops::Logger logger(ops::LogLevel::Warn, ops::LogFormat::Json, dir / "bench.log");
        pipeline::ScanOptions scan;
        scan.as_of = Date{std::chrono::year{2026}, std::chrono::November, std::chrono::day{20}};

        rusage before{};
        getrusage(RUSAGE_SELF, &before);
        const auto start = std::chrono::steady_clock::now();
        const auto report = pipeline::run_scan(config, scan, logger);
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        rusage after{};
        getrusage(RUSAGE_SELF, &after);
        const double cpu = cpu_seconds(after) - cpu_seconds(before);

        SQLite::Database db(config.database.string(), SQLite::OPEN_READONLY);
        fmt::print("vendor scan: {} symbols, latency {} ms, {}/min per vendor, {} in flight, {} "
                   "workers\n",
                   o.symbols, o.latency_ms, o.per_minute, o.in_flight, o.workers);
        double floor = 0;
        for (const char* vendor : {"eodhd", "marketdata"}) {
            SQLite::Statement q(db, "SELECT count(*), coalesce(sum(credits), 0), "
                                    "coalesce(sum(status = 429), 0) FROM api_calls "
                                    "WHERE provider = ? AND cache_hit = 0");
            q.bind(1, vendor);
            q.executeStep();
            const int calls = q.getColumn(0).getInt();
            floor = std::max(floor, calls / (o.per_minute / 60.0));
            fmt::print("  {:<10} calls {:>6}  credits {:>9.0f}  429s {}\n", vendor, calls,
                       q.getColumn(1).getDouble(), q.getColumn(2).getInt());
        }
        fmt::print("  outcome {}, screened {}, failed {}, results {}\n",
                   outcome_status(report.outcome), report.symbols_screened, report.symbols_failed,
                   report.results.size());
        fmt::print("  wall {:.2f} s, floor {:.2f} s: {:.3f}x (target <= 1.10x: {})\n", wall, floor,
                   wall / floor, wall / floor <= 1.10 ? "MET" : "NOT MET");
        fmt::print("  cpu {:.2f} s = {:.1f}% of wall (target < 10%: {})\n", cpu, 100 * cpu / wall,
                   cpu / wall < 0.10 ? "MET" : "NOT MET");
        const double rss_mb = static_cast<double>(after.ru_maxrss) / 1024.0;
        fmt::print("  peak RSS {:.0f} MB (target < 256 MB: {})\n", rss_mb,
                   rss_mb < 256 ? "MET" : "NOT MET");
    } catch (const std::exception& e) {
        fmt::print(stderr, "vendor_scan_bench: {}\n", e.what());
        code = 1;
    }
    kill(server.pid, SIGTERM);
    waitpid(server.pid, nullptr, 0);
    fs::remove_all(dir);
    return code;
}
