// The fake vendor server (tests/support/fake_vendor.hpp) over real loopback HTTP through the
// libcurl client: its bodies are accepted by the vendor-format parsers, and its auth, paging,
// rate limit, concurrency cap, faults, accounting and determinism behave as documented in
// docs/testing.md.

#include "screener/core/error.hpp"
#include "screener/net/http_client.hpp"
#include "screener/providers/eodhd_format.hpp"
#include "screener/providers/marketdata_format.hpp"
#include "support/fake_vendor.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <rapidjson/document.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace screener;
using namespace screener::providers;
using namespace screener::testing;
using Catch::Matchers::Contains;
using screener::net::HttpRequest;
using screener::net::HttpResponse;
using screener::net::TransportError;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_eodhd_token = "eodhd-secret-42";
constexpr const char* k_md_token = "md-secret-42";
constexpr const char* k_ctx = "TEST: fake vendor";

MarketConfig small_market(std::uint64_t seed = 7) {
    MarketConfig market;
    market.symbols = 6;
    market.seed = seed;
    return market;
}

FakeVendorOptions test_options() {
    FakeVendorOptions options;
    options.eodhd.token = k_eodhd_token;
    options.marketdata.token = k_md_token;
    return options;
}

// A started fake plus a libcurl client and helpers that add each vendor's credentials.
struct Harness {
    FakeVendor fake;
    std::unique_ptr<net::HttpClient> http = net::make_curl_client();

    explicit Harness(const MarketConfig& market = small_market(),
                     const FakeVendorOptions& options = test_options())
        : fake(market, options) {
        fake.start();
    }

    HttpResponse get(const std::string& url,
                     std::vector<std::pair<std::string, std::string>> headers = {},
                     std::chrono::milliseconds timeout = 10s) {
        HttpRequest request;
        request.url = url;
        request.headers = std::move(headers);
        request.total_timeout = timeout;
        return http->send(request);
    }
    // `path_and_query` after /api, e.g. "/eod/SYM0001.US?fmt=json".
    HttpResponse eodhd(const std::string& path_and_query, const std::string& token = k_eodhd_token,
                       std::chrono::milliseconds timeout = 10s) {
        const char sep = path_and_query.find('?') == std::string::npos ? '?' : '&';
        return get(fake.eodhd_base_url() + path_and_query + sep + "api_token=" + token, {},
                   timeout);
    }
    HttpResponse md(const std::string& path_and_query, const std::string& token = k_md_token,
                    std::chrono::milliseconds timeout = 10s) {
        return get(fake.marketdata_base_url() + path_and_query,
                   {{"Authorization", "Bearer " + token}}, timeout);
    }
};

rapidjson::Document parse(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

rapidjson::Document fixture(const std::string& name) {
    std::ifstream in(std::string(SCREENER_FIXTURES_DIR) + "/vendors/" + name);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str());
}

// Member names in order; the first element's for an array.
std::vector<std::string> keys(const rapidjson::Value& value) {
    const rapidjson::Value& object = value.IsArray() ? value[0] : value;
    std::vector<std::string> out;
    for (const auto& member : object.GetObject()) {
        out.emplace_back(member.name.GetString());
    }
    return out;
}

} // namespace

