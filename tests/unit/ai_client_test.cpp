// The AI step against the fake Anthropic server on 127.0.0.1 (tests/support/fake_anthropic.hpp):
// request shape, retries, refusals, malformed answers, validation with one corrective call and
// the templated fallback, the budget and the cache.

#include "screener/ai/analyst.hpp"
#include "support/ai_picks.hpp"
#include "support/fake_anthropic.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <rapidjson/document.h>

using namespace screener;
using namespace screener::ai;
using Catch::Matchers::Contains;
using screener::testing::FakeAnthropic;

namespace {

const std::string k_key = "sk-ant-test-0123456789abcdef";
const ModelPrice k_price{2, 10, 2.5, 4, 0.2}; // Sonnet 5.5

AnalystSettings settings_for(const FakeAnthropic& fake) {
    AnalystSettings s;
    s.client.base_url = fake.base_url();
    s.client.api_key = k_key;
    s.client.model = "claude-sonnet-5-5";
    s.client.max_tokens = 1024;
    s.client.retry.max_attempts = 3;
    s.client.retry.base_delay = std::chrono::milliseconds(1);
    s.client.retry.max_delay = std::chrono::milliseconds(5);
    s.client.total_timeout = std::chrono::milliseconds(20000);
    s.price = k_price;
    s.top_k = 2;
    s.daily_budget_usd = 1.0;
    return s;
}

struct Harness {
    FakeAnthropic fake{k_key};
    std::unique_ptr<net::HttpClient> http = net::make_curl_client();
    std::vector<ApiCall> calls;
    double spent_today = 0;
    std::optional<StoredAnalysis> stored;
    std::string cache_key_asked;

    Harness() { fake.start(); }

    AnalystServices services() {
        AnalystServices s;
        s.http = http.get();
        s.spent_since = [this](std::chrono::system_clock::time_point) { return spent_today; };
        s.cached = [this](const std::string& hash, std::chrono::system_clock::time_point) {
            cache_key_asked = hash;
            return stored;
        };
        s.on_call = [this](const ApiCall& call) { calls.push_back(call); };
        return s;
    }

    AnalysisOutcome run(const AnalystSettings& settings) {
        return analyse_picks(settings, services(), testing::ai_picks(), "2026-11-20");
    }
    AnalysisOutcome run() { return run(settings_for(fake)); }
};

void check_no_key(const AnalysisOutcome& outcome, const std::vector<ApiCall>& calls) {
    CHECK(outcome.reason.find(k_key) == std::string::npos);
    for (const auto& problem : outcome.problems) {
        CHECK(problem.find(k_key) == std::string::npos);
    }
    for (const auto& call : calls) {
        CHECK(call.endpoint.find(k_key) == std::string::npos);
    }
}

} // namespace

TEST_CASE("a good reply: the documented request, analyses accepted, tokens and cost counted") {
    Harness h;
    const auto outcome = h.run();
    INFO(outcome.reason);
    REQUIRE(h.fake.request_count() == 1);
    const auto request = h.fake.requests().front();
    CHECK(request.key_matched);
    CHECK(request.anthropic_version == "2023-06-01");
    rapidjson::Document body;
    REQUIRE_FALSE(body.Parse(request.body.c_str()).HasParseError());
    CHECK(std::string(body["model"].GetString()) == "claude-sonnet-5-5");
    CHECK(body["max_tokens"].GetInt() == 1024);
    CHECK_FALSE(body.HasMember("temperature")); // only when configured
    CHECK_THAT(request.system, Contains("JSON"));
    REQUIRE(request.messages.size() == 1);
    CHECK_THAT(request.messages[0], Contains("Pick rank 1: AVGO"));

    CHECK(outcome.status == AnalysisStatus::Analysed);
    CHECK(outcome.validation == "accepted");
    CHECK(outcome.problems.empty());
    REQUIRE(outcome.analyses.size() == 2);
    CHECK(outcome.analyses[0].symbol == "AVGO");
    CHECK(outcome.analyses[0].verdict == "favourable");
    CHECK_FALSE(outcome.analyses[0].templated);
    CHECK(outcome.calls == 1);
    CHECK(outcome.usage.input_tokens == 1200);
    CHECK(outcome.usage.output_tokens == 400);
    CHECK(outcome.cost_usd == Approx((1200 * 2 + 400 * 10) / 1e6));
    CHECK(outcome.request_id == "req_fake_0001");
    CHECK(outcome.input_hash.size() == 32);
    CHECK(h.cache_key_asked == outcome.input_hash);
    REQUIRE(h.calls.size() == 1);
    CHECK(h.calls[0].provider == "anthropic");
    CHECK(h.calls[0].endpoint == "/v1/messages");
    CHECK(h.calls[0].status == 200);
    CHECK(h.calls[0].cost_usd == Approx(outcome.cost_usd));
}

