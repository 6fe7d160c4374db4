// fake_anthropic_server: the in-process test fake (tests/support/fake_anthropic.hpp) as a
// standalone program, for the CLI tests (tests/cli/ai_analysis.sh) and trying the AI step by
// hand. Serves until SIGINT/SIGTERM, then prints how many requests it answered on stderr.
//
//   fake_anthropic_server --port 0 --key sk-ant-test --mode good

#include "support/fake_anthropic.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <pthread.h>

int main(int argc, char** argv) {
    using namespace screener::testing;
    CLI::App app{"Fake Anthropic Messages API on 127.0.0.1"};
    int port = 0;
    std::string key = "sk-ant-test-0123456789abcdef";
    std::string mode = "good";
    app.add_option("--port", port, "TCP port on 127.0.0.1 (0 = any free port)");
    app.add_option("--key", key, "the x-api-key it accepts");
    app.add_option("--mode", mode, "how every request is answered")
        ->check(CLI::IsMember(
            {"good", "thinking", "invent-number", "invent-ticker", "credit", "401", "529"}));
    CLI11_PARSE(app, argc, argv);

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    try {
        FakeAnthropic fake(key);
        if (mode == "thinking") {
            fake.set_default(reply_grounded(true));
        } else if (mode == "invent-number") {
            fake.set_default(reply_inventing_number());
        } else if (mode == "invent-ticker") {
            fake.set_default(reply_inventing_ticker());
        } else if (mode == "credit") {
            fake.set_default(reply_status(
                400, error_body("invalid_request_error",
                                "Your credit balance is too low to access the Anthropic API. "
                                "Please go to Plans & Billing to upgrade or purchase credits.")));
        } else if (mode == "401") {
            fake.set_default(
                reply_status(401, error_body("authentication_error", "invalid x-api-key")));
        } else if (mode == "529") {
            fake.set_default(reply_status(529, error_body("overloaded_error", "Overloaded")));
        }
        fake.start(port);
        std::printf("listening on 127.0.0.1:%d\n", fake.port());
        std::fflush(stdout);
        int signal = 0;
        sigwait(&stop_signals, &signal);
        fake.stop();
        fmt::print(stderr, "fake_anthropic_server: {} requests\n", fake.request_count());
    } catch (const std::exception& error) {
        fmt::print(stderr, "fake_anthropic_server: {}\n", error.what());
        return 2;
    }
    return 0;
}
