#include "cli/output.hpp"
#include "cli/weekly_output.hpp"
#include "screener/core/error.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <rapidjson/document.h>
#include <sstream>

using namespace screener;
using namespace screener::cli;

namespace {

Leg option_leg(OptionType type, double strike, Date expiration, int quantity, double bid,
               double ask, double iv, double delta) {
    Leg leg;
    leg.option_symbol = "OCC";
    leg.type = type;
    leg.strike = strike;
    leg.expiration = expiration;
    leg.quantity = quantity;
    leg.bid = bid;
    leg.ask = ask;
    leg.mid = (bid + ask) / 2;
    leg.iv = iv;
    leg.delta = delta;
    return leg;
}

Candidate base_candidate(int rank, const std::string& symbol, const std::string& strategy) {
    Candidate c;
    c.rank = rank;
    c.symbol = symbol;
    c.strategy = strategy;
    c.expiration = *parse_date("2026-12-18");
    c.dte = 28;
    c.t_years = 28.3 / 365.0;
    c.underlying_price = 190.25;
    c.rate = 0.0431;
    c.dividend_yield = 0.0048;
    c.metrics_json = R"({"pop_convention":"N(d2) at breakeven","iv_rank":41.7})";
    return c;
}

// Cash-secured put: one short put, credit, defined max loss, return on capital.
Candidate csp() {
    Candidate c = base_candidate(1, "AAPL", "cash_secured_put");
    c.legs = {option_leg(OptionType::Put, 180, c.expiration, -1, 2.1, 2.2, 0.2843, -0.21)};
    c.is_credit = true;
    c.fill_price = 2.1;
    c.mid_price = 2.15;
    c.breakevens = {177.9};
    c.pop = 0.81234567;
    c.max_profit = 2.1;
    c.max_loss = 177.9;
    c.collateral = 180;
    c.return_on_capital = 2.1 / 180;
    c.return_on_capital_annualized = 2.1 / 180 * 365 / 28;
    c.strike = 180;
    c.delta = -0.21;
    c.iv = 0.2843;
    c.score = 0.1521;
    c.sector = "Technology";
    c.flags = {"earnings_before_expiry", "x,y"};
    return c;
}

// Iron condor: 4 legs, two breakevens, return on risk.
Candidate condor() {
    Candidate c = base_candidate(2, "SPY", "iron_condor");
    c.underlying_price = 187.5;
    c.legs = {option_leg(OptionType::Put, 170, c.expiration, 1, 0.40, 0.45, 0.25, -0.08),
              option_leg(OptionType::Put, 175, c.expiration, -1, 0.80, 0.86, 0.23, -0.14),
              option_leg(OptionType::Call, 200, c.expiration, -1, 0.70, 0.75, 0.18, 0.13),
              option_leg(OptionType::Call, 205, c.expiration, 1, 0.30, 0.34, 0.17, 0.07)};
    c.is_credit = true;
    c.fill_price = 0.71;
    c.mid_price = 0.815;
    c.breakevens = {174.29, 200.71};
    c.pop = 0.6632148712;
    c.max_profit = 0.71;
    c.max_loss = 4.29;
    c.collateral = 4.29;
    c.return_on_capital = 0.71 / 4.29;
    c.return_on_capital_annualized = 0.71 / 4.29 * 365 / 28;
    c.return_on_risk = 0.71 / 4.29;
    c.strike = 175;
    c.score = 0.13;
    c.flags = {};
    return c;
}

// Long call: a debit, unlimited profit, no returns.
Candidate long_call() {
    Candidate c = base_candidate(3, "NVDA", "long_call");
    c.legs = {option_leg(OptionType::Call, 192.5, c.expiration, 1, 4.1, 4.25, 0.512, 0.43)};
    c.is_credit = false;
    c.fill_price = 4.25;
    c.mid_price = 4.175;
    c.breakevens = {196.75};
    c.pop = 0.3511;
    c.max_profit = std::nullopt;
    c.max_loss = 4.25;
    c.collateral = 4.25;
    c.strike = 192.5;
    c.score = 0.05;
    c.metrics_json = R"({"iv_rank":null})";
    c.flags = {"wide_spread"};
    return c;
}

// Covered call: 100 shares bought plus a short call.
Candidate covered_call() {
    Candidate c = base_candidate(4, "MSFT", "covered_call");
    Leg stock;
    stock.is_stock = true;
    stock.quantity = 100;
    stock.type = OptionType::Call;
    c.legs = {stock, option_leg(OptionType::Call, 190, c.expiration, -1, 3.0, 3.2, 0.22, 0.48)};
    c.underlying_price = 188.0;
    c.is_credit = true;
    c.fill_price = 3.0;
    c.mid_price = 3.1;
    c.breakevens = {185.0};
    c.pop = 0.6;
    c.max_profit = 5.0;
    c.max_loss = 185.0;
    c.collateral = 188.0;
    c.return_on_capital = 3.0 / 188.0;
    c.return_on_capital_annualized = 3.0 / 188.0 * 365 / 28;
    c.strike = 190;
    c.score = 0.04;
    return c;
}

// Bull put spread: sell the higher put, buy the lower one.
Candidate bull_put() {
    Candidate c = base_candidate(5, "AMD", "bull_put_spread");
    c.legs = {option_leg(OptionType::Put, 180, c.expiration, -1, 1.25, 1.3, 0.3, -0.25),
              option_leg(OptionType::Put, 175, c.expiration, 1, 0.55, 0.6, 0.32, -0.15)};
    c.is_credit = true;
    c.fill_price = 0.65;
    c.mid_price = 0.7;
    c.breakevens = {179.35};
    c.pop = 0.7;
    c.max_profit = 0.65;
    c.max_loss = 4.35;
    c.collateral = 4.35;
    c.return_on_capital = 0.65 / 4.35;
    c.return_on_capital_annualized = 0.65 / 4.35 * 365 / 28;
    c.return_on_risk = 0.65 / 4.35;
    c.strike = 180;
    c.score = 0.03;
    return c;
}

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
    report.results = {csp(), condor(), long_call(), covered_call(), bull_put()};
    return report;
}