TEST_CASE("fake EODHD: bulk, eod and earnings bodies parse", "[fake_vendor]") {
    Harness h;
    const auto& market = h.fake.market();

    auto response = h.eodhd("/eod-bulk-last-day/US?fmt=json");
    REQUIRE(response.status == 200);
    CHECK(response.header("content-type") == "application/json");
    auto bulk = parse_eodhd_bulk(response.body, k_ctx);
    REQUIRE(bulk.size() == 6);
    CHECK(bulk[0].symbol == "SYM0001");
    CHECK(bulk[0].date == market.last_session());
    CHECK(bulk[0].close == market.symbols()[0].last());
    CHECK_FALSE(bulk[0].market_cap);

    response = h.eodhd("/eod-bulk-last-day/US?fmt=json&filter=extended&symbols=SYM0002.US,SYM0004");
    REQUIRE(response.status == 200);
    bulk = parse_eodhd_bulk(response.body, k_ctx);
    REQUIRE(bulk.size() == 2);
    CHECK(bulk[1].symbol == "SYM0004");
    REQUIRE(bulk[1].market_cap);
    CHECK(*bulk[1].market_cap > 0);
    CHECK(bulk[1].avg_volume_50d);
    CHECK(bulk[1].name == "SYM0004 Synthetic Holdings Inc");

    response = h.eodhd("/eod-bulk-last-day/US?fmt=json&date=2026-11-19");
    CHECK(parse_eodhd_bulk(response.body, k_ctx).at(0).date == *parse_date("2026-11-19"));

    response = h.eodhd("/eod/SYM0003.US?fmt=json&from=2026-11-02&to=2026-11-13");
    REQUIRE(response.status == 200);
    const auto bars = parse_eodhd_eod(response.body, k_ctx);
    REQUIRE(bars.size() == 10); // two weeks of sessions
    CHECK(bars.front().date == *parse_date("2026-11-02"));
    CHECK(bars.back().date == *parse_date("2026-11-13"));
    for (const auto& bar : bars) {
        CHECK(bar.low <= std::min(bar.open, bar.close));
        CHECK(bar.high >= std::max(bar.open, bar.close));
    }
    const auto full = parse_eodhd_eod(h.eodhd("/eod/SYM0003?fmt=json").body, k_ctx);
    CHECK(full.size() == 260);
    const auto descending = h.eodhd("/eod/SYM0003.US?fmt=json&order=d&from=2026-11-02");
    CHECK(parse(descending.body)[0]["date"].GetString() == std::string("2026-11-20"));
    const auto weekly = parse_eodhd_eod(h.eodhd("/eod/SYM0003.US?fmt=json&period=w").body, k_ctx);
    CHECK(weekly.size() >= 52);
    CHECK(weekly.size() <= 54);
    CHECK(h.eodhd("/eod/SYM0003.US?fmt=json&filter=last_close").body ==
          fmt::format("{}", full.back().close));
    CHECK(h.eodhd("/eod/NOPE.US?fmt=json").status == 404);

    response = h.eodhd("/calendar/earnings?fmt=json&from=2026-11-01&to=2027-03-01");
    REQUIRE(response.status == 200);
    const auto events = parse_eodhd_earnings(response.body, k_ctx);
    std::size_t expected = 0;
    for (const auto& s : market.symbols()) {
        for (const auto& e : s.earnings) {
            expected += e.report_date >= *parse_date("2026-11-01") &&
                        e.report_date <= *parse_date("2027-03-01");
        }
    }
    CHECK(events.size() == expected);
    CHECK(expected > 0);
    for (const auto& e : events) {
        CHECK(e.symbol.rfind("SYM", 0) == 0); // ".US" stripped by the parser
        CHECK((e.timing == "BeforeMarket" || e.timing == "AfterMarket"));
    }
}

TEST_CASE("fake vendor: bodies have the documented examples' fields, in their order",
          "[fake_vendor]") {
    Harness h;
    const auto same_keys = [&](const std::string& body, const std::string& example) {
        INFO(example);
        CHECK(keys(parse(body)) == keys(fixture(example)));
    };
    same_keys(h.eodhd("/eod-bulk-last-day/US?fmt=json").body,
              "eodhd/eod_bulk_last_day_default.json");
    same_keys(h.eodhd("/eod-bulk-last-day/US?fmt=json&filter=extended").body,
              "eodhd/eod_bulk_last_day_extended.json");
    same_keys(h.eodhd("/eod/SYM0001.US?fmt=json").body, "eodhd/eod.json");
    same_keys(h.eodhd("/real-time/SYM0001.US?fmt=json").body, "eodhd/real_time_single.json");
    same_keys(h.eodhd("/real-time/SYM0001.US?fmt=json&s=SYM0002.US").body,
              "eodhd/real_time_multiple.json");
    same_keys(h.eodhd("/internal-user").body, "eodhd/internal_user__paid_with_marketplace.json");
    const auto earnings = parse(h.eodhd("/calendar/earnings?fmt=json&to=2027-03-01").body);
    const auto earnings_example = fixture("eodhd/calendar_earnings.json");
    CHECK(keys(earnings) == keys(earnings_example));
    CHECK(keys(earnings["earnings"]) == keys(earnings_example["earnings"]));

    const auto contracts =
        parse(h.eodhd("/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0001"
                      "&page[limit]=5")
                  .body);
    const auto contracts_example = fixture("eodhd/mp_options_contracts.json");
    CHECK(keys(contracts) == keys(contracts_example));
    CHECK(keys(contracts["meta"]) == keys(contracts_example["meta"]));
    CHECK(contracts["meta"]["fields"] == contracts_example["meta"]["fields"]);
    CHECK(keys(contracts["data"]) == keys(contracts_example["data"]));
    CHECK(keys(contracts["data"][0]["attributes"]) ==
          keys(contracts_example["data"][0]["attributes"]));
    CHECK(keys(contracts["links"]) == keys(contracts_example["links"]));

    same_keys(h.md("/v1/options/chain/SYM0001/").body, "marketdata/options_chain_trimmed.json");
    same_keys(h.md("/v1/stocks/candles/D/SYM0001/").body, "marketdata/stocks_candles.json");
    same_keys(h.md("/v1/options/expirations/SYM0001/").body, "marketdata/options_expirations.json");
    same_keys(h.md("/v1/stocks/quotes/SYM0001/").body, "marketdata/stocks_quotes.json");
    const SimSymbol* with_earnings = nullptr;
    for (const auto& s : h.fake.market().symbols()) {
        with_earnings = s.earnings.empty() ? with_earnings : &s;
    }
    REQUIRE(with_earnings != nullptr);
    same_keys(h.md("/v1/stocks/earnings/" + with_earnings->code + "/").body,
              "marketdata/stocks_earnings.json");
}

