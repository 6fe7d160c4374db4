// run_scan against the bundled sample market and copies of it with faults injected.
#include "screener/core/error.hpp"
#include "screener/ops/run_lock.hpp"
#include "screener/pipeline/scan.hpp"
#include "screener/store/store.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace screener;
namespace fs = std::filesystem;

namespace {

using TempDir = screener::testing::TempDir;

const fs::path k_sample = fs::path(SCREENER_SOURCE_DIR) / "data" / "sample";

config::Config make_config(const fs::path& dir, const fs::path& sample) {
    const std::string yaml = "data_dir: data\n"
                             "providers:\n"
                             "  sample:\n"
                             "    path: " +
                             sample.string() +
                             "\n"
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
    return config::parse_config(yaml, "test.yaml", dir,
                                [](const std::string&) { return std::optional<std::string>(); });
}

// A writable copy of the sample market.
fs::path copy_sample(const TempDir& dir) {
    const auto copy = dir.path() / "sample";
    fs::copy(k_sample, copy, fs::copy_options::recursive);
    return copy;
}

void overwrite(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::trunc) << text;
}

// Events go nowhere: the tests read the report and the database instead.
ops::Logger quiet_logger() {
    return ops::Logger(ops::LogLevel::Error, ops::LogFormat::Json, "/dev/null");
}

} // namespace

TEST_CASE("a clean scan stores an ok run consistent with its report", "[pipeline]") {
    TempDir dir;
    const auto config = make_config(dir.path(), k_sample);
    auto logger = quiet_logger();
    const auto report = pipeline::run_scan(config, {}, logger);

    CHECK(report.outcome == Outcome::Ok);
    CHECK(report.synthetic);
    CHECK(format_date(report.as_of) == "2026-11-20");
    CHECK(report.universe_size == 60);
    CHECK(report.symbols_total == report.symbols_screened);
    CHECK(report.symbols_total > 30);
    CHECK(report.results.size() == 10);
    CHECK(report.errors.empty());
    for (size_t i = 1; i < report.results.size(); ++i) {
        CHECK(report.results[i - 1].score >= report.results[i].score);
        CHECK(report.results[i].dte >= 7);
        CHECK(report.results[i].dte <= 45);
    }

    auto db = store::open_sqlite_store(config.database);
    const auto run = db->run(report.run_id);
    REQUIRE(run);
    CHECK(run->status == "ok");
    CHECK(run->exit_code == 0);
    CHECK(run->execution_id == report.execution_id);
    CHECK(run->symbols_screened == report.symbols_screened);
    CHECK(run->opportunities == 10);
    const auto stored = db->results(report.run_id);
    REQUIRE(stored.size() == 10);
    CHECK(stored[0].symbol == report.results[0].symbol);
    CHECK(stored[0].pop == Approx(report.results[0].pop));
}

TEST_CASE("the prefilter drops small and illiquid names", "[pipeline]") {
    TempDir dir;
    auto config = make_config(dir.path(), k_sample);
    auto logger = quiet_logger();
    pipeline::ScanOptions options;
    options.dry_run = true;
    const auto loose = pipeline::run_scan(config, options, logger).symbols_total;
    config.profiles.at("daily").prefilter.min_price = 200;
    const auto strict = pipeline::run_scan(config, options, logger).symbols_total;
    CHECK(loose > strict);
    CHECK(strict > 0);
}

TEST_CASE("a dry run writes nothing", "[pipeline]") {
    TempDir dir;
    const auto config = make_config(dir.path(), k_sample);
    auto logger = quiet_logger();
    pipeline::ScanOptions options;
    options.dry_run = true;
    const auto report = pipeline::run_scan(config, options, logger);
    CHECK(report.run_id == 0);
    CHECK_FALSE(report.results.empty());
    CHECK_FALSE(fs::exists(config.data_dir));
}