rapidjson::Document parse(const std::string& text) {
    rapidjson::Document doc;
    // Full precision: the exact double the text denotes, as outside checks read it.
    REQUIRE_FALSE(doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str()).HasParseError());
    return doc;
}

std::string table_line_of(const std::string& table, const std::string& needle) {
    const auto at = table.find(needle);
    REQUIRE(at != std::string::npos);
    const auto start = table.rfind('\n', at) + 1;
    return table.substr(start, table.find('\n', at) - start);
}

} // namespace

TEST_CASE("JSON output keeps the run fields", "[cli]") {
    const auto doc = parse(render_json(sample_report()));
    REQUIRE(doc.HasMember("run"));
    CHECK(doc.MemberCount() == 3); // schema_version, run, results
    CHECK(doc["schema_version"].GetInt() == 2);
    CHECK(std::string(doc["run"]["status"].GetString()) == "degraded");
    CHECK(doc["run"]["exit_code"].GetInt() == 1);
    CHECK(doc["run"]["synthetic"].GetBool());
    CHECK(doc["run"]["run_id"].GetInt64() == 7);
    CHECK(doc["run"]["counts"]["symbols_failed"].GetInt() == 1);
    CHECK(doc["run"]["counts"]["opportunities"].GetInt() == 5);
    CHECK(doc["run"]["rejections"]["zero_bid"].GetInt() == 4);
    CHECK(std::string(doc["run"]["errors"][0]["message"].GetString()) == "NVDA: bad \"file\"");
    CHECK(doc["results"].Size() == 5);
}