TEST_CASE("fake EODHD: CSV without fmt=json, real-time shapes, internal-user", "[fake_vendor]") {
    Harness h;
    auto response = h.eodhd("/eod/SYM0001.US");
    REQUIRE(response.status == 200);
    CHECK(response.body.rfind("Date,Open,High,Low,Close,Adjusted_close,Volume\n", 0) == 0);
    CHECK_THROWS_WITH(parse_eodhd_eod(response.body, k_ctx), Contains("CSV"));
    CHECK_THROWS_AS(parse_eodhd_bulk(h.eodhd("/eod-bulk-last-day/US").body, k_ctx), DataError);
    CHECK_THROWS_AS(parse_eodhd_earnings(h.eodhd("/calendar/earnings").body, k_ctx), DataError);

    auto doc = parse(h.eodhd("/real-time/SYM0002.US?fmt=json").body);
    REQUIRE(doc.IsObject());
    CHECK(doc["code"].GetString() == std::string("SYM0002.US"));
    CHECK(doc["close"].GetDouble() == h.fake.market().symbols()[1].last());
    doc = parse(h.eodhd("/real-time/SYM0002.US?fmt=json&s=SYM0003.US,ZZZZ.US").body);
    REQUIRE(doc.IsArray());
    REQUIRE(doc.Size() == 3);
    CHECK(doc[2]["code"].GetString() == std::string("ZZZZ.US"));
    CHECK(doc[2]["close"].GetString() == std::string("NA")); // unknown code: 200 with "NA"
    // eod 1, bulk 100, earnings 1, real-time 1 per ticker (1 + 3).
    CHECK(h.fake.credits(Vendor::Eodhd) == 1 + 100 + 1 + 1 + 3);

    doc = parse(h.eodhd("/internal-user").body);
    CHECK(doc["apiRequests"].GetInt64() == h.fake.credits(Vendor::Eodhd) - 1);
    CHECK(doc["availableMarketplaceDataFeeds"]["requestsSpent"].GetInt64() == 0);
}

TEST_CASE("fake EODHD: a bad or missing token is 401 text/html Unauthenticated", "[fake_vendor]") {
    Harness h;
    for (const std::string token : {"wrong", ""}) {
        const auto response = h.eodhd("/eod/SYM0001.US?fmt=json", token);
        CHECK(response.status == 401);
        CHECK(response.body == "Unauthenticated");
        CHECK(response.header("content-type") == "text/html; charset=UTF-8");
        CHECK_THROWS_WITH(parse_eodhd_eod(response.body, k_ctx), Contains("Unauthenticated"));
    }
    const auto plain = h.get(h.fake.eodhd_base_url() + "/eod/SYM0001.US?fmt=json");
    CHECK(plain.status == 401);
    CHECK(h.fake.credits(Vendor::Eodhd) == 0); // failed requests are free
    CHECK(h.fake.requests().back().status == 401);
}

TEST_CASE("fake EODHD: marketplace contracts paginate through links.next", "[fake_vendor]") {
    Harness h;
    const auto& market = h.fake.market();
    const auto chain = market.chain(*market.find("SYM0001"));
    REQUIRE(chain.size() > 300);

    std::string url = h.fake.eodhd_base_url() +
                      "/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0001"
                      "&page[limit]=100&api_token=" +
                      k_eodhd_token;
    std::set<std::string> ids;
    int pages = 0;
    std::size_t total = 0;
    while (!url.empty()) {
        const auto response = h.get(url);
        REQUIRE(response.status == 200);
        ++pages;
        const auto doc = parse(response.body);
        CHECK(doc["meta"]["limit"].GetInt() == 100);
        CHECK(doc["meta"]["fields"].Size() == 43);
        total = doc["meta"]["total"].GetUint64();
        for (const auto& row : doc["data"].GetArray()) {
            CHECK(row["type"].GetString() == std::string("options-contracts"));
            CHECK(row["attributes"]["underlying_symbol"].GetString() == std::string("SYM0001"));
            ids.insert(row["id"].GetString());
        }
        const auto& next = doc["links"]["next"];
        if (next.IsNull()) {
            url.clear();
        } else {
            // The vendor's next link is a full URL without the token; the client re-adds it.
            url = std::string(next.GetString());
            CHECK(url.find("api_token") == std::string::npos);
            CHECK_THAT(url, Contains("filter[underlying_symbol]=SYM0001"));
            url += std::string("&api_token=") + k_eodhd_token;
        }
    }
    CHECK(total == chain.size());
    CHECK(ids.size() == chain.size());
    CHECK(pages == static_cast<int>((chain.size() + 99) / 100));
    CHECK(h.fake.eodhd_marketplace_credits() == 10LL * pages);

    // Filters: one expiration, puts only, a strike window, sorted by strike descending.
    const Date first = market.expirations().front();
    const auto filtered =
        parse(h.eodhd("/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0001"
                      "&filter[exp_date_from]=" +
                      format_date(first) + "&filter[exp_date_to]=" + format_date(first) +
                      "&filter[type]=put&sort=-strike")
                  .body);
    const auto& rows = filtered["data"];
    REQUIRE(rows.Size() > 5);
    CHECK(filtered["links"]["next"].IsNull());
    for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
        CHECK(rows[i]["attributes"]["type"].GetString() == std::string("put"));
        CHECK(rows[i]["attributes"]["exp_date"].GetString() == format_date(first));
        if (i > 0) {
            CHECK(rows[i]["attributes"]["strike"].GetDouble() <
                  rows[i - 1]["attributes"]["strike"].GetDouble());
        }
    }

    CHECK(h.eodhd("/mp/unicornbay/options/contracts?filter[type]=call").status == 422);
    CHECK(h.eodhd("/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0001"
                  "&page[limit]=1001")
              .status == 422);
    // "SYM0001.US" is not how the marketplace names an underlying: nothing matches.
    CHECK(parse(h.eodhd("/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0001.US")
                    .body)["meta"]["total"]
              .GetInt() == 0);
}

