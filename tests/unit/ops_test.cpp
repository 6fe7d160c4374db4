#include "screener/core/error.hpp"
#include "screener/core/redact.hpp"
#include "screener/ops/log.hpp"
#include "screener/ops/run_lock.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace screener;
using namespace screener::ops;

namespace {

std::filesystem::path temp_dir(const char* name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("screener-ops-" + std::string(name) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

} // namespace

TEST_CASE("JSON log lines carry ts, level, event and typed fields", "[ops]") {
    Logger logger(LogLevel::Info, LogFormat::Json);
    logger.set_context({{"execution_id", "abc"}});
    const auto line = logger.format_line(
        LogLevel::Info, "screening_completed",
        {{"symbols", 40}, {"duration_s", 1.5}, {"ok", true}, {"msg", "a \"b\"\nc"}},
        "2026-11-28T12:00:00.000Z");
    CHECK(line ==
          R"({"ts":"2026-11-28T12:00:00.000Z","level":"info","event":"screening_completed",)"
          R"("execution_id":"abc","symbols":40,"duration_s":1.5,"ok":true,"msg":"a \"b\"\nc"})");
}

TEST_CASE("text log lines are short and readable", "[ops]") {
    Logger logger(LogLevel::Info, LogFormat::Text);
    const auto line = logger.format_line(LogLevel::Warn, "api_call",
                                         {{"status", 429}, {"endpoint", "/eod/{symbol}"}},
                                         "2026-11-28T12:00:00.000Z");
    CHECK(line == "2026-11-28T12:00:00.000Z warn  api_call status=429 endpoint=/eod/{symbol}");
}

TEST_CASE("secrets never appear in a log line", "[ops]") {
    Logger logger(LogLevel::Debug, LogFormat::Json);
    logger.add_secret("s3cr3t-key-123");
    logger.add_secret("");
    const auto line = logger.format_line(
        LogLevel::Error, "error_occurred",
        {{"message", "GET /api/eod/AAPL.US?api_token=s3cr3t-key-123&fmt=json failed"},
         {"header", "Authorization: Bearer othertoken"},
         {"url", "https://api.marketdata.app/v1/x/?token=abc123&limit=5"}},
        "t");
    CHECK(line.find("s3cr3t") == std::string::npos);
    CHECK(line.find("othertoken") == std::string::npos);
    CHECK(line.find("abc123") == std::string::npos);
    CHECK(line.find("api_token=***") != std::string::npos);
    CHECK(line.find("&limit=5") != std::string::npos);
    CHECK(redact_credentials("x-api-key: sk-ant-xyz other") == "x-api-key: *** other");
}

TEST_CASE("log level filters and file sink appends", "[ops]") {
    const auto dir = temp_dir("log");
    {
        Logger logger(LogLevel::Warn, LogFormat::Json, dir / "logs" / "screener.jsonl");
        logger.info("dropped");
        logger.warn("kept", {{"n", 1}});
        logger.error("kept_too");
    }
    std::ifstream in(dir / "logs" / "screener.jsonl");
    std::string first, second, third;
    REQUIRE(std::getline(in, first));
    REQUIRE(std::getline(in, second));
    CHECK_FALSE(std::getline(in, third));
    CHECK(first.find("\"event\":\"kept\"") != std::string::npos);
    CHECK(second.find("\"level\":\"error\"") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("log level and format names", "[ops]") {
    CHECK(parse_log_level("debug") == LogLevel::Debug);
    CHECK(parse_log_format("text") == LogFormat::Text);
    CHECK_THROWS_AS(parse_log_level("verbose"), ConfigError);
    CHECK_THROWS_AS(parse_log_format("xml"), ConfigError);
}

TEST_CASE("utc timestamps are RFC 3339 with milliseconds", "[ops]") {
    const auto ts = utc_timestamp();
    REQUIRE(ts.size() == 24);
    CHECK(ts[10] == 'T');
    CHECK(ts[19] == '.');
    CHECK(ts.back() == 'Z');
}

TEST_CASE("the run lock admits one holder across processes", "[ops]") {
    const auto dir = temp_dir("lock");
    const auto path = dir / "screener.lock";
    {
        RunLock lock(path);
        // flock locks belong to the open file description: a child process opening the file
        // anew must be refused while we hold it.
        const pid_t child = ::fork();
        if (child == 0) {
            try {
                RunLock second(path);
                ::_exit(0);
            } catch (const LockHeldError& e) {
                const std::string msg = e.what();
                ::_exit(msg == "another screener run holds " + path.string() ? 7 : 8);
            } catch (...) {
                ::_exit(9);
            }
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        CHECK(WEXITSTATUS(status) == 7);
    }
    // Released on destruction: taking it again works.
    CHECK_NOTHROW(RunLock(path));
    CHECK_THROWS_AS(RunLock(dir / "missing-dir" / "screener.lock"), StoreError);
    std::filesystem::remove_all(dir);
}