TEST_CASE("temperature and the API version are sent as configured") {
    Harness h;
    auto settings = settings_for(h.fake);
    settings.client.temperature = 0.2;
    settings.client.anthropic_version = "2026-10-21";
    (void)h.run(settings);
    REQUIRE(h.fake.request_count() == 1);
    rapidjson::Document body;
    body.Parse(h.fake.requests().front().body.c_str());
    REQUIRE(body.HasMember("temperature"));
    CHECK(body["temperature"].GetDouble() == Approx(0.2));
    CHECK(h.fake.requests().front().anthropic_version == "2026-10-21");
}

TEST_CASE("a reply with thinking blocks: only the text blocks are the answer") {
    Harness h;
    h.fake.script({testing::reply_grounded(true)});
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Analysed);
    CHECK(outcome.validation == "accepted");
    CHECK(outcome.analyses.size() == 2);
}

TEST_CASE("429 with retry-after is waited for, then the call succeeds") {
    Harness h;
    h.fake.script({testing::reply_status(
        429, testing::error_body("rate_limit_error", "This request would exceed the rate limit"),
        {{"retry-after", "1"}})});
    const auto started = std::chrono::steady_clock::now();
    const auto outcome = h.run();
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(outcome.validation == "accepted");
    CHECK(h.fake.request_count() == 2);
    CHECK(waited >= std::chrono::milliseconds(900)); // the server's second, not the 1 ms backoff
    REQUIRE(h.calls.size() == 2);
    CHECK(h.calls[0].status == 429);
    CHECK(h.calls[0].cost_usd == 0);
}

TEST_CASE("retry-after-ms is honoured and wins over retry-after") {
    Harness h;
    h.fake.script({testing::reply_status(429, testing::error_body("rate_limit_error", "slow down"),
                                         {{"retry-after-ms", "20"}, {"retry-after", "30"}})});
    const auto outcome = h.run();
    CHECK(outcome.validation == "accepted");
    CHECK(h.fake.request_count() == 2);
}

TEST_CASE("529 overloaded twice, then success") {
    Harness h;
    const auto overloaded =
        testing::reply_status(529, testing::error_body("overloaded_error", "Overloaded"));
    h.fake.script({overloaded, overloaded});
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Analysed);
    CHECK(outcome.validation == "accepted");
    CHECK(h.fake.request_count() == 3);
    CHECK(outcome.calls == 1);
}

TEST_CASE("529 on every attempt fails the step after max_attempts") {
    Harness h;
    h.fake.set_default(
        testing::reply_status(529, testing::error_body("overloaded_error", "Overloaded")));
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Failed);
    CHECK(outcome.degraded());
    CHECK_THAT(outcome.reason, Contains("HTTP 529 overloaded_error: Overloaded"));
    CHECK(h.fake.request_count() == 3);
    CHECK(outcome.analyses.empty());
}

TEST_CASE("x-should-retry: false stops retries of a 5xx") {
    Harness h;
    h.fake.set_default(
        testing::reply_status(503, testing::error_body("api_error", "Internal server error"),
                              {{"x-should-retry", "false"}}));
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Failed);
    CHECK(h.fake.request_count() == 1);
}

TEST_CASE("400 credit balance too low turns AI off for the run, no retry") {
    Harness h;
    h.fake.set_default(testing::reply_status(
        400, testing::error_body("invalid_request_error",
                                 "Your credit balance is too low to access the Anthropic API. "
                                 "Please go to Plans & Billing to upgrade or purchase credits.")));
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Refused);
    CHECK(outcome.degraded());
    CHECK_THAT(outcome.reason, Contains("credit balance is too low"));
    CHECK_THAT(outcome.reason, Contains("HTTP 400"));
    CHECK(h.fake.request_count() == 1);
    check_no_key(outcome, h.calls);
}

TEST_CASE("401 (a wrong key) turns AI off for the run and never echoes the key") {
    Harness h;
    auto settings = settings_for(h.fake);
    settings.client.api_key = "sk-ant-WRONG-key-55aa";
    const auto outcome = h.run(settings);
    CHECK(outcome.status == AnalysisStatus::Refused);
    CHECK_THAT(outcome.reason, Contains("HTTP 401 authentication_error: invalid x-api-key"));
    CHECK(outcome.reason.find("sk-ant-WRONG") == std::string::npos);
    CHECK(h.fake.request_count() == 1);
    CHECK_FALSE(h.fake.requests().front().key_matched);
}