TEST_CASE("fake MarketData: chain defaults to the next monthly and bills per symbol",
          "[fake_vendor]") {
    Harness h;
    auto response = h.md("/v1/options/chain/SYM0002/");
    REQUIRE(response.status == 200);
    const auto chain = parse_marketdata_chain(response.body, k_ctx);
    REQUIRE_FALSE(chain.contracts.empty());
    CHECK(chain.underlying == "SYM0002");
    const Date monthly = *parse_date("2026-12-18"); // third Friday after 2026-11-20
    for (const auto& c : chain.contracts) {
        CHECK(c.expiration == monthly);
        CHECK(c.dte == 28);
        REQUIRE(c.bid);
        REQUIRE(c.ask);
        CHECK(*c.bid <= *c.ask);
        CHECK(*c.mid == Approx((*c.bid + *c.ask) / 2).margin(0.0051));
        CHECK(c.iv.value_or(0) > 0);
        CHECK(std::fabs(c.delta.value_or(9)) <= 1);
    }
    CHECK(response.header("x-api-ratelimit-consumed") == std::to_string(chain.contracts.size()));
    CHECK(response.header("x-api-ratelimit-limit") == "100000");
    CHECK(std::stoll(response.header("x-api-ratelimit-reset")) > 0);
    CHECK(h.fake.credits(Vendor::MarketData) == static_cast<long long>(chain.contracts.size()));

    const auto all =
        parse_marketdata_chain(h.md("/v1/options/chain/SYM0002/?expiration=all").body, k_ctx);
    std::set<Date> expirations;
    for (const auto& c : all.contracts) {
        expirations.insert(c.expiration);
    }
    CHECK(expirations.size() == h.fake.market().expirations().size());
    CHECK(expirations.size() >= 12);
}

TEST_CASE("fake MarketData: chain filters", "[fake_vendor]") {
    Harness h;
    const auto chain = [&](const std::string& query) {
        return parse_marketdata_chain(h.md("/v1/options/chain/SYM0001/?" + query).body, k_ctx);
    };
    auto result = chain("dte=30&side=put");
    REQUIRE_FALSE(result.contracts.empty());
    for (const auto& c : result.contracts) {
        CHECK(c.type == OptionType::Put);
        CHECK(c.dte == 28); // the expiration closest to 30 days
    }
    result = chain("from=2026-11-25&to=2026-12-12&delta=.15-.35");
    REQUIRE_FALSE(result.contracts.empty());
    std::set<Date> dates;
    for (const auto& c : result.contracts) {
        CHECK(std::fabs(*c.delta) >= 0.15);
        CHECK(std::fabs(*c.delta) <= 0.35);
        dates.insert(c.expiration);
    }
    CHECK(dates.size() == 3); // Fridays 11-27, 12-04, 12-11
    result = chain("expiration=2026-12-18&strikeLimit=2");
    CHECK(result.contracts.size() == 4); // two strikes, both sides
    result = chain("expiration=all&minOpenInterest=500&minVolume=10");
    for (const auto& c : result.contracts) {
        CHECK(*c.open_interest >= 500);
        CHECK(*c.volume >= 10);
    }
    const auto none = h.md("/v1/options/chain/SYM0001/?minOpenInterest=100000000");
    CHECK(none.status == 404);
    CHECK(none.body == R"({"s":"no_data"})");
    CHECK(parse_marketdata_chain(none.body, k_ctx).contracts.empty());
}

