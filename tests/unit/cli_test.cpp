#include "cli/output.hpp"
#include "screener/core/error.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace screener;
using namespace screener::cli;

namespace {

pipeline::ScanReport sample_report() {
    pipeline::ScanReport report;
    report.execution_id = "11111111-2222-4333-8444-555555555555";
    report.run_id = 7;
    report.profile = "daily";
    report.as_of = *parse_date("2026-11-20");
    report.data_source = "sample market (synthetic)";
    report.synthetic = true;
    report.universe_size = 3;
    report.symbols_total = 2;
    report.symbols_screened = 1;
    report.symbols_failed = 1;
    report.outcome = Outcome::Degraded;
    report.message = "1 symbol(s) failed";
    report.errors.push_back({"NVDA", "chain", "NVDA: bad \"file\""});
    report.rejections["zero_bid"] = 4;
    Candidate c;
    c.rank = 1;
    c.symbol = "AAPL";
    c.strategy = "cash_secured_put";
    c.expiration = *parse_date("2026-12-18");
    c.dte = 28;
    c.strike = 180;
    c.underlying_price = 190.25;
    c.bid = 2.1;
    c.ask = 2.2;
    c.mid = 2.15;
    c.premium = 2.1;
    c.pop = 0.81234567;
    c.return_on_capital = 2.1 / 180;
    c.annualized_return = 2.1 / 180 * 365 / 28;
    c.score = c.annualized_return;
    c.max_loss = 177.9;
    c.flags = {"earnings_before_expiry", "x,y"};
    c.legs = {Leg{"AAPL261218P00180000", OptionType::Put, 180, c.expiration, -1, false}};
    c.metrics_json = R"({"pop_convention":"N(d2) at breakeven"})";
    report.results.push_back(c);
    return report;
}

} // namespace

TEST_CASE("JSON output parses and keeps the documented fields", "[cli]") {
    const auto text = render_json(sample_report());
    rapidjson::Document doc;
    REQUIRE_FALSE(doc.Parse(text.c_str()).HasParseError());
    CHECK(doc["schema_version"].GetInt() == 1);
    CHECK(std::string(doc["status"].GetString()) == "degraded");
    CHECK(doc["exit_code"].GetInt() == 1);
    CHECK(doc["synthetic"].GetBool());
    CHECK(doc["run_id"].GetInt64() == 7);
    CHECK(doc["counts"]["symbols_failed"].GetInt() == 1);
    CHECK(doc["rejections"]["zero_bid"].GetInt() == 4);
    CHECK(std::string(doc["errors"][0]["message"].GetString()) == "NVDA: bad \"file\"");
    const auto& r = doc["results"][0];
    CHECK(std::string(r["expiration"].GetString()) == "2026-12-18");
    CHECK(r["pop"].GetDouble() == Approx(0.812346)); // rounded to 6 decimals
    CHECK(r["max_loss"].GetDouble() == Approx(177.9));
    CHECK(std::string(r["legs"][0]["kind"].GetString()) == "put");
    CHECK(r["legs"][0]["quantity"].GetInt() == -1);
    CHECK(std::string(r["metrics"]["pop_convention"].GetString()) == "N(d2) at breakeven");
    CHECK(r["flags"].Size() == 2);
}

TEST_CASE("a dry run has a null run id", "[cli]") {
    auto report = sample_report();
    report.run_id = 0;
    rapidjson::Document doc;
    REQUIRE_FALSE(doc.Parse(render_json(report).c_str()).HasParseError());
    CHECK(doc["run_id"].IsNull());
    CHECK(render_table(report, "x.db").find("dry run, nothing stored") != std::string::npos);
}

TEST_CASE("CSV quotes fields that need it", "[cli]") {
    const auto csv = render_csv(sample_report());
    const auto newline = csv.find('\n');
    const auto header = csv.substr(0, newline);
    const auto row = csv.substr(newline + 1);
    CHECK(header.rfind("rank,symbol,strategy,expiration,dte,strike,", 0) == 0);
    CHECK(row.rfind("1,AAPL,cash_secured_put,2026-12-18,28,180.00,", 0) == 0);
    CHECK(row.find("\"earnings_before_expiry;x,y\"") != std::string::npos);
    CHECK(row.find(",177.9000,") != std::string::npos);
}

TEST_CASE("the table names as-of, profile and data source, and says synthetic", "[cli]") {
    const auto table = render_table(sample_report(), "/tmp/s.db");
    CHECK(table.rfind("screener scan | profile daily | as of 2026-11-20 | data: sample market "
                      "(synthetic)\n",
                      0) == 0);
    CHECK(table.find("SYNTHETIC SAMPLE MARKET") != std::string::npos);
    CHECK(table.find("  1  AAPL   cash_secured_put 2026-12-18   28") != std::string::npos);
    CHECK(table.find("NVDA [chain]") != std::string::npos);
    CHECK(table.find("run 7 stored in /tmp/s.db") != std::string::npos);
}

TEST_CASE("output format names", "[cli]") {
    CHECK(parse_output_format("csv") == OutputFormat::Csv);
    CHECK_THROWS_AS(parse_output_format("xml"), ConfigError);
}