TEST_CASE("JSON results carry the documented fields at full precision", "[cli]") {
    const auto doc = parse(render_json(sample_report()));
    const auto& r = doc["results"][0];
    const Candidate want = csp();
    CHECK(r["rank"].GetInt() == 1);
    CHECK(std::string(r["symbol"].GetString()) == "AAPL");
    CHECK(std::string(r["strategy"].GetString()) == "cash_secured_put");
    CHECK(std::string(r["expiration"].GetString()) == "2026-12-18");
    CHECK(r["dte"].GetInt() == 28);
    // Not rounded: every figure reads back to the exact double.
    CHECK(r["t_years"].GetDouble() == want.t_years);
    CHECK(r["underlying_price"].GetDouble() == 190.25);
    CHECK(r["rate"].GetDouble() == 0.0431);
    CHECK(r["dividend_yield"].GetDouble() == 0.0048);
    CHECK(r["fill_price"].GetDouble() == 2.1);
    CHECK(r["is_credit"].GetBool());
    CHECK(r["mid_price"].GetDouble() == 2.15);
    REQUIRE(r["breakevens"].Size() == 1);
    CHECK(r["breakevens"][0].GetDouble() == 177.9);
    CHECK(r["pop"].GetDouble() == 0.81234567);
    CHECK(r["max_profit"].GetDouble() == 2.1);
    CHECK(r["max_loss"].GetDouble() == 177.9);
    CHECK(r["collateral"].GetDouble() == 180);
    CHECK(r["return_on_capital"].GetDouble() == want.return_on_capital);
    CHECK(r["return_on_capital_annualized"].GetDouble() == want.return_on_capital_annualized);
    CHECK(r["return_on_risk"].IsNull()); // not applicable to a CSP
    CHECK(r["score"].GetDouble() == 0.1521);
    CHECK(std::string(r["sector"].GetString()) == "Technology");
    REQUIRE(r["flags"].Size() == 2);
    CHECK(std::string(r["flags"][1].GetString()) == "x,y");
    CHECK(std::string(r["metrics"]["pop_convention"].GetString()) == "N(d2) at breakeven");

    REQUIRE(r["legs"].Size() == 1);
    const auto& leg = r["legs"][0];
    CHECK(std::string(leg["action"].GetString()) == "sell");
    CHECK(std::string(leg["type"].GetString()) == "put");
    CHECK(leg["strike"].GetDouble() == 180);
    CHECK(leg["bid"].GetDouble() == 2.1);
    CHECK(leg["ask"].GetDouble() == 2.2);
    CHECK(leg["mid"].GetDouble() == want.legs[0].mid);
    CHECK(leg["iv"].GetDouble() == 0.2843);
    CHECK(leg["delta"].GetDouble() == -0.21);
}

TEST_CASE("JSON: a condor has 4 legs, a long call null max_profit and returns", "[cli]") {
    const auto doc = parse(render_json(sample_report()));
    const auto& ic = doc["results"][1];
    CHECK(std::string(ic["strategy"].GetString()) == "iron_condor");
    REQUIRE(ic["legs"].Size() == 4);
    const char* actions[] = {"buy", "sell", "sell", "buy"};
    const char* types[] = {"put", "put", "call", "call"};
    const double strikes[] = {170, 175, 200, 205};
    for (rapidjson::SizeType i = 0; i < 4; ++i) {
        INFO("leg " << i);
        CHECK(std::string(ic["legs"][i]["action"].GetString()) == actions[i]);
        CHECK(std::string(ic["legs"][i]["type"].GetString()) == types[i]);
        CHECK(ic["legs"][i]["strike"].GetDouble() == strikes[i]);
    }
    REQUIRE(ic["breakevens"].Size() == 2);
    CHECK(ic["breakevens"][1].GetDouble() == 200.71);
    CHECK(ic["return_on_risk"].GetDouble() == 0.71 / 4.29);
    CHECK(ic["pop"].GetDouble() == 0.6632148712);
    CHECK(ic["sector"].IsNull()); // empty sector
    CHECK(ic["flags"].Size() == 0);

    const auto& lc = doc["results"][2];
    CHECK(std::string(lc["strategy"].GetString()) == "long_call");
    CHECK_FALSE(lc["is_credit"].GetBool());
    CHECK(lc["fill_price"].GetDouble() == 4.25);
    CHECK(lc["max_profit"].IsNull()); // unlimited
    CHECK(lc["max_loss"].GetDouble() == 4.25);
    CHECK(lc["return_on_capital"].IsNull());
    CHECK(lc["return_on_capital_annualized"].IsNull());
    CHECK(lc["return_on_risk"].IsNull());
    CHECK(std::string(lc["legs"][0]["action"].GetString()) == "buy");
    CHECK(lc["legs"][0]["strike"].GetDouble() == 192.5);

    const auto& cc = doc["results"][3];
    REQUIRE(cc["legs"].Size() == 2);
    const auto& stock = cc["legs"][0];
    CHECK(std::string(stock["action"].GetString()) == "buy");
    CHECK(std::string(stock["type"].GetString()) == "stock");
    CHECK(stock["quantity"].GetInt() == 100);
    CHECK(stock["price"].GetDouble() == 188.0);
    CHECK_FALSE(stock.HasMember("strike"));
    CHECK(std::string(cc["legs"][1]["action"].GetString()) == "sell");
    CHECK(std::string(cc["legs"][1]["type"].GetString()) == "call");
}