TEST_CASE("an unreadable exchange snapshot fails the pass (exit 2) and says why", "[pipeline]") {
    TempDir dir;
    const auto sample = copy_sample(dir);
    overwrite(sample / "eodhd" / "eod-bulk-last-day" / "US.json", "Unauthenticated");
    const auto config = make_config(dir.path(), sample);
    auto logger = quiet_logger();
    const auto report = pipeline::run_scan(config, {}, logger);
    CHECK(report.outcome == Outcome::Failed);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].stage == "universe");
    auto db = store::open_sqlite_store(config.database);
    CHECK(db->run(report.run_id)->status == "failed");
    CHECK(db->run(report.run_id)->exit_code == 2);
    CHECK(db->run_errors(report.run_id).size() == 1);
}

TEST_CASE("a missing earnings calendar degrades the run but screens on", "[pipeline]") {
    TempDir dir;
    const auto sample = copy_sample(dir);
    fs::remove(sample / "eodhd" / "calendar" / "earnings.json");
    const auto config = make_config(dir.path(), sample);
    auto logger = quiet_logger();
    const auto report = pipeline::run_scan(config, {}, logger);
    CHECK(report.outcome == Outcome::Degraded);
    CHECK(report.symbols_failed == 0);
    CHECK_FALSE(report.results.empty());
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].stage == "earnings");
}

TEST_CASE("when every symbol fails the pass failed", "[pipeline]") {
    TempDir dir;
    const auto config = make_config(dir.path(), k_sample);
    auto logger = quiet_logger();
    pipeline::ScanOptions options;
    options.symbols = {"NOSUCH", "ALSONOT"};
    const auto report = pipeline::run_scan(config, options, logger);
    CHECK(report.outcome == Outcome::Failed);
    CHECK(report.symbols_failed == 2);
    CHECK(report.errors[0].stage == "history");
    CHECK(report.errors[0].message.find("NOSUCH") == 0);
}

TEST_CASE("as-of outside the sample and a held lock are refused before anything is stored",
          "[pipeline]") {
    TempDir dir;
    const auto config = make_config(dir.path(), k_sample);
    auto logger = quiet_logger();
    pipeline::ScanOptions options;
    options.as_of = parse_date("2026-11-19");
    CHECK_THROWS_AS(pipeline::run_scan(config, options, logger), ConfigError);
    CHECK_FALSE(fs::exists(config.database));

    fs::create_directories(config.data_dir);
    ops::RunLock held(config.data_dir / "screener.lock");
    CHECK_THROWS_AS(pipeline::run_scan(config, {}, logger), LockHeldError);
    CHECK_FALSE(fs::exists(config.database));
}

TEST_CASE("execution ids are version-4 UUIDs and differ", "[pipeline]") {
    const auto a = pipeline::new_execution_id();
    const auto b = pipeline::new_execution_id();
    CHECK(a != b);
    REQUIRE(a.size() == 36);
    CHECK(a[14] == '4');
    CHECK(std::string("89ab").find(a[19]) != std::string::npos);
}