TEST_CASE("fake MarketData: candles, expirations, quotes and earnings", "[fake_vendor]") {
    Harness h;
    auto response = h.md("/v1/stocks/candles/D/SYM0004/?from=2026-11-02&to=2026-11-13");
    REQUIRE(response.status == 200);
    const auto candles = parse_marketdata_candles(response.body, k_ctx);
    REQUIRE(candles.size() == 10);
    CHECK(candles.front().date == *parse_date("2026-11-02"));
    const auto eod = parse_eodhd_eod(
        h.eodhd("/eod/SYM0004.US?fmt=json&from=2026-11-02&to=2026-11-13").body, k_ctx);
    for (std::size_t i = 0; i < candles.size(); ++i) {
        CHECK(candles[i].close == eod[i].close); // one market behind both vendors
    }
    CHECK(response.header("x-api-ratelimit-consumed") == "1");

    const auto expirations =
        parse_marketdata_expirations(h.md("/v1/options/expirations/SYM0004/").body, k_ctx);
    CHECK(expirations == h.fake.market().expirations());

    auto doc = parse(h.md("/v1/stocks/quotes/SYM0004/").body);
    CHECK(doc["s"].GetString() == std::string("ok"));
    CHECK(doc["last"][0].GetDouble() == h.fake.market().symbols()[3].last());
    CHECK(doc["bid"][0].GetDouble() < doc["ask"][0].GetDouble());

    const SimSymbol* with_earnings = nullptr;
    for (const auto& s : h.fake.market().symbols()) {
        if (!s.earnings.empty()) {
            with_earnings = &s;
            break;
        }
    }
    REQUIRE(with_earnings != nullptr);
    doc = parse(h.md("/v1/stocks/earnings/" + with_earnings->code + "/").body);
    CHECK(doc["reportDate"].Size() == with_earnings->earnings.size());
    CHECK(doc["reportedEPS"][doc["reportedEPS"].Size() - 1].IsNull()); // the upcoming report

    CHECK(h.md("/v1/stocks/candles/D/NOPE/").status == 404);
    // An absurd parameter is a 500 and does not leak the in-flight count.
    CHECK(h.md("/v1/stocks/candles/D/SYM0001/?from=99999999999999999999999").status == 500);
    CHECK(h.md("/v1/stocks/candles/D/SYM0001/").status == 200);
    CHECK(h.fake.requests().back().in_flight == 1);
    CHECK(h.md("/v1/options/chain/NOPE/").body == R"({"s":"no_data"})");
}

TEST_CASE("fake MarketData: auth failures and the 203 toggle", "[fake_vendor]") {
    auto options = test_options();
    options.marketdata_203_every = 2;
    Harness h(small_market(), options);
    const auto bad = h.md("/v1/options/expirations/SYM0001/", "wrong");
    CHECK(bad.status == 401);
    CHECK(parse(bad.body)["s"].GetString() == std::string("error"));
    CHECK(h.get(h.fake.marketdata_base_url() + "/v1/options/expirations/SYM0001/").status == 401);
    // ?token= is the documented alternative to the header.
    CHECK(
        h.get(h.fake.marketdata_base_url() + "/v1/options/expirations/SYM0001/?token=" + k_md_token)
            .status == 200);
    const auto second = h.md("/v1/options/expirations/SYM0001/");
    CHECK(second.status == 203); // cache-served success: same body
    CHECK(parse_marketdata_expirations(second.body, k_ctx).size() >= 12);
    CHECK(h.fake.credits(Vendor::MarketData) == 2);
}

TEST_CASE("fake MarketData: the daily credit window can be overdrawn once, then 429",
          "[fake_vendor]") {
    auto options = test_options();
    options.marketdata_daily_credits = 10;
    Harness h(small_market(), options);
    const auto first = h.md("/v1/options/chain/SYM0001/"); // more than 10 symbols
    REQUIRE(first.status == 200);
    CHECK(std::stoll(first.header("x-api-ratelimit-consumed")) > 10);
    CHECK(first.header("x-api-ratelimit-remaining") == "0");
    const auto second = h.md("/v1/options/expirations/SYM0001/");
    CHECK(second.status == 429);
    CHECK_THAT(second.body, Contains("API credit limit reached"));
}

TEST_CASE("fake vendor: status faults", "[fake_vendor]") {
    Harness h;
    Fault fault;
    fault.vendor = Vendor::MarketData;
    fault.path = "/v1/options/chain/";
    fault.kind = FaultKind::TooManyRequests;
    fault.count = 1;
    fault.retry_after_seconds = 7;
    h.fake.add_fault(fault);
    auto response = h.md("/v1/options/chain/SYM0001/");
    CHECK(response.status == 429);
    CHECK(response.header("retry-after") == "7");
    CHECK_THAT(response.body, Contains("API credit limit reached"));
    CHECK(h.md("/v1/options/chain/SYM0001/").status == 200); // count = 1

    h.fake.add_fault(parse_fault("eodhd:/api/eod/:500:1"));
    h.fake.add_fault(parse_fault("eodhd:/api/eod/:502:1"));
    h.fake.add_fault(parse_fault("eodhd:/api/eod/:503:1"));
    h.fake.add_fault(parse_fault("eodhd:/api/eod/:401:1"));
    CHECK(h.eodhd("/eod/SYM0001.US?fmt=json").status == 500);
    response = h.eodhd("/eod/SYM0001.US?fmt=json");
    CHECK(response.status == 502);
    CHECK_THAT(response.body, Contains("502 Bad Gateway"));
    CHECK_THROWS_WITH(parse_eodhd_eod(response.body, k_ctx), Contains("HTML"));
    CHECK(h.eodhd("/eod/SYM0001.US?fmt=json").status == 503);
    response = h.eodhd("/eod/SYM0001.US?fmt=json");
    CHECK(response.status == 401);
    CHECK(response.body == "Unauthenticated");
    CHECK(h.eodhd("/eod/SYM0001.US?fmt=json").status == 200);
    CHECK(h.fake.credits(Vendor::Eodhd) == 1); // only the success is billed
    const auto log = h.fake.requests();
    REQUIRE(log.size() == 7);
    CHECK(log[0].fault == "429");
    CHECK(log[3].fault == "502");
    CHECK(log[6].fault.empty());
}