TEST_CASE("JSON writes non-finite figures as null", "[cli]") {
    auto report = sample_report();
    report.results[0].pop = std::numeric_limits<double>::quiet_NaN();
    report.results[0].legs[0].iv = std::numeric_limits<double>::infinity();
    const auto doc = parse(render_json(report));
    CHECK(doc["results"][0]["pop"].IsNull());
    CHECK(doc["results"][0]["legs"][0]["iv"].IsNull());
}

TEST_CASE("a dry run has a null run id", "[cli]") {
    auto report = sample_report();
    report.run_id = 0;
    const auto doc = parse(render_json(report));
    CHECK(doc["run"]["run_id"].IsNull());
    CHECK(render_table(report, "x.db").find("dry run, nothing stored") != std::string::npos);
}

TEST_CASE("CSV has the scalar fields, legs as text and breakevens joined by semicolons", "[cli]") {
    const auto csv = render_csv(sample_report());
    const auto newline = csv.find('\n');
    const auto header = csv.substr(0, newline);
    CHECK(header ==
          "rank,symbol,strategy,expiration,dte,strike,t_years,underlying_price,rate,"
          "dividend_yield,legs,fill_price,is_credit,mid_price,breakevens,pop,max_profit,max_loss,"
          "collateral,return_on_capital,return_on_capital_annualized,return_on_risk,delta,iv,"
          "spread_pct,open_interest,score,flags,sector,as_of,profile,execution_id,ai_verdict,"
          "ai_confidence,ai_thesis,ai_risks,ai_validation");
    std::vector<std::string> lines;
    std::istringstream in(csv);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    REQUIRE(lines.size() == 6);
    CHECK(lines[1].rfind("1,AAPL,cash_secured_put,2026-12-18,28,180,", 0) == 0);
    CHECK(lines[1].find(",sell put 180 @2.1,2.1,true,2.15,177.9,0.81234567,2.1,177.9,180,") !=
          std::string::npos);
    CHECK(lines[1].find(",\"earnings_before_expiry;x,y\",Technology,2026-11-20,daily,") !=
          std::string::npos);
    CHECK(lines[2].find(",buy put 170 @0.45; sell put 175 @0.8; sell call 200 @0.7; buy call "
                        "205 @0.34,") != std::string::npos);
    CHECK(lines[2].find(",174.29;200.71,") != std::string::npos);
    CHECK(lines[3].find(",4.25,false,4.175,196.75,0.3511,,4.25,4.25,,,,") != std::string::npos);
    CHECK(lines[4].find(",buy stock 100 @188; sell call 190 @3,") != std::string::npos);
}

TEST_CASE("the table names as-of, profile and data source, and says synthetic", "[cli]") {
    const auto table = render_table(sample_report(), "/tmp/s.db");
    CHECK(table.rfind("screener scan | profile daily | as of 2026-11-20 | data: sample market "
                      "(synthetic)\n",
                      0) == 0);
    CHECK(table.find("SYNTHETIC SAMPLE MARKET") != std::string::npos);
    CHECK(table.find("NVDA [chain]") != std::string::npos);
    CHECK(table.find("run 7 stored in /tmp/s.db") != std::string::npos);
}

