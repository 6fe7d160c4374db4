// The weekly write-up's grounding: facts of the week as labelled figures, the model's answer
// checked against them (numbers, tickers, dates, banned phrasing, JSON shape), the templated
// fallback built from the same facts.
#include "screener/ai/validator.hpp"
#include "screener/ai/weekly_writeup.hpp"
#include "screener/core/error.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace screener;
using namespace screener::ai;
using Catch::Matchers::Contains;

namespace {

WeekFacts sample_facts() {
    WeekFacts f;
    f.section("Runs of the week, 2026-11-22 to 2026-11-29");
    f.add("runs", "6 (5 ok, 1 degraded, 0 failed, 0 interrupted)");
    f.add("cost recorded on the runs", "$0.04");
    f.section("Calibration of the picks made since 2025-11-20 (graded, one per distinct trade)");
    f.add("daily / cash_secured_put", "11 picks, 9 wins, realised win rate 81.8%, mean predicted "
                                      "PoP 74.0%, Brier score 0.1600, return on capital 1.1% "
                                      "predicted vs 0.9% realised");
    f.section("Recurring candidates (trades ranked by two or more runs of the week)");
    f.add_symbol("AAPL");
    f.add("AAPL", "cash_secured_put expiring 2026-12-18 (-P225), ranked by 5 runs, best rank 1, "
                  "best score 0.4100");
    return f;
}

std::string answer(const std::string& summary, const std::vector<std::string>& observations) {
    std::string items;
    for (const auto& o : observations) {
        items += (items.empty() ? "\"" : ",\"") + o + "\"";
    }
    return "{\"summary\": \"" + summary + "\", \"observations\": [" + items + "]}";
}

const std::string k_as_of = "2026-11-27";

} // namespace

TEST_CASE("week facts: every figure of the labels and texts, percentages also as fractions",
          "[ai][weekly]") {
    const auto facts = sample_facts();
    const auto numbers = facts.numbers();
    const auto has = [&](double x) {
        return std::any_of(numbers.begin(), numbers.end(),
                           [&](double n) { return std::abs(n - x) < 1e-9; });
    };
    CHECK(has(6));
    CHECK(has(0.04));
    CHECK(has(81.8));
    CHECK(has(0.818));
    CHECK(has(0.16));
    CHECK(has(225) == false); // a leg (-P225) is an identifier, not a figure
    // A half-dollar strike in a leg (-P23.5) is one identifier too (this once never returned).
    CHECK(extract_numbers("legs -P23.5/+P21.5, score 0.15").size() == 1);
    const auto dates = facts.dates();
    CHECK(std::count(dates.begin(), dates.end(), "2026-12-18") == 1);
    CHECK(std::count(dates.begin(), dates.end(), "2025-11-20") == 1);
    CHECK(facts.symbols() == std::vector<std::string>{"AAPL"});
    const auto prompt = weekly_user_prompt(k_as_of, facts);
    CHECK_THAT(prompt, Contains("Weekly pass as of the 2026-11-27 close."));
    CHECK_THAT(prompt, Contains("\nRecurring candidates (trades ranked by two or more runs of the "
                                "week):\n- AAPL: cash_secured_put expiring 2026-12-18"));
}

TEST_CASE("a write-up quoting only the facts is accepted", "[ai][weekly]") {
    const auto v = validate_writeup(
        "```json\n" +
            answer("Six runs, 5 ok and 1 degraded, cost $0.04. Cash-secured puts won 81.8% "
                   "against a predicted PoP of 74%.",
                   {"The Brier score was 0.16 over 11 picks made since 2025-11-20.",
                    "AAPL (expiring December 18, 2026) was ranked by 5 runs.",
                    "Realised return on capital 0.9% trailed the 1.1% predicted."}) +
            "\n```",
        sample_facts(), k_as_of, 0.005);
    INFO(v.problems.size());
    for (const auto& p : v.problems) {
        UNSCOPED_INFO(p);
    }
    CHECK(v.ok);
    CHECK_THAT(v.writeup.summary, Contains("81.8%"));
    CHECK(v.writeup.observations.size() == 3);
    CHECK_FALSE(v.writeup.templated);
}