TEST_CASE("fake vendor: reset and truncated bodies are transport errors for libcurl",
          "[fake_vendor]") {
    Harness h;
    h.fake.add_fault(parse_fault("marketdata:/v1/options/chain/:reset:1"));
    h.fake.add_fault(parse_fault("marketdata:/v1/options/chain/:truncate:1"));
    auto response = h.md("/v1/options/chain/SYM0001/");
    CHECK(response.transport == TransportError::Reset);
    response = h.md("/v1/options/chain/SYM0001/");
    CHECK(response.transport == TransportError::Reset);
    INFO(response.transport_message);
    response = h.md("/v1/options/chain/SYM0001/");
    CHECK(response.transport == TransportError::None);
    CHECK(response.status == 200);
}

TEST_CASE("fake vendor: a slow response trips the client timeout", "[fake_vendor]") {
    Harness h;
    Fault fault = parse_fault("eodhd:/api/real-time/:slow:1");
    fault.delay = 5s;
    h.fake.add_fault(fault);
    const auto start = std::chrono::steady_clock::now();
    const auto response = h.eodhd("/real-time/SYM0001.US?fmt=json", k_eodhd_token, 300ms);
    CHECK(response.transport == TransportError::Timeout);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(h.eodhd("/real-time/SYM0001.US?fmt=json").status == 200);
    // ~Harness interrupts the sleeping handler: the test does not wait the 5 s out.
}

TEST_CASE("fake vendor: body faults break the parsers as the real quirks do", "[fake_vendor]") {
    Harness h;
    h.fake.add_fault(parse_fault("eodhd:/api/eod-bulk-last-day/:malformed:1"));
    h.fake.add_fault(parse_fault("eodhd:/api/eod-bulk-last-day/:na:1"));
    h.fake.add_fault(parse_fault("eodhd:/api/eod-bulk-last-day/:empty:1"));
    auto response = h.eodhd("/eod-bulk-last-day/US?fmt=json");
    CHECK(response.status == 200);
    CHECK_THROWS_WITH(parse_eodhd_bulk(response.body, k_ctx), Contains("not valid JSON"));
    response = h.eodhd("/eod-bulk-last-day/US?fmt=json");
    CHECK_THAT(response.body, Contains(R"("close":"NA")"));
    CHECK_THROWS_WITH(parse_eodhd_bulk(response.body, k_ctx), Contains("NA"));
    response = h.eodhd("/eod-bulk-last-day/US?fmt=json");
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    CHECK_THROWS_WITH(parse_eodhd_bulk(response.body, k_ctx), Contains("empty body"));

    h.fake.add_fault(parse_fault("marketdata:/v1/options/chain/:ragged:1"));
    response = h.md("/v1/options/chain/SYM0001/");
    CHECK(response.status == 200);
    CHECK_THROWS_WITH(parse_marketdata_chain(response.body, k_ctx), Contains("ragged columns"));
    CHECK_THROWS_WITH(parse_marketdata_chain(response.body, k_ctx), Contains("'side'"));
    CHECK_NOTHROW(parse_marketdata_chain(h.md("/v1/options/chain/SYM0001/").body, k_ctx));
}

TEST_CASE("fake vendor: fault matching by count, symbol and regex", "[fake_vendor]") {
    Harness h;
    // The CLI example: the first 2 chain requests for SYM0003 fail, others are untouched.
    h.fake.add_fault(parse_fault("marketdata:/v1/options/chain/SYM0003/:500:2"));
    CHECK(h.md("/v1/options/chain/SYM0001/").status == 200);
    CHECK(h.md("/v1/options/chain/SYM0003/").status == 500);
    CHECK(h.md("/v1/options/chain/SYM0003/").status == 500);
    CHECK(h.md("/v1/options/chain/SYM0003/").status == 200);
    h.fake.clear_faults();

    h.fake.add_fault(parse_fault("eodhd:/api/:503:always:SYM0002"));
    CHECK(h.eodhd("/eod/SYM0002.US?fmt=json").status == 503);
    CHECK(h.eodhd("/real-time/SYM0001.US?fmt=json&s=SYM0002.US").status == 503);
    CHECK(h.eodhd("/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0002").status ==
          503);
    CHECK(h.eodhd("/eod/SYM0001.US?fmt=json").status == 200);
    h.fake.clear_faults();

    h.fake.add_fault(parse_fault("marketdata:^/v1/stocks/(candles|quotes)/:503"));
    CHECK(h.md("/v1/stocks/candles/D/SYM0001/").status == 503);
    CHECK(h.md("/v1/stocks/quotes/SYM0001/").status == 503);
    CHECK(h.md("/v1/options/expirations/SYM0001/").status == 200);
}