TEST_CASE("a 200 whose body is not JSON fails the step without a retry") {
    Harness h;
    h.fake.set_default(
        testing::reply_status(200, R"({"id":"msg_01","type":"message","content":[{"type":"te)"));
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Failed);
    CHECK_THAT(outcome.reason, Contains("not JSON"));
    CHECK(h.fake.request_count() == 1);
    CHECK(outcome.analyses.empty());
}

TEST_CASE("an invented number is rejected, asked once more, then templated") {
    Harness h;
    h.fake.set_default(testing::reply_inventing_number());
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Analysed);
    CHECK(outcome.validation == "templated");
    CHECK_FALSE(outcome.degraded());
    REQUIRE(h.fake.request_count() == 2);
    const auto retry = h.fake.requests()[1];
    REQUIRE(retry.messages.size() == 3); // prompt, the rejected answer, the correction
    CHECK_THAT(retry.messages[1], Contains("97.3%"));
    CHECK_THAT(retry.messages[2], Contains("rejected"));
    CHECK_THAT(retry.messages[2], Contains("the number 97.3% is not among the facts given"));
    REQUIRE(outcome.analyses.size() == 2);
    for (const auto& a : outcome.analyses) {
        CHECK(a.templated);
        CHECK_THAT(a.thesis, Contains("Templated summary"));
    }
    CHECK(outcome.calls == 2);
    CHECK(outcome.cost_usd == Approx(2 * (1200 * 2 + 400 * 10) / 1e6));
    CHECK_THAT(outcome.reason, Contains("rejected twice"));
}

TEST_CASE("an invented ticker is rejected, asked once more, then templated") {
    Harness h;
    h.fake.set_default(testing::reply_inventing_ticker());
    const auto outcome = h.run();
    CHECK(outcome.validation == "templated");
    REQUIRE(h.fake.request_count() == 2);
    CHECK_THAT(h.fake.requests()[1].messages[2], Contains("TSLA is not one of the picks"));
    CHECK(outcome.analyses.at(0).templated);
}

TEST_CASE("a rejected answer corrected on the second call is accepted") {
    Harness h;
    h.fake.script({testing::reply_inventing_ticker(), testing::reply_grounded()});
    const auto outcome = h.run();
    CHECK(outcome.validation == "accepted_on_retry");
    CHECK(h.fake.request_count() == 2);
    CHECK_FALSE(outcome.analyses.at(0).templated);
    CHECK_FALSE(outcome.problems.empty());
}

TEST_CASE("budget exhausted: no call is made") {
    Harness h;
    h.spent_today = 0.999; // of 1.00; the call could cost more than what is left
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::BudgetExhausted);
    CHECK(outcome.degraded());
    CHECK_THAT(outcome.reason, Contains("daily AI budget $1.0000 would be exceeded"));
    CHECK(h.fake.request_count() == 0);
    CHECK(h.calls.empty());
}

TEST_CASE("cache hit: the stored analysis is reused, no call is made") {
    Harness h;
    StoredAnalysis stored;
    stored.id = 41;
    stored.model = "claude-sonnet-5-5";
    stored.validation = "accepted";
    stored.analyses = {PickAnalysis{1, "AVGO", "favourable", "Stored thesis.", {}, "high", false}};
    h.stored = stored;
    const auto outcome = h.run();
    CHECK(outcome.status == AnalysisStatus::Cached);
    CHECK(outcome.cached_from == 41);
    CHECK(outcome.analyses.at(0).thesis == "Stored thesis.");
    CHECK(outcome.cost_usd == 0);
    CHECK(h.fake.request_count() == 0);
}

TEST_CASE("top_k limits the picks sent") {
    Harness h;
    auto settings = settings_for(h.fake);
    settings.top_k = 1;
    const auto outcome = h.run(settings);
    CHECK(outcome.analyses.size() == 1);
    CHECK(h.fake.requests().at(0).messages.at(0).find("AMZN") == std::string::npos);
}

TEST_CASE("an answer cut short at max_tokens is rejected with that reason and asked again") {
    Harness h;
    std::string cut = testing::message_body({R"({"analyses":[{"rank":1,"symbol":"AVGO","thes)"});
    cut.replace(cut.find("end_turn"), 8, "max_tokens");
    h.fake.script({testing::reply_status(200, cut), testing::reply_grounded()});
    const auto outcome = h.run();
    CHECK(outcome.validation == "accepted_on_retry");
    REQUIRE(h.fake.request_count() == 2);
    CHECK_THAT(h.fake.requests()[1].messages[2],
               Contains("the answer stopped early (stop_reason max_tokens)"));
}
