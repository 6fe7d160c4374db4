// The ai module without a server: Messages API bodies (the recorded fixtures), retry rules, the
// cost formula, the prompt's facts and hash, and the validator's rules.

#include "screener/ai/anthropic.hpp"
#include "screener/ai/cost.hpp"
#include "screener/ai/prompt.hpp"
#include "screener/ai/validator.hpp"
#include "screener/core/error.hpp"
#include "support/ai_picks.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

using namespace screener;
using namespace screener::ai;
using Catch::Matchers::Contains;
using std::chrono::milliseconds;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(SCREENER_FIXTURES_DIR) + "/anthropic/" + name);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

net::HttpResponse response(int status,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    net::HttpResponse r;
    r.status = status;
    r.headers = std::move(headers);
    return r;
}

bool contains(const std::vector<std::string>& items, const std::string& needle) {
    return std::any_of(items.begin(), items.end(), [&](const std::string& item) {
        return item.find(needle) != std::string::npos;
    });
}

TextNumber only_number(const std::string& text) {
    const auto numbers = extract_numbers(text);
    REQUIRE(numbers.size() == 1);
    return numbers.front();
}

} // namespace

TEST_CASE("a recorded 200 message parses to its text, stop reason and usage") {
    const MessageReply reply = parse_message(fixture("messages_200.json"));
    CHECK(reply.id == "msg_014x2Sxq2p6sewFyUbJp8Mg3");
    CHECK(reply.model == "claude-haiku-4-5-20251001");
    CHECK_THAT(reply.text, Contains("68\u00b0F"));
    CHECK(reply.stop_reason == "end_turn");
    CHECK(reply.usage.input_tokens == 770);
    CHECK(reply.usage.output_tokens == 33);
    CHECK(reply.usage.cache_write_tokens == 0);
    CHECK(reply.usage.cache_read_tokens == 0);
    CHECK(reply.skipped_blocks == 0);
}

TEST_CASE("thinking blocks are skipped and text blocks concatenated") {
    const MessageReply reply = parse_message(fixture("messages_200_thinking.json"));
    CHECK(reply.text == "First part. Second part.");
    CHECK(reply.skipped_blocks == 2);
    CHECK(reply.usage.input_tokens == 2048);
    CHECK(reply.usage.output_tokens == 700);
    CHECK(reply.usage.cache_write_tokens == 1000);
    CHECK(reply.usage.cache_write_1h_tokens == 400);
    CHECK(reply.usage.cache_read_tokens == 500);
}

TEST_CASE("bodies that are not a message are data errors") {
    CHECK_THROWS_AS(parse_message("{\"type\":\"message\",\"content\":"), DataError);
    CHECK_THROWS_AS(parse_message("<html>502</html>"), DataError);
    CHECK_THROWS_AS(parse_message(fixture("error_529_overloaded.json")), DataError);
}

TEST_CASE("error bodies of every documented shape parse as far as they go") {
    const auto credit = parse_error_body(fixture("error_400_credit_balance_too_low.json"));
    CHECK(credit.type == "invalid_request_error");
    CHECK_THAT(credit.message, Contains("credit balance is too low"));
    CHECK(credit.request_id == "req_011CbrFTcXhtiMzr3s6EocF7");
    CHECK(is_refusal(400, credit));

    const auto auth = parse_error_body(fixture("error_401_invalid_api_key.json"));
    CHECK(auth.type == "authentication_error");
    CHECK(is_refusal(401, auth));

    const auto rate = parse_error_body(fixture("error_429_rate_limit.json"));
    CHECK(rate.type == "rate_limit_error");
    CHECK(rate.request_id.empty()); // this recorded body has none
    CHECK_FALSE(is_refusal(429, rate));

    // The 413 body comes from Cloudflare: no top-level type, no request_id.
    const auto large = parse_error_body(fixture("error_413_request_too_large.json"));
    CHECK(large.type == "request_too_large");
    CHECK(large.message == "Request exceeds the maximum size");
    CHECK_FALSE(is_refusal(413, large));

    const auto overloaded = parse_error_body(fixture("error_529_overloaded.json"));
    CHECK(overloaded.type == "overloaded_error");

    // Another 400 is an answer about the request, not a refusal of the account.
    CHECK_FALSE(is_refusal(400, {"invalid_request_error", "prompt is too long", ""}));
    CHECK(parse_error_body("<html>bad gateway</html>").message == "<html>bad gateway</html>");
}

