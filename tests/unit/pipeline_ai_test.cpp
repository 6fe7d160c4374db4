// The scan's AI step and the weekly write-up end to end: run_scan and run_weekly on the bundled
// sample market with the fake Anthropic server, a real SQLite file and a real log file.
#include "screener/pipeline/scan.hpp"
#include "screener/pipeline/weekly.hpp"
#include "screener/store/store.hpp"
#include "support/fake_anthropic.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace screener;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using screener::testing::FakeAnthropic;
using screener::testing::TempDir;

namespace {

const fs::path k_sample = fs::path(SCREENER_SOURCE_DIR) / "data" / "sample";
const std::string k_key = "sk-ant-api03-PIPELINE-SECRET-9f8e7d6c";

config::Config make_config(const TempDir& dir, const std::string& base_url, bool enabled = true,
                           std::optional<std::string> key = k_key, const std::string& extra = "") {
    const std::string yaml = "data_dir: data\n"
                             "providers:\n"
                             "  sample:\n"
                             "    path: " +
                             k_sample.string() +
                             "\n"
                             "ai:\n"
                             "  enabled: " +
                             (enabled ? "true" : "false") +
                             "\n"
                             "  base_url: " +
                             base_url +
                             "\n"
                             "  model: claude-sonnet-5-5\n"
                             "  top_k: 3\n"
                             "  daily_budget_usd: 0.50\n"
                             "  retry_base_ms: 1\n"
                             "  retry_max_ms: 5\n" +
                             extra +
                             "  prices:\n"
                             "    claude-sonnet-5-5: {input: 2, output: 10, cache_write: 2.5, "
                             "cache_read: 0.2}\n"
                             "profiles:\n"
                             "  daily:\n"
                             "    universe:\n"
                             "      source: exchange\n"
                             "    prefilter:\n"
                             "      min_price: 10\n"
                             "      min_avg_volume: 1000000\n"
                             "    top_n: 10\n"
                             "    strategies:\n"
                             "      cash_secured_put:\n"
                             "        dte_min: 7\n"
                             "        dte_max: 45\n";
    return config::parse_config(yaml, "test.yaml", dir.path(),
                                [key](const std::string& name) -> std::optional<std::string> {
                                    if (name == "ANTHROPIC_API_KEY") {
                                        return key;
                                    }
                                    return std::nullopt;
                                });
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Every byte the run left behind: the log file, the database and its WAL.
void check_key_absent(const TempDir& dir, const config::Config& config) {
    CHECK(read_bytes(dir / "scan.log").find(k_key) == std::string::npos);
    for (const auto& suffix : {"", "-wal", "-shm"}) {
        const fs::path file = config.database.string() + suffix;
        if (fs::exists(file)) {
            CHECK(read_bytes(file).find(k_key) == std::string::npos);
        }
    }
}

std::int64_t count(const config::Config& config, const std::string& sql) {
    SQLite::Database db(config.database.string());
    return db.execAndGet(sql).getInt64();
}

double real(const config::Config& config, const std::string& sql) {
    SQLite::Database db(config.database.string());
    return db.execAndGet(sql).getDouble();
}

} // namespace

TEST_CASE("the top picks are analysed, stored with their cost, and reused by a same-day rerun",
          "[pipeline][ai]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.start();
    const auto config = make_config(dir, fake.base_url());
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");

    const auto first = pipeline::run_scan(config, {}, logger);
    INFO(first.message);
    CHECK(first.outcome == Outcome::Ok);
    REQUIRE(first.ai);
    CHECK(first.ai->status == ai::AnalysisStatus::Analysed);
    CHECK(first.ai->validation == "accepted");
    REQUIRE(first.ai->analyses.size() == 3);
    for (int rank = 1; rank <= 3; ++rank) {
        CHECK(first.ai->analyses[rank - 1].rank == rank);
        CHECK(first.ai->analyses[rank - 1].symbol == first.results[rank - 1].symbol);
    }
    CHECK(fake.request_count() == 1);
    CHECK(first.cost_usd > 0);
    const std::string run1 = std::to_string(first.run_id);
    CHECK(count(config, "SELECT count(*) FROM results WHERE ai_analysis IS NOT NULL AND run_id = " +
                            run1) == 3);
    CHECK(count(config, "SELECT count(*) FROM api_calls WHERE provider = 'anthropic' AND "
                        "cost_usd > 0 AND run_id = " +
                            run1) == 1);
    CHECK(real(config, "SELECT cost_usd FROM runs WHERE id = " + run1) ==
          Approx(first.ai->cost_usd));
    CHECK(real(config, "SELECT cost_usd FROM ai_analyses WHERE run_id = " + run1) ==
          Approx(first.ai->cost_usd));
    CHECK(count(config, "SELECT input_tokens FROM ai_analyses WHERE run_id = " + run1) == 1200);

    const auto second = pipeline::run_scan(config, {}, logger);
    CHECK(second.outcome == Outcome::Ok);
    REQUIRE(second.ai);
    CHECK(second.ai->status == ai::AnalysisStatus::Cached);
    CHECK(fake.request_count() == 1); // no new call
    CHECK(second.cost_usd == 0);
    CHECK(second.ai->analyses.size() == 3);
    const std::string run2 = std::to_string(second.run_id);
    CHECK(count(config, "SELECT cached_from FROM ai_analyses WHERE run_id = " + run2) ==
          count(config, "SELECT id FROM ai_analyses WHERE run_id = " + run1));
    CHECK(count(config, "SELECT count(*) FROM results WHERE ai_analysis IS NOT NULL AND run_id = " +
                            run2) == 3);
    CHECK(count(config, "SELECT count(*) FROM api_calls WHERE run_id = " + run2 +
                            " AND provider = 'anthropic'") == 0);

    pipeline::ScanOptions dry_run;
    dry_run.dry_run = true;
    const auto dry = pipeline::run_scan(config, dry_run, logger);
    CHECK(dry.ai_note == "dry run");
    CHECK(fake.request_count() == 1);
    check_key_absent(dir, config);
}

TEST_CASE("today's AI spend at the budget: no call, the run is degraded with the reason",
          "[pipeline][ai]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.start();
    const auto config = make_config(dir, fake.base_url());
    {
        fs::create_directories(config.data_dir);
        auto store = store::open_sqlite_store(config.database);
        store->record_api_call(0,
                               {"anthropic", "/v1/messages", "", 200, 900, 1000, 0, false, 0.49});
    }
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");
    const auto report = pipeline::run_scan(config, {}, logger);
    CHECK(fake.request_count() == 0);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK_THAT(report.message, Contains("AI analysis skipped: daily AI budget $0.5000"));
    REQUIRE(report.ai);
    CHECK(report.ai->status == ai::AnalysisStatus::BudgetExhausted);
    CHECK(count(config, "SELECT count(*) FROM run_errors WHERE stage = 'ai'") == 1);
    CHECK(count(config, "SELECT exit_code FROM runs WHERE id = " + std::to_string(report.run_id)) ==
          1);
    CHECK(count(config, "SELECT count(*) FROM results WHERE ai_analysis IS NOT NULL") == 0);
}

TEST_CASE("a refused key degrades the run and the key stays out of logs and database",
          "[pipeline][ai]") {
    TempDir dir;
    FakeAnthropic fake("sk-ant-the-right-key");
    fake.start();
    const auto config = make_config(dir, fake.base_url());
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");
    const auto report = pipeline::run_scan(config, {}, logger);
    CHECK(fake.request_count() == 1);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK_THAT(report.message, Contains("HTTP 401 authentication_error"));
    CHECK(report.message.find(k_key) == std::string::npos);
    CHECK(report.results.size() == 10); // the screen itself is kept
    check_key_absent(dir, config);
}

TEST_CASE("AI off: ai.enabled false or no key skips it, the exit code is unaffected",
          "[pipeline][ai]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.start();
    ops::Logger logger(ops::LogLevel::Info, ops::LogFormat::Json, dir / "scan.log");

    const auto disabled = pipeline::run_scan(make_config(dir, fake.base_url(), false), {}, logger);
    CHECK(disabled.outcome == Outcome::Ok);
    CHECK_FALSE(disabled.ai);
    CHECK(disabled.ai_note == "ai.enabled is false");

    const auto keyless =
        pipeline::run_scan(make_config(dir, fake.base_url(), true, std::nullopt), {}, logger);
    CHECK(keyless.outcome == Outcome::Ok);
    CHECK_FALSE(keyless.ai);
    CHECK_THAT(keyless.ai_note, Contains("no API key"));
    CHECK(fake.request_count() == 0);
    const std::string log = read_bytes(dir / "scan.log");
    CHECK_THAT(log, Contains("\"event\":\"ai_skipped\""));
}

TEST_CASE("a profile's ai_top_k overrides ai.top_k", "[pipeline][ai]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.start();
    auto config = make_config(dir, fake.base_url());
    config.profiles.at("daily").ai_top_k = 1;
    ops::Logger logger(ops::LogLevel::Error, ops::LogFormat::Json, dir / "scan.log");
    const auto report = pipeline::run_scan(config, {}, logger);
    REQUIRE(report.ai);
    CHECK(report.ai->analyses.size() == 1);
}

namespace {

// The weekly pass over the daily profile, whose scan asks no analysis (ai_top_k 0): the
// write-up is the only Messages API call.
config::Config weekly_config(const TempDir& dir, const std::string& base_url, bool enabled = true,
                             std::optional<std::string> key = k_key) {
    auto config = make_config(dir, base_url, enabled, std::move(key));
    config.profiles.at("daily").ai_top_k = 0;
    return config;
}

pipeline::WeeklyOptions weekly_options(bool scan = true) {
    pipeline::WeeklyOptions options;
    options.profile = "daily";
    options.scan = scan;
    return options;
}

} // namespace

TEST_CASE("the weekly write-up is grounded in the week's facts, stored and costed on the run",
          "[pipeline][ai][weekly]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.set_default(testing::reply_weekly());
    fake.start();
    const auto config = weekly_config(dir, fake.base_url());
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");

    const auto scan = pipeline::run_scan(config, {}, logger);
    CHECK(scan.ai_note == "top_k is 0");
    const auto report = pipeline::run_weekly(config, weekly_options(), logger);
    INFO(report.message);
    CHECK(report.outcome == Outcome::Ok);
    REQUIRE(report.writeup);
    const auto& outcome = *report.writeup;
    CHECK(outcome.status == ai::AnalysisStatus::Analysed);
    CHECK(outcome.validation == "accepted");
    CHECK(outcome.problems.empty());
    REQUIRE(outcome.writeup);
    CHECK_FALSE(outcome.writeup->templated);
    CHECK_THAT(outcome.writeup->summary, Contains("runs: 2 (2 ok, 0 degraded"));

    // One call, with the week's facts: the recurring candidates are the only tickers allowed.
    REQUIRE(fake.request_count() == 1);
    const auto request = fake.requests().front();
    CHECK_THAT(request.system, Contains("weekly review"));
    REQUIRE_FALSE(report.summary.recurring.empty());
    const auto& top = report.summary.recurring.front();
    CHECK_THAT(request.messages.front(), Contains("- " + top.symbol + ": " + top.strategy));
    CHECK(std::any_of(outcome.writeup->observations.begin(), outcome.writeup->observations.end(),
                      [&](const std::string& o) { return o.rfind(top.symbol + ": ", 0) == 0; }));

    const std::string run = std::to_string(report.run_id);
    CHECK(outcome.cost_usd > 0);
    CHECK(report.cost_usd == Approx(report.scan->cost_usd + outcome.cost_usd));
    CHECK(real(config, "SELECT cost_usd FROM runs WHERE id = " + run) == Approx(report.cost_usd));
    CHECK(
        count(config, "SELECT count(*) FROM api_calls WHERE provider = 'anthropic' AND run_id = " +
                          run) == 1);
    CHECK(count(config, "SELECT count(*) FROM weekly_writeups WHERE validation = 'accepted' AND "
                        "calls = 1 AND run_id = " +
                            run) == 1);
    CHECK(real(config, "SELECT cost_usd FROM weekly_writeups") == Approx(outcome.cost_usd));
    {
        SQLite::Database db(config.database.string());
        const std::string stored =
            db.execAndGet("SELECT json_extract(writeup, '$.summary') FROM weekly_writeups")
                .getString();
        CHECK(stored == outcome.writeup->summary);
    }
    check_key_absent(dir, config);
}

TEST_CASE("an invented figure in the write-up: one corrective call, then accepted or templated",
          "[pipeline][ai][weekly]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.start();
    const auto config = weekly_config(dir, fake.base_url());
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");
    pipeline::run_scan(config, {}, logger);

    SECTION("invented twice: templated from the facts, the pass is not degraded") {
        fake.set_default(testing::reply_weekly(" Backtests put the win rate at 97.3%."));
        const auto report = pipeline::run_weekly(config, weekly_options(false), logger);
        CHECK(report.outcome == Outcome::Ok);
        REQUIRE(fake.request_count() == 2);
        const auto retry = fake.requests()[1];
        REQUIRE(retry.messages.size() == 3);
        CHECK_THAT(retry.messages[2],
                   Contains("summary: the number 97.3% is not among the facts given"));
        REQUIRE(report.writeup);
        CHECK(report.writeup->validation == "templated");
        CHECK(report.writeup->calls == 2);
        REQUIRE(report.writeup->writeup);
        CHECK(report.writeup->writeup->templated);
        CHECK(report.writeup->writeup->summary.find("97.3") == std::string::npos);
        CHECK(count(config, "SELECT count(*) FROM weekly_writeups WHERE validation = 'templated' "
                            "AND reason = 'the model''s answer was rejected twice' AND "
                            "json_extract(writeup, '$.templated') = 1") == 1);
        CHECK_THAT(read_bytes(dir / "scan.log"), Contains("weekly_writeup_rejected"));
    }
    SECTION("corrected on the second answer: accepted_on_retry") {
        fake.script({testing::reply_weekly(" Backtests put the win rate at 97.3%.")});
        fake.set_default(testing::reply_weekly());
        const auto report = pipeline::run_weekly(config, weekly_options(false), logger);
        CHECK(report.outcome == Outcome::Ok);
        CHECK(fake.request_count() == 2);
        REQUIRE(report.writeup);
        CHECK(report.writeup->validation == "accepted_on_retry");
        REQUIRE(report.writeup->writeup);
        CHECK_FALSE(report.writeup->writeup->templated);
    }
    check_key_absent(dir, config);
}

TEST_CASE("today's AI spend at the budget: no write-up call, the weekly pass is degraded",
          "[pipeline][ai][weekly]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.set_default(testing::reply_weekly());
    fake.start();
    const auto config = weekly_config(dir, fake.base_url());
    {
        fs::create_directories(config.data_dir);
        auto store = store::open_sqlite_store(config.database);
        store->record_api_call(0,
                               {"anthropic", "/v1/messages", "", 200, 900, 1000, 0, false, 0.49});
    }
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");
    const auto report = pipeline::run_weekly(config, weekly_options(false), logger);
    CHECK(fake.request_count() == 0);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK(exit_code(report.outcome) == 1);
    CHECK_THAT(report.message,
               Contains("weekly write-up budget_exhausted: daily AI budget $0.5000"));
    REQUIRE(report.writeup);
    CHECK_FALSE(report.writeup->writeup);
    const std::string run = std::to_string(report.run_id);
    CHECK(count(config, "SELECT count(*) FROM run_errors WHERE stage = 'ai' AND run_id = " + run) ==
          1);
    CHECK(count(config, "SELECT exit_code FROM runs WHERE id = " + run) == 1);
    CHECK(count(config, "SELECT count(*) FROM weekly_writeups") == 0);
}

TEST_CASE("a refused key degrades the weekly pass and the key stays out of logs and database",
          "[pipeline][ai][weekly]") {
    TempDir dir;
    FakeAnthropic fake("sk-ant-the-right-key");
    fake.start();
    const auto config = weekly_config(dir, fake.base_url());
    ops::Logger logger(ops::LogLevel::Debug, ops::LogFormat::Json, dir / "scan.log");
    const auto report = pipeline::run_weekly(config, weekly_options(), logger);
    CHECK(fake.request_count() == 1);
    CHECK(report.outcome == Outcome::Degraded);
    REQUIRE(report.writeup);
    CHECK(report.writeup->status == ai::AnalysisStatus::Refused);
    CHECK_THAT(report.message, Contains("HTTP 401 authentication_error"));
    CHECK(report.message.find(k_key) == std::string::npos);
    check_key_absent(dir, config);
}

TEST_CASE("AI off: no weekly write-up call and the weekly exit code is unaffected",
          "[pipeline][ai][weekly]") {
    TempDir dir;
    FakeAnthropic fake(k_key);
    fake.set_default(testing::reply_weekly());
    fake.start();
    ops::Logger logger(ops::LogLevel::Info, ops::LogFormat::Json, dir / "scan.log");

    const auto config = weekly_config(dir, fake.base_url(), false);
    const auto disabled = pipeline::run_weekly(config, weekly_options(), logger);
    CHECK(disabled.outcome == Outcome::Ok);
    CHECK_FALSE(disabled.writeup);
    CHECK(disabled.writeup_note == "ai.enabled is false");

    const auto keyless = pipeline::run_weekly(
        weekly_config(dir, fake.base_url(), true, std::nullopt), weekly_options(false), logger);
    CHECK(keyless.outcome == Outcome::Ok);
    CHECK_FALSE(keyless.writeup);
    CHECK_THAT(keyless.writeup_note, Contains("no API key"));
    CHECK(fake.request_count() == 0);
    CHECK(count(config, "SELECT count(*) FROM weekly_writeups") == 0);
    CHECK_THAT(read_bytes(dir / "scan.log"), Contains("\"event\":\"weekly_writeup_skipped\""));
}