TEST_CASE("a number that is not among the facts is rejected", "[ai][weekly]") {
    const auto v = validate_writeup(answer("The win rate was 81.8%.", {"Brier score 0.27."}),
                                    sample_facts(), k_as_of, 0.005);
    CHECK_FALSE(v.ok);
    REQUIRE(v.problems.size() == 1);
    CHECK(v.problems[0] == "observation 1: the number 0.27 is not among the facts given");

    const auto pct =
        validate_writeup(answer("Win rate of 97.3%.", {}), sample_facts(), k_as_of, 0.005);
    REQUIRE(pct.problems.size() == 1);
    CHECK(pct.problems[0] == "summary: the number 97.3% is not among the facts given");
}

TEST_CASE("a ticker, a date or phrasing not allowed is rejected", "[ai][weekly]") {
    const auto v = validate_writeup(
        answer("AAPL recurred; TSLA did not.",
               {"Expiry 2027-01-15 follows.", "This is risk-free income, you should add more."}),
        sample_facts(), k_as_of, 0.005);
    CHECK_FALSE(v.ok);
    const auto has = [&](const std::string& text) {
        return std::any_of(v.problems.begin(), v.problems.end(),
                           [&](const std::string& p) { return p == text; });
    };
    CHECK(has("summary: TSLA is not one of the symbols in the facts"));
    CHECK(has("observation 1: the date 2027-01-15 is not among the facts given"));
    CHECK(has("observation 2: banned phrasing \"risk-free\""));
    CHECK(has("observation 2: banned phrasing \"you should\""));
    CHECK(v.problems.size() == 4);
}

TEST_CASE("the write-up's JSON shape is checked", "[ai][weekly]") {
    const auto facts = sample_facts();
    CHECK(validate_writeup("The week went well.", facts, k_as_of, 0.005).problems ==
          std::vector<std::string>{"the answer is not the JSON object asked for"});
    CHECK(validate_writeup(R"({"summary": "", "observations": []})", facts, k_as_of, 0.005)
              .problems == std::vector<std::string>{"the JSON object has no \"summary\" text"});
    CHECK(validate_writeup(R"({"summary": "ok", "observations": "none"})", facts, k_as_of, 0.005)
              .problems ==
          std::vector<std::string>{"the JSON object has no \"observations\" array"});
    CHECK(validate_writeup(R"({"summary": "ok", "observations": [3]})", facts, k_as_of, 0.005)
              .problems ==
          std::vector<std::string>{"an entry of \"observations\" is not a string"});
}

TEST_CASE("the templated write-up is the facts themselves, grounded and marked", "[ai][weekly]") {
    const auto facts = sample_facts();
    const auto w = templated_writeup(facts);
    CHECK(w.templated);
    REQUIRE(w.observations.size() == 3);
    CHECK(w.observations[0] == "Runs of the week, 2026-11-22 to 2026-11-29: runs 6 (5 ok, 1 "
                               "degraded, 0 failed, 0 interrupted); cost recorded on the runs "
                               "$0.04");
    CHECK_THAT(w.observations[2], Contains("AAPL cash_secured_put expiring 2026-12-18"));
    // What the screener writes passes its own validator.
    const auto check = validate_writeup(writeup_json(w), facts, k_as_of, 0.005);
    for (const auto& p : check.problems) {
        UNSCOPED_INFO(p);
    }
    CHECK(check.ok);

    const auto back = parse_writeup_json(writeup_json(w));
    CHECK(back.summary == w.summary);
    CHECK(back.observations == w.observations);
    CHECK(back.templated);
    CHECK_THROWS_AS(parse_writeup_json("[1]"), DataError);
    CHECK_THROWS_AS(parse_writeup_json(R"({"summary": "s"})"), DataError);
}