TEST_CASE("every screened chain gets a quality row, a mostly unusable one is reported, not ranked",
          "[pipeline][quality]") {
    TempDir dir;
    const auto sample = copy_sample(dir);
    // KO's chain: every quote crossed (bid above ask) but the first few contracts. (Zero bids
    // would not do: a market with no buyer is not bad data.)
    const auto ko = sample / "marketdata" / "options" / "chain" / "KO.json";
    std::ifstream in(ko);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto bid_at = text.find("\"bid\":[");
    REQUIRE(bid_at != std::string::npos);
    const auto bid_end = text.find(']', bid_at);
    std::string bids = "\"bid\":[";
    const auto count =
        static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(bid_at),
                                    text.begin() + static_cast<std::ptrdiff_t>(bid_end), ',') +
                         1);
    for (int i = 0; i < count; ++i) {
        bids += i ? "," : "";
        bids += i < 5 ? "1.0" : "999";
    }
    text.replace(bid_at, bid_end - bid_at, bids);
    overwrite(ko, text);

    auto config = make_config(dir.path(), sample);
    config.profiles.at("daily").universe.source = config::UniverseSource::List;
    config.profiles.at("daily").universe.symbols = {"AAPL", "KO", "MSFT"};
    auto logger = quiet_logger();
    const auto report = pipeline::run_scan(config, {}, logger);

    CHECK(report.outcome == Outcome::Degraded);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].symbol == "KO");
    CHECK(report.errors[0].stage == "quality");
    CHECK_THAT(report.errors[0].message, Catch::Contains("crossed"));
    for (const auto& c : report.results) {
        CHECK(c.symbol != "KO");
    }
    auto db = store::open_sqlite_store(config.database);
    const auto rows = db->chain_quality(report.run_id);
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows) {
        INFO(row.symbol);
        CHECK(row.contracts > 0);
        if (row.symbol == "KO") {
            CHECK_FALSE(row.rankable);
            CHECK(row.grade == "F");
            CHECK(row.rejections.at("crossed") == row.contracts - 5);
        } else {
            CHECK(row.rankable);
        }
    }
}

TEST_CASE("IV rank comes from the stored IV30 history before the as-of date", "[pipeline]") {
    TempDir dir;
    auto config = make_config(dir.path(), k_sample);
    config.profiles.at("daily").universe.source = config::UniverseSource::List;
    config.profiles.at("daily").universe.symbols = {"AAPL"};
    config.profiles.at("daily").iv_rank_min_observations = 10;
    auto logger = quiet_logger();
    {
        // 20 earlier days of IV30 between 0.10 and 0.29: today's (about 0.3) ranks near 100.
        std::filesystem::create_directories(config.data_dir);
        auto db = store::open_sqlite_store(config.database);
        for (int i = 0; i < 20; ++i) {
            db->record_iv({"AAPL", format_date(add_days(parse_date("2026-10-01").value(), i)),
                           0.10 + 0.01 * i, std::nullopt});
        }
    }
    const auto report = pipeline::run_scan(config, {}, logger);
    REQUIRE_FALSE(report.results.empty());
    const auto& metrics = report.results[0].metrics_json;
    CHECK_THAT(metrics, Catch::Contains("\"iv_rank\":"));
    CHECK_THAT(metrics, !Catch::Contains("\"iv_rank\":null"));
    CHECK_THAT(metrics, !Catch::Contains("\"iv_percentile\":null"));

    // Without enough history the rank is unknown, and an IV-rank range then excludes the symbol.
    TempDir fresh;
    auto strict = make_config(fresh.path(), k_sample);
    strict.profiles.at("daily").universe = config.profiles.at("daily").universe;
    strict.profiles.at("daily").iv_rank_min = 10;
    const auto none = pipeline::run_scan(strict, {}, logger);
    CHECK(none.results.empty());
    CHECK(none.rejections.at("symbol:iv_rank") == 1);
}

TEST_CASE("scan --explain: the verdicts of one symbol", "[pipeline]") {
    TempDir dir;
    const auto config = make_config(dir.path(), k_sample);
    auto logger = quiet_logger();
    pipeline::ScanOptions options;
    options.dry_run = true;
    options.explain_symbol = "AAPL";
    const auto report = pipeline::run_scan(config, options, logger);
    REQUIRE_FALSE(report.explain.empty());
    bool dropped = false, passed = false;
    for (const auto& line : report.explain) {
        CHECK(line.strategy == "cash_secured_put");
        dropped = dropped || line.verdict.rfind("dropped", 0) == 0;
        passed = passed || line.verdict.rfind("passed", 0) == 0;
    }
    CHECK(dropped);
    CHECK(passed);

    options.explain_symbol = "ZZZZ";
    const auto missing = pipeline::run_scan(config, options, logger);
    CHECK(missing.explain.empty());
    CHECK_THAT(missing.explain_note, Catch::Contains("not in the universe"));
}