TEST_CASE("fake vendor: parse_fault", "[fake_vendor]") {
    auto fault = parse_fault("marketdata:/v1/options/chain/SYM0003/:500:2");
    CHECK(fault.vendor == Vendor::MarketData);
    CHECK(fault.path == "/v1/options/chain/SYM0003/");
    CHECK(fault.kind == FaultKind::ServerError);
    CHECK(fault.count == 2);
    CHECK(fault.symbol.empty());
    fault = parse_fault("eodhd:/api/eod/:truncate");
    CHECK(fault.count == -1);
    CHECK(fault.kind == FaultKind::Truncated);
    fault = parse_fault("eodhd:^/api/(eod|real-time)/:na:always:SYM0001");
    CHECK(fault.path == "^/api/(eod|real-time)/");
    CHECK(fault.kind == FaultKind::NaFields);
    CHECK(fault.symbol == "SYM0001");
    fault = parse_fault("marketdata:^/v1/a:b/:429:3"); // a ':' inside the path
    CHECK(fault.path == "^/v1/a:b/");
    CHECK(fault.count == 3);
    CHECK_THROWS_AS(parse_fault("nasdaq:/x:500"), std::invalid_argument);
    CHECK_THROWS_AS(parse_fault("eodhd:/x:teapot"), std::invalid_argument);
    CHECK_THROWS_AS(parse_fault("eodhd:/x:500:many"), std::invalid_argument);
    CHECK_THROWS_AS(parse_fault("eodhd"), std::invalid_argument);
}

TEST_CASE("fake vendor: rate limit answers 429 with Retry-After", "[fake_vendor]") {
    auto options = test_options();
    options.eodhd.rate_limit.per_minute = 3;
    options.marketdata.rate_limit.per_second = 2;
    Harness h(small_market(), options);
    std::vector<int> statuses;
    for (int i = 0; i < 5; ++i) {
        statuses.push_back(h.eodhd("/eod/SYM0001.US?fmt=json").status);
    }
    CHECK(statuses == std::vector<int>{200, 200, 200, 429, 429});
    const auto limited = h.eodhd("/eod/SYM0001.US?fmt=json");
    CHECK(limited.status == 429);
    CHECK(std::stoi(limited.header("retry-after")) >= 15); // one token per 20 s
    CHECK(std::stoi(limited.header("retry-after")) <= 20);
    CHECK(limited.header("x-ratelimit-limit") == "3");
    CHECK(limited.header("x-ratelimit-remaining") == "0");
    CHECK(h.fake.credits(Vendor::Eodhd) == 3);

    // Per second: a burst of 2, then 429 until the bucket refills.
    int refused = 0;
    std::string retry_after;
    for (int i = 0; i < 6; ++i) {
        const auto response = h.md("/v1/options/expirations/SYM0001/");
        if (response.status == 429) {
            ++refused;
            retry_after = response.header("retry-after");
            CHECK_THAT(response.body, Contains("API credit limit reached"));
        }
    }
    CHECK(refused >= 2);
    CHECK(retry_after == "1");
    std::this_thread::sleep_for(1100ms);
    CHECK(h.md("/v1/options/expirations/SYM0001/").status == 200);
}

TEST_CASE("fake vendor: concurrency cap and in-flight accounting", "[fake_vendor]") {
    auto options = test_options();
    options.marketdata.max_concurrent = 2;
    options.marketdata.latency = 300ms;
    Harness h(small_market(), options);
    std::vector<HttpResponse> responses(6);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        threads.emplace_back([&, i] { responses[i] = h.md("/v1/stocks/quotes/SYM0001/"); });
    }
    for (auto& t : threads) {
        t.join();
    }
    int ok = 0, refused = 0;
    for (const auto& r : responses) {
        if (r.status == 200) {
            ++ok;
        } else if (r.status == 429) {
            ++refused;
            CHECK(parse(r.body) == fixture("marketdata/error_429_concurrency.json"));
        }
    }
    CHECK(ok >= 2);
    CHECK(refused >= 1);
    CHECK(ok + refused == 6);
    CHECK(h.fake.max_in_flight(Vendor::MarketData) >= 3);
    int max_logged = 0;
    for (const auto& record : h.fake.requests()) {
        max_logged = std::max(max_logged, record.in_flight);
        CHECK((record.in_flight <= 2) == (record.status == 200));
    }
    CHECK(max_logged == h.fake.max_in_flight(Vendor::MarketData));
    CHECK(h.fake.credits(Vendor::MarketData) == ok);
}