TEST_CASE("only 408, 409, 429, 5xx and 529 are retried, unless x-should-retry says otherwise") {
    for (int status : {408, 409, 429, 500, 502, 503, 504, 529}) {
        CHECK(should_retry(response(status)));
    }
    for (int status : {400, 401, 403, 404, 413, 422}) {
        CHECK_FALSE(should_retry(response(status)));
    }
    CHECK_FALSE(should_retry(response(529, {{"x-should-retry", "false"}})));
    CHECK(should_retry(response(400, {{"x-should-retry", "true"}})));
    net::HttpResponse refused;
    refused.transport = net::TransportError::ConnectFailed;
    CHECK(should_retry(refused));
}

TEST_CASE("the server's wait: retry-after-ms first, then retry-after in seconds or a date") {
    const auto now = std::chrono::system_clock::now();
    CHECK(server_retry_delay(response(429, {{"retry-after-ms", "250"}}), now) == milliseconds(250));
    CHECK(server_retry_delay(response(429, {{"retry-after-ms", "40.2"}, {"retry-after", "9"}}),
                             now) == milliseconds(41));
    CHECK(server_retry_delay(response(429, {{"retry-after", "2"}}), now) == milliseconds(2000));
    CHECK(server_retry_delay(response(429, {{"retry-after", "1.5"}}), now) == milliseconds(1500));
    CHECK(server_retry_delay(response(429, {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}),
                             now) == milliseconds(0));
    CHECK_FALSE(server_retry_delay(response(429), now));
    CHECK_FALSE(server_retry_delay(response(429, {{"retry-after", "soon"}}), now));
}

TEST_CASE("cost: every token kind at its own price, per million") {
    // Sonnet 4.6: input 3, 5 m write 3.75, 1 h write 6, hit 0.30, output 15 (USD per million).
    const ModelPrice sonnet{3, 15, 3.75, 6.0, 0.30};
    Usage usage;
    usage.input_tokens = 2048;
    usage.output_tokens = 700;
    usage.cache_write_tokens = 1000;
    usage.cache_write_1h_tokens = 400;
    usage.cache_read_tokens = 500;
    // 2048 x 3 + 600 x 3.75 + 400 x 6 + 500 x 0.3 + 700 x 15 = 21444 micro-dollars
    CHECK(call_cost(sonnet, usage) == Approx(0.021444).epsilon(1e-12));
    // Without a 1 h price, 1 h writes cost the 5 m price.
    const ModelPrice no_1h{3, 15, 3.75, std::nullopt, 0.30};
    CHECK(call_cost(no_1h, usage) == Approx(0.020544).epsilon(1e-12));
    // The recorded Haiku 4.5 reply: 770 in x $1 + 33 out x $5.
    CHECK(call_cost({1, 5, 1.25, 2, 0.1}, parse_message(fixture("messages_200.json")).usage) ==
          Approx(0.000935).epsilon(1e-12));
    CHECK(call_cost(sonnet, Usage{}) == 0);
    // Worst case before sending: 3000 bytes ~ 1000 input tokens, plus every output token.
    CHECK(worst_case_cost(sonnet, 3000, 2048) == Approx((1000 * 3 + 2048 * 15) / 1e6));
}

TEST_CASE("the prompt states the picks' facts and the hash follows them") {
    const auto picks = testing::ai_picks();
    const auto facts = pick_facts(picks[0]);
    const std::string prompt = user_prompt("2026-11-20", {facts, pick_facts(picks[1])});
    CHECK_THAT(prompt, Contains("Pick rank 1: AVGO"));
    CHECK_THAT(prompt, Contains("Pick rank 2: AMZN"));
    CHECK_THAT(prompt, Contains("- probability of profit (PoP): 65.8%"));
    CHECK_THAT(prompt, Contains("- breakevens: $297.24, $332.7"));
    CHECK_THAT(prompt, Contains("- max loss: $7.24 per share ($723.50 per contract)"));
    CHECK_THAT(prompt, Contains("- IV rank (0-100): 62"));
    CHECK_THAT(prompt, Contains("- next earnings date: 2026-11-25"));
    CHECK_THAT(prompt, Contains("- data-quality grade of the option chain: A"));
    CHECK_THAT(prompt, Contains("- flags: earnings_before_expiry"));
    CHECK_THAT(prompt, Contains("sell 1 put 300"));
    CHECK_THAT(system_prompt(), Contains("\"verdict\""));

    const std::string system = system_prompt();
    const std::string hash = input_hash("claude-sonnet-5-5", system, prompt);
    CHECK(hash.size() == 32);
    CHECK(hash == input_hash("claude-sonnet-5-5", system, prompt));
    CHECK(hash != input_hash("claude-opus-5-5", system, prompt));
    auto changed = picks;
    changed[1].fill_price = 1.95;
    CHECK(hash != input_hash("claude-sonnet-5-5", system,
                             user_prompt("2026-11-20", {facts, pick_facts(changed[1])})));
}