TEST_CASE("the table shows one row per trade with strikes, price and risk", "[cli]") {
    const auto table = render_table(sample_report(), "/tmp/s.db");
    const auto header = table_line_of(table, "SYMBOL");
    for (const char* column : {"#", "STRAT", "EXPIRY", "DTE", "STRIKES", "PRICE", "BREAKEVEN",
                               "POP", "MAX LOSS", "RETURN", "IVR", "FLAGS", "SCORE"}) {
        INFO(column);
        CHECK(header.find(column) != std::string::npos);
    }

    const auto aapl = table_line_of(table, "AAPL ");
    CHECK(aapl.find(" CSP ") != std::string::npos);
    CHECK(aapl.find("2026-12-18") != std::string::npos);
    CHECK(aapl.find(" 180P ") != std::string::npos);
    CHECK(aapl.find("2.10 cr") != std::string::npos);
    CHECK(aapl.find("177.90") != std::string::npos);
    CHECK(aapl.find("81.2%") != std::string::npos);
    CHECK(aapl.find("15.2%") != std::string::npos); // 2.1 / 180 x 365 / 28
    CHECK(aapl.find(" 42 ") != std::string::npos);  // IVR from metrics.iv_rank
    CHECK(aapl.find("E,x,y") != std::string::npos);
    CHECK(aapl.find("0.1521") != std::string::npos);

    const auto spy = table_line_of(table, "SPY ");
    CHECK(spy.find(" IC ") != std::string::npos);
    CHECK(spy.find("170/175P 200/205C") != std::string::npos);
    CHECK(spy.find("0.71 cr") != std::string::npos);
    CHECK(spy.find("174.29/200.71") != std::string::npos);
    CHECK(spy.find("4.29") != std::string::npos);

    const auto nvda = table_line_of(table, "NVDA ");
    CHECK(nvda.find(" LC ") != std::string::npos);
    CHECK(nvda.find("192.5C") != std::string::npos);
    CHECK(nvda.find("4.25 db") != std::string::npos);
    CHECK(nvda.find(" - ") != std::string::npos); // no return, no IV rank

    const auto msft = table_line_of(table, "MSFT ");
    CHECK(msft.find(" CC ") != std::string::npos);
    CHECK(msft.find(" 190C ") != std::string::npos);

    const auto amd = table_line_of(table, "AMD ");
    CHECK(amd.find(" BPS ") != std::string::npos);
    CHECK(amd.find(" 175/180P ") != std::string::npos);

    // Columns line up: every row as long as the header up to the SCORE column's end.
    CHECK(aapl.size() == header.size());
    CHECK(spy.size() == header.size());

    CHECK(table.find("FLAGS: E earnings before expiry, W wide bid-ask spread.") !=
          std::string::npos);
}

TEST_CASE("the table says unl for an unlimited max loss", "[cli]") {
    auto report = sample_report();
    report.results = {csp()};
    report.results[0].strategy = "short_call";
    report.results[0].max_loss = std::nullopt;
    const auto table = render_table(report, "x.db");
    const auto row = table_line_of(table, "AAPL ");
    CHECK(row.find(" unl ") != std::string::npos);
    CHECK(row.find(" short_call ") != std::string::npos); // unknown strategies by name
}

TEST_CASE("explain lines are grouped by strategy and aligned", "[cli]") {
    std::ostringstream out;
    print_explain(out, "AAPL",
                  {{"cash_secured_put", "2026-12-18 P180", "kept score 0.1521"},
                   {"bull_put_spread", "2026-12-18 P180/P175", "dropped: pop 0.61 < 0.70"},
                   {"cash_secured_put", "2026-12-18 P175", "dropped: delta -0.12 outside"},
                   {"", "", "AAPL: earnings in 3 days"},
                   {"cash_secured_put", "rank", "ranked #1"}});
    const std::string text = out.str();
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "explain AAPL: 4 trade verdict(s) in 2 strategies");
    CHECK(lines[1] == "  cash_secured_put  2026-12-18 P180       kept score 0.1521");
    CHECK(lines[2] == "  cash_secured_put  2026-12-18 P175       dropped: delta -0.12 outside");
    CHECK(lines[3] == "  cash_secured_put  rank                  ranked #1");
    CHECK(lines[4] == "  bull_put_spread   2026-12-18 P180/P175  dropped: pop 0.61 < 0.70");
    CHECK(lines[5] == "  AAPL: earnings in 3 days");

    std::ostringstream empty;
    print_explain(empty, "ZZZ", {});
    CHECK(empty.str() == "explain ZZZ: 0 trade verdict(s) in 0 strategies\n");
}

TEST_CASE("output format names", "[cli]") {
    CHECK(parse_output_format("csv") == OutputFormat::Csv);
    CHECK_THROWS_AS(parse_output_format("xml"), ConfigError);
}