TEST_CASE("fake vendor: the request log hides tokens, credits and reset", "[fake_vendor]") {
    Harness h;
    h.eodhd("/eod-bulk-last-day/US?fmt=json");
    h.eodhd("/eod/SYM0001.US?fmt=json");
    h.eodhd("/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0001");
    h.get(h.fake.marketdata_base_url() +
          "/v1/options/chain/SYM0001/?side=call&token=" + k_md_token);
    const auto log = h.fake.requests();
    REQUIRE(log.size() == 4);
    for (const auto& record : log) {
        CHECK(record.path.find("secret") == std::string::npos);
        for (const auto& [key, value] : record.params) {
            CHECK(key != "api_token");
            CHECK(key != "token");
            CHECK(value.find("secret") == std::string::npos);
        }
        CHECK(record.status == 200);
        CHECK(record.in_flight == 1);
    }
    CHECK(log[0].vendor == Vendor::Eodhd);
    CHECK(log[0].path == "/api/eod-bulk-last-day/US");
    CHECK(log[0].params == std::vector<std::pair<std::string, std::string>>{{"fmt", "json"}});
    CHECK(log[0].credits == 100);
    CHECK(log[3].vendor == Vendor::MarketData);
    CHECK(log[3].params == std::vector<std::pair<std::string, std::string>>{{"side", "call"}});
    CHECK(log[1].arrival <= log[2].arrival);
    CHECK(h.fake.credits(Vendor::Eodhd) == 111);
    CHECK(h.fake.eodhd_marketplace_credits() == 10);
    CHECK(h.fake.credits(Vendor::MarketData) == log[3].credits);
    CHECK(h.fake.request_count(Vendor::Eodhd) == 3);

    h.fake.reset_accounting();
    CHECK(h.fake.requests().empty());
    CHECK(h.fake.credits(Vendor::Eodhd) == 0);
    CHECK(h.fake.max_in_flight(Vendor::Eodhd) == 0);
}

TEST_CASE("fake vendor: same seed, same bodies", "[fake_vendor]") {
    Harness a, b, c(small_market(8));
    const std::vector<std::string> eodhd_paths = {
        "/eod-bulk-last-day/US?fmt=json&filter=extended",
        "/eod/SYM0002.US?fmt=json",
        "/calendar/earnings?fmt=json&from=2026-01-01&to=2027-12-31",
        "/mp/unicornbay/options/contracts?filter[underlying_symbol]=SYM0003",
    };
    for (const auto& path : eodhd_paths) {
        const auto body = a.eodhd(path).body;
        CHECK(body.size() > 100);
        CHECK(body == b.eodhd(path).body);
        CHECK(body != c.eodhd(path).body);
    }
    for (const std::string path :
         {"/v1/options/chain/SYM0005/?expiration=all", "/v1/stocks/candles/D/SYM0005/"}) {
        const auto body = a.md(path).body;
        CHECK(body == b.md(path).body);
        CHECK(body != c.md(path).body);
    }
    // A symbol's data does not depend on how many symbols are simulated.
    MarketConfig bigger = small_market();
    bigger.symbols = 40;
    const FakeMarket big(bigger);
    const auto& small_sym = *a.fake.market().find("SYM0004");
    const auto& big_sym = *big.find("SYM0004");
    CHECK(small_sym.last() == big_sym.last());
    CHECK(a.fake.market().chain(small_sym).size() == big.chain(big_sym).size());

    // Real-looking extra tickers are simulated and served like the others.
    MarketConfig with_extra = small_market();
    with_extra.extra_symbols = {"AAPL"};
    Harness d(with_extra);
    const auto chain = parse_marketdata_chain(d.md("/v1/options/chain/AAPL/").body, k_ctx);
    REQUIRE_FALSE(chain.contracts.empty());
    CHECK(chain.contracts[0].option_symbol.rfind("AAPL26", 0) == 0);
    CHECK(parse_eodhd_bulk(d.eodhd("/eod-bulk-last-day/US?fmt=json").body, k_ctx).size() == 7);
}

TEST_CASE("fake_vendor_server: prints its port, applies its flags, stops on SIGTERM",
          "[fake_vendor]") {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        ::execl(FAKE_VENDOR_SERVER_BIN, "fake_vendor_server", "--port", "0", "--symbols", "3",
                "--token-eodhd", "k1", "--token-marketdata", "k2", "--fault",
                "marketdata:/v1/options/chain/SYM0003/:500:1", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') {
        line += c;
    }
    ::close(out[0]);
    const std::string prefix = "listening on 127.0.0.1:";
    REQUIRE(line.rfind(prefix, 0) == 0);
    const std::string base = "http://127.0.0.1:" + line.substr(prefix.size());

    auto http = net::make_curl_client();
    HttpRequest request;
    request.url = base + "/api/eod-bulk-last-day/US?fmt=json&api_token=k1";
    auto response = http->send(request);
    REQUIRE(response.status == 200);
    CHECK(parse_eodhd_bulk(response.body, k_ctx).size() == 3);
    request.url = base + "/v1/options/chain/SYM0003/";
    request.headers = {{"Authorization", "Bearer k2"}};
    CHECK(http->send(request).status == 500);
    CHECK(http->send(request).status == 200);
    request.headers = {{"Authorization", "Bearer k1"}};
    CHECK(http->send(request).status == 401);

    REQUIRE(::kill(pid, SIGTERM) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