TEST_CASE("numbers are read after normalising $, thousands, % and signs") {
    auto n = only_number("a credit of $1,234.50 today");
    CHECK(n.value == 1234.5);
    CHECK(n.dollars);
    CHECK(n.decimals == 2);
    n = only_number("PoP is 65.8% here");
    CHECK(n.value == Approx(65.8));
    CHECK(n.percent);
    n = only_number("about 12 percent");
    CHECK(n.percent);
    CHECK(only_number("delta -0.17").value == Approx(0.17));
    CHECK(only_number("a loss of -$7.24").dollars);
    // Identifiers and dates are not figures.
    CHECK(extract_numbers("IV30 and HV20 and AVGO261127P00290000 in Q3").empty());
    CHECK(extract_numbers("expires 2026-12-18").empty());
    CHECK(extract_dates("expires 2026-12-18, earnings 2026-11-25") ==
          std::vector<std::string>{"2026-12-18", "2026-11-25"});
    CHECK(extract_numbers("one, 2 and 3").size() == 2);
}

TEST_CASE("a number matches an input rounded to the decimals written, or within the tolerance") {
    const double tolerance = 0.005;
    CHECK(number_matches(only_number("66%"), 65.84681713403351, tolerance));
    CHECK(number_matches(only_number("65.8%"), 65.84681713403351, tolerance));
    CHECK(number_matches(only_number("2.8"), 2.765, tolerance));
    CHECK(number_matches(only_number("$2.77"), 2.765, tolerance));
    CHECK(number_matches(only_number("$723.50"), 723.5, tolerance));
    CHECK(number_matches(only_number("$7.25"), 7.235, tolerance)); // 0.2% off
    CHECK_FALSE(number_matches(only_number("$7.25"), 7.235, 0.0)); // no tolerance: must round
    CHECK_FALSE(number_matches(only_number("$300"), 297.235, tolerance)); // 0.9% off
    CHECK_FALSE(number_matches(only_number("91%"), 65.84681713403351, tolerance));
    CHECK(number_matches(only_number("-0.17"), -0.1684, tolerance)); // signs dropped
}

TEST_CASE("ticker detection skips the trade's abbreviations and ordinary words") {
    CHECK(extract_tickers("IV is high, PoP is 66%, OTM strikes, 16:00 ET, 7 DTE, ATM IV").empty());
    CHECK(extract_tickers("IV30 and HV60 and IVR; NOT a sure thing; the AI said OK").empty());
    CHECK(extract_tickers("Apple and Tesla are words here") == std::vector<std::string>{});
    CHECK(extract_tickers("unlike TSLA or $F and BRK.B") ==
          std::vector<std::string>{"TSLA", "F", "BRK.B"});
    CHECK(extract_tickers("AVGO's condor") == std::vector<std::string>{"AVGO"});
}

TEST_CASE("banned phrasing: guarantees, risk-free, personal advice") {
    CHECK(banned_phrases("This is guaranteed income.") == std::vector<std::string>{"guarantee"});
    CHECK(banned_phrases("A Risk-Free way to earn") == std::vector<std::string>{"risk-free"});
    CHECK(banned_phrases("You can\u2019t lose here") == std::vector<std::string>{"can't lose"});
    CHECK(banned_phrases("You should open it today") == std::vector<std::string>{"you should"});
    CHECK(banned_phrases("I recommend this trade") == std::vector<std::string>{"i recommend"});
    CHECK(banned_phrases("Defined risk; the max loss is capped.").empty());
}