TEST_CASE("AI analyses show under their picks in table, JSON and CSV", "[cli][ai]") {
    auto report = sample_report();
    SECTION("off: run.ai says why, no result has an analysis") {
        report.ai_note = "ai.enabled is false";
        const auto doc = parse(render_json(report));
        CHECK(std::string(doc["run"]["ai"]["status"].GetString()) == "off");
        CHECK(std::string(doc["run"]["ai"]["reason"].GetString()) == "ai.enabled is false");
        CHECK(doc["results"][0]["ai_analysis"].IsNull());
        CHECK(render_table(report, "/tmp/s.db").find("AI") == std::string::npos);
    }
    SECTION("templated: marked as such everywhere") {
        ai::AnalysisOutcome outcome;
        outcome.status = ai::AnalysisStatus::Analysed;
        outcome.model = "claude-sonnet-5-5";
        outcome.validation = "templated";
        outcome.calls = 2;
        outcome.cost_usd = 0.0128;
        outcome.problems = {"answer 1: rank 1 (AAPL) thesis: TSLA is not one of the picks"};
        outcome.analyses = {ai::PickAnalysis{2,
                                             "SPY",
                                             "neutral",
                                             "Templated summary from the screener's figures.",
                                             {"Earnings before expiry.", "Wide spread."},
                                             "low",
                                             true}};
        report.ai = outcome;
        const auto table = render_table(report, "/tmp/s.db");
        const auto row = table.find(table_line_of(table, "  2  SPY"));
        const auto next = table.find('\n', row) + 1;
        CHECK(table.substr(next, table.find('\n', next) - next) ==
              "      AI (templated): neutral, confidence low. Templated summary from the "
              "screener's figures.");
        CHECK(table.find("      Risks: Earnings before expiry. | Wide spread.\n") !=
              std::string::npos);
        CHECK(table.find("AI analysis of the top 1 by claude-sonnet-5-5: templated, 2 call(s)") !=
              std::string::npos);

        const auto doc = parse(render_json(report));
        CHECK(std::string(doc["run"]["ai"]["validation"].GetString()) == "templated");
        CHECK(doc["run"]["ai"]["cost_usd"].GetDouble() == 0.0128);
        CHECK(doc["run"]["ai"]["problems"].Size() == 1);
        CHECK(doc["results"][0]["ai_analysis"].IsNull());
        const auto& a = doc["results"][1]["ai_analysis"];
        CHECK(a["templated"].GetBool());
        CHECK(std::string(a["verdict"].GetString()) == "neutral");
        CHECK(a["risks"].Size() == 2);

        const auto csv = render_csv(report);
        CHECK(csv.find(",neutral,low,Templated summary from the screener's figures.,Earnings "
                       "before expiry. | Wide spread.,templated\n") != std::string::npos);
    }
}

TEST_CASE("the weekly report prints its AI write-up, or why there is none", "[cli][weekly]") {
    pipeline::WeeklyReport report;
    report.writeup_note = "ai.enabled is false";
    CHECK_THAT(render_weekly_text(report),
               Catch::Matchers::Contains("AI write-up: skipped (ai.enabled is false)"));
    rapidjson::Document skipped;
    skipped.Parse(render_weekly_json(report).c_str());
    REQUIRE(skipped.IsObject());
    CHECK(std::string(skipped["writeup"]["status"].GetString()) == "skipped");
    CHECK(skipped["writeup"]["summary"].IsNull());

    ai::WriteupOutcome outcome;
    outcome.status = ai::AnalysisStatus::Analysed;
    outcome.validation = "templated";
    outcome.model = "claude-sonnet-5-5";
    outcome.cost_usd = 0.0123;
    outcome.calls = 2;
    outcome.writeup = ai::WeeklyWriteup{"Six runs.", {"Brier 0.16.", "AAPL recurred."}, true};
    report.writeup = outcome;
    const auto text = render_weekly_text(report);
    CHECK_THAT(text, Catch::Matchers::Contains(
                         "AI write-up: analysed, templated (templated from the figures), model "
                         "claude-sonnet-5-5, $0.0123\n  Six runs.\n  - Brier 0.16.\n  - AAPL "
                         "recurred.\n"));
    rapidjson::Document json;
    json.Parse(render_weekly_json(report).c_str());
    REQUIRE(json.IsObject());
    const auto& w = json["writeup"];
    CHECK(std::string(w["status"].GetString()) == "analysed");
    CHECK(std::string(w["validation"].GetString()) == "templated");
    CHECK(std::string(w["summary"].GetString()) == "Six runs.");
    CHECK(w["observations"].Size() == 2);
    CHECK(w["templated"].GetBool());
    CHECK(w["calls"].GetInt() == 2);
    CHECK(w["cost_usd"].GetDouble() == Approx(0.0123));

    report.writeup->status = ai::AnalysisStatus::BudgetExhausted;
    report.writeup->reason = "daily AI budget $0.5000 would be exceeded";
    report.writeup->writeup.reset();
    CHECK_THAT(render_weekly_text(report),
               Catch::Matchers::Contains(
                   "AI write-up: budget_exhausted: daily AI budget $0.5000 would be exceeded"));
}
