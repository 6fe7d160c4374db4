// fake_vendor_server: the in-process test fake (tests/support/fake_vendor.hpp) as a standalone
// program, so benchmarks can point the live EODHD and MarketData.app clients at a simulated
// N-symbol market with latency, rate limits and faults. Serves until SIGINT/SIGTERM, then prints
// a request/credit summary on stderr. Flags and fault syntax: docs/testing.md.
//
//   fake_vendor_server --port 0 --symbols 500 --latency-ms 40
//       --fault 'marketdata:/v1/options/chain/SYM0003/:500:2'

#include "support/fake_vendor.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <pthread.h>
#include <stdexcept>

int main(int argc, char** argv) {
    using namespace screener::testing;
    CLI::App app{"Fake EODHD + MarketData.app server on 127.0.0.1"};
    int port = 0;
    int threads = 64;
    MarketConfig market;
    FakeVendorOptions options;
    int latency_ms = 0;
    double per_minute = 0, per_second = 0;
    int max_concurrent = 0;
    std::string as_of;
    std::vector<std::string> faults;
    app.add_option("--port", port, "TCP port on 127.0.0.1 (0 = any free port)");
    app.add_option("--threads", threads, "server worker threads");
    app.add_option("--symbols", market.symbols, "number of simulated symbols SYM0001..");
    app.add_option("--extra-symbols", market.extra_symbols, "extra tickers, e.g. AAPL MSFT");
    app.add_option("--seed", market.seed, "market seed (same seed, same bodies)");
    app.add_option("--as-of", as_of, "market date YYYY-MM-DD (default 2026-11-20)");
    app.add_option("--latency-ms", latency_ms, "fixed latency added to every response");
    app.add_option("--rate-limit-per-minute", per_minute,
                   "requests per minute per vendor (0 = none)");
    app.add_option("--rate-limit-per-second", per_second,
                   "requests per second per vendor (0 = none)");
    app.add_option("--max-concurrent", max_concurrent, "in-flight cap per vendor (0 = none)");
    app.add_option("--token-eodhd", options.eodhd.token, "EODHD api_token (empty = any)");
    app.add_option("--token-marketdata", options.marketdata.token,
                   "MarketData bearer token (empty = any)");
    app.add_option("--marketdata-daily-credits", options.marketdata_daily_credits,
                   "MarketData credits per day before 429 (default 100000)");
    app.add_option("--marketdata-203-every", options.marketdata_203_every,
                   "answer every k-th MarketData success with 203 (0 = never)");
    app.add_option("--fault", faults, "VENDOR:PATH:KIND[:COUNT[:SYMBOL]] (repeatable)");
    CLI11_PARSE(app, argc, argv);

    try {
        if (!as_of.empty()) {
            market.as_of = screener::parse_date_or_throw(as_of, "--as-of");
        }
        for (VendorBehaviour* v : {&options.eodhd, &options.marketdata}) {
            v->latency = std::chrono::milliseconds(latency_ms);
            v->rate_limit = {per_second, per_minute};
            v->max_concurrent = max_concurrent;
        }
        // Block the stop signals before any thread starts, then wait for them synchronously.
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

        FakeVendor fake(market, options);
        for (const auto& spec : faults) {
            fake.add_fault(parse_fault(spec));
        }
        fake.start(port, threads);
        std::printf("listening on 127.0.0.1:%d\n", fake.port());
        std::fflush(stdout);

        int signal = 0;
        sigwait(&stop_signals, &signal);
        fake.stop();
        fmt::print(stderr,
                   "fake_vendor_server: {} EODHD requests ({} credits, {} marketplace), {} "
                   "MarketData requests ({} credits), max in flight {} / {}\n",
                   fake.request_count(Vendor::Eodhd), fake.credits(Vendor::Eodhd),
                   fake.eodhd_marketplace_credits(), fake.request_count(Vendor::MarketData),
                   fake.credits(Vendor::MarketData), fake.max_in_flight(Vendor::Eodhd),
                   fake.max_in_flight(Vendor::MarketData));
    } catch (const std::exception& error) {
        fmt::print(stderr, "fake_vendor_server: {}\n", error.what());
        return 2;
    }
    return 0;
}