TEST_CASE("the validator accepts grounded answers and names every problem of the others") {
    const auto candidates = testing::ai_picks();
    const std::vector<PickFacts> picks = {pick_facts(candidates[0]), pick_facts(candidates[1])};
    const auto answer = [](const std::string& first_thesis,
                           const std::string& second_symbol = "AMZN") {
        return R"({"analyses":[{"rank":1,"symbol":"AVGO","verdict":"favourable","thesis":")" +
               first_thesis +
               R"(","risks":["Earnings on 2026-11-25 fall before expiry."],"confidence":"medium"},)"
               R"({"rank":2,"symbol":")" +
               second_symbol +
               R"(","verdict":"neutral","thesis":"A put at 210 for $1.90.","risks":[],"confidence":"low"}]})";
    };
    const double tolerance = 0.005;

    auto good = validate_answer(
        "```json\n" +
            answer("AVGO's iron condor collects $2.77 ($276.50 per contract) with a 66% PoP, "
                   "breakevens $297.24 / $332.77 and an IV rank of 62; 2 short strikes; "
                   "30-day ATM IV 45.6% over a 60-day HV of 32.5%, 100 shares per contract.") +
            "\n```",
        picks, "2026-11-20", tolerance);
    INFO(fmt::format("{}", fmt::join(good.problems, "; ")));
    CHECK(good.ok);
    REQUIRE(good.analyses.size() == 2);
    CHECK(good.analyses[0].verdict == "favourable");
    CHECK(good.analyses[1].symbol == "AMZN");

    auto invented =
        validate_answer(answer("PoP is 97.3% by backtest."), picks, "2026-11-20", tolerance);
    CHECK_FALSE(invented.ok);
    CHECK(contains(invented.problems, "97.3% is not among the facts"));

    auto ticker = validate_answer(answer("It trades like TSLA."), picks, "2026-11-20", tolerance);
    CHECK_FALSE(ticker.ok);
    CHECK(contains(ticker.problems, "TSLA is not one of the picks"));

    auto banned =
        validate_answer(answer("A guaranteed, risk-free credit."), picks, "2026-11-20", tolerance);
    CHECK(contains(banned.problems, "banned phrasing \"guarantee\""));
    CHECK(contains(banned.problems, "banned phrasing \"risk-free\""));

    auto date = validate_answer(answer("Expires 2027-01-15."), picks, "2026-11-20", tolerance);
    CHECK(contains(date.problems, "the date 2027-01-15"));

    auto swapped = validate_answer(answer("Fine.", "MSFT"), picks, "2026-11-20", tolerance);
    CHECK(contains(swapped.problems, "symbol is 'MSFT', expected 'AMZN'"));

    auto prose = validate_answer("I think both trades look fine.", picks, "2026-11-20", tolerance);
    CHECK(contains(prose.problems, "not the JSON object"));

    auto missing = validate_answer(
        R"({"analyses":[{"rank":1,"symbol":"AVGO","verdict":"great","thesis":"ok","risks":[],"confidence":"sure"}]})",
        picks, "2026-11-20", tolerance);
    CHECK(contains(missing.problems, "verdict 'great'"));
    CHECK(contains(missing.problems, "confidence 'sure'"));
    CHECK(contains(missing.problems, "rank 2 (AMZN): no analysis given"));
}

TEST_CASE("the templated summary is built from the facts and marked") {
    const auto c = testing::ai_condor(1, "AVGO");
    const auto a = templated_analysis(c);
    CHECK(a.templated);
    CHECK(a.verdict == "neutral");
    CHECK(a.confidence == "low");
    CHECK_THAT(a.thesis, Contains("Templated summary"));
    CHECK_THAT(a.thesis, Contains("iron condor on AVGO"));
    CHECK_THAT(a.thesis, Contains("PoP 65.8%"));
    CHECK(contains(a.risks, "Earnings on 2026-11-25"));

    const auto back = parse_analyses_json(analyses_json({a}));
    REQUIRE(back.size() == 1);
    CHECK(back[0].templated);
    CHECK(back[0].risks == a.risks);
    CHECK(back[0].thesis == a.thesis);
    CHECK_THROWS_AS(parse_analyses_json("{}"), DataError);
}
