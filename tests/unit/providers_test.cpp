// Vendor-format parsers on the documented examples and hand-made quirks, the sample provider over
// the bundled data/sample, and the provider registry.

#include "screener/config/config.hpp"
#include "screener/core/error.hpp"
#include "screener/net/http_client.hpp"
#include "screener/providers/eodhd_format.hpp"
#include "screener/providers/marketdata_format.hpp"
#include "screener/providers/sample_provider.hpp"
#include "screener/providers/vendor_json.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <unistd.h>

using namespace screener;
using namespace screener::providers;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

ChainRequest window(Date as_of, int dte_min, int dte_max) {
    ChainRequest request;
    request.as_of = as_of;
    request.dte_min = dte_min;
    request.dte_max = dte_max;
    return request;
}

const fs::path k_fixtures = fs::path(SCREENER_FIXTURES_DIR) / "vendors";
const fs::path k_sample = fs::path(SCREENER_SOURCE_DIR) / "data" / "sample";
constexpr const char* k_ctx = "TEST: vendor /endpoint (fixture)";

std::string fixture(const std::string& relative) {
    return read_whole_file(k_fixtures / relative);
}

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// The message of the DataError `fn` throws; fails the test when it throws nothing.
template <typename Fn>
std::string data_error(Fn&& fn) {
    try {
        fn();
    } catch (const DataError& e) {
        return e.what();
    }
    FAIL("expected a DataError");
    return {};
}

// A fresh directory under the system temp dir, removed when the guard goes.
struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> counter{0};
        path =
            fs::temp_directory_path() / ("screener_providers_test_" + std::to_string(::getpid()) +
                                         "_" + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// EODHD

TEST_CASE("eodhd eod: documented example", "[eodhd]") {
    const auto bars = parse_eodhd_eod(fixture("eodhd/eod.json"), k_ctx);
    REQUIRE(bars.size() == 2);
    CHECK(bars[0].date == ymd(2022, 1, 3));
    CHECK(bars[0].open == 177.83);
    CHECK(bars[0].high == 182.88);
    CHECK(bars[0].low == 177.71);
    CHECK(bars[0].close == 182.01);
    CHECK(bars[0].adjusted_close == 179.2736);
    CHECK(bars[0].volume == 104487900);
    CHECK(bars[1].date == ymd(2022, 1, 4));
    CHECK(bars[1].close == 179.7);
}

TEST_CASE("eodhd eod: sorted oldest first, integral prices, missing adjusted_close", "[eodhd]") {
    const auto bars = parse_eodhd_eod(
        R"([{"date":"2024-01-03","open":10,"high":11,"low":9,"close":10.5,"volume":5},
            {"date":"2024-01-02","open":"9.5","high":10,"low":9,"close":9.75,"volume":7}])",
        k_ctx);
    REQUIRE(bars.size() == 2);
    CHECK(bars[0].date == ymd(2024, 1, 2));
    CHECK(bars[0].open == 9.5); // numeric string accepted
    CHECK(bars[0].adjusted_close == 9.75);
    CHECK(bars[1].open == 10);
    CHECK(parse_eodhd_eod("[]", k_ctx).empty());
}

TEST_CASE("eodhd eod: missing or NA required field names row and field", "[eodhd]") {
    const auto na = data_error([] {
        parse_eodhd_eod(R"([{"date":"2024-01-02","open":1,"high":1,"low":1,"close":1,"volume":1},
                            {"date":"2024-01-03","open":1,"high":1,"low":1,"close":"NA",
                             "volume":1}])",
                        k_ctx);
    });
    CHECK_THAT(na, StartsWith(k_ctx));
    CHECK_THAT(na, Contains("row 1") && Contains("'close'") && Contains("NA"));

    const auto missing = data_error([] {
        parse_eodhd_eod(R"([{"date":"2024-01-02","open":1,"high":1,"low":1,"close":1}])", k_ctx);
    });
    CHECK_THAT(missing, Contains("row 0: field 'volume' is missing"));

    const auto bad_date = data_error([] {
        parse_eodhd_eod(R"([{"date":"02/01/2024","open":1,"high":1,"low":1,"close":1,
                             "volume":1}])",
                        k_ctx);
    });
    CHECK_THAT(bad_date, Contains("'date'") && Contains("02/01/2024"));

    const auto bad_number = data_error([] {
        parse_eodhd_eod(R"([{"date":"2024-01-02","open":true,"high":1,"low":1,"close":1,
                             "volume":1}])",
                        k_ctx);
    });
    CHECK_THAT(bad_number, Contains("'open' is a boolean"));
}

TEST_CASE("eodhd bulk: default shape", "[eodhd]") {
    const auto rows = parse_eodhd_bulk(fixture("eodhd/eod_bulk_last_day_default.json"), k_ctx);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].symbol == "ABIN");
    CHECK(rows[0].exchange == "VI");
    CHECK(rows[0].name.empty());
    CHECK(rows[0].date == ymd(2024, 11, 5));
    CHECK(rows[0].close == 53.96);
    CHECK(rows[0].volume == 11);
    CHECK_FALSE(rows[0].market_cap);
    CHECK_FALSE(rows[0].avg_volume_50d);
}

TEST_CASE("eodhd bulk: filter=extended shape", "[eodhd]") {
    const auto rows = parse_eodhd_bulk(fixture("eodhd/eod_bulk_last_day_extended.json"), k_ctx);
    REQUIRE(rows.size() == 1);
    const auto& r = rows[0];
    CHECK(r.symbol == "MSFT");
    CHECK(r.name == "Microsoft Corporation");
    CHECK(r.exchange == "US");
    CHECK(r.open == 408.33);
    CHECK(r.close == 411.46);
    CHECK(r.volume == 17429735);
    REQUIRE(r.market_cap);
    CHECK(*r.market_cap == 3051053121536.0);
    REQUIRE(r.avg_volume_50d);
    CHECK(*r.avg_volume_50d == 18974565.08);
    REQUIRE(r.avg_volume_200d);
    CHECK(*r.avg_volume_200d == 20144592.27);
}

TEST_CASE("eodhd bulk: fractional volume, NA and null optionals", "[eodhd]") {
    const auto rows = parse_eodhd_bulk(
        R"([{"code":"ATT","exchange_short_name":"AU","date":"2024-09-30","open":0.0433,
             "high":0.0548,"low":0.0394,"close":0.0548,"adjusted_close":0.0548,
             "volume":1765967.53,"MarketCapitalization":"NA","avgvol_50d":null,
             "avgvol_200d":"NA"}])",
        k_ctx);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].volume == 1765967.53);
    CHECK(rows[0].close == 0.0548);
    CHECK_FALSE(rows[0].market_cap);
    CHECK_FALSE(rows[0].avg_volume_50d);
    CHECK_FALSE(rows[0].avg_volume_200d);
}

TEST_CASE("eodhd bulk: the all-NA answer for an unknown code is an error", "[eodhd]") {
    const auto message = data_error([] {
        parse_eodhd_bulk(R"([{"code":"IBTA","date":"2024-09-30","open":"NA","high":"NA",
                              "low":"NA","close":"NA","volume":"NA"}])",
                         k_ctx);
    });
    CHECK_THAT(message, StartsWith(k_ctx) && Contains("row 0: field 'open'"));
}

TEST_CASE("eodhd earnings: documented example, suffix stripped", "[eodhd]") {
    const auto events = parse_eodhd_earnings(fixture("eodhd/calendar_earnings.json"), k_ctx);
    REQUIRE(events.size() == 2);
    CHECK(events[0].symbol == "AAPL");
    CHECK(events[0].report_date == ymd(2023, 2, 2));
    CHECK(events[0].timing == "AfterMarket");
    CHECK(events[1].symbol == "MSFT");
    CHECK(events[1].report_date == ymd(2023, 4, 25));
}

TEST_CASE("eodhd earnings: null timing, foreign suffix kept, nulls in figures", "[eodhd]") {
    const auto events = parse_eodhd_earnings(
        R"({"type":"Earnings","earnings":[
            {"code":"140410.KQ","report_date":"2022-12-31","date":"2022-09-30",
             "before_after_market":"AfterMarket","currency":"KRW","actual":69.171,
             "estimate":null,"difference":null,"percent":null},
            {"code":"COST.US","report_date":"2026-12-10","date":"2026-11-30",
             "before_after_market":null,"currency":null,"actual":null,"estimate":4.49,
             "difference":null,"percent":null}]})",
        k_ctx);
    REQUIRE(events.size() == 2);
    CHECK(events[0].symbol == "140410.KQ");
    CHECK(events[1].symbol == "COST");
    CHECK(events[1].timing.empty());
    CHECK(events[1].report_date == ymd(2026, 12, 10));
}

TEST_CASE("eodhd earnings: wrong shapes", "[eodhd]") {
    CHECK_THAT(data_error([] { parse_eodhd_earnings("[]", k_ctx); }),
               Contains("expected a JSON object"));
    CHECK_THAT(data_error([] { parse_eodhd_earnings(R"({"type":"Earnings"})", k_ctx); }),
               Contains("no 'earnings' array"));
    CHECK_THAT(
        data_error([] { parse_eodhd_earnings(R"({"earnings":[{"code":"AAPL.US"}]})", k_ctx); }),
        Contains("row 0: field 'report_date' is missing"));
}

TEST_CASE("eodhd options contracts: documented JSON:API page", "[eodhd]") {
    const auto page =
        parse_eodhd_options(fixture("eodhd/mp_options_contracts.json"), "eodhd /mp test");
    CHECK(page.total == 14394);
    REQUIRE(page.next);
    CHECK(*page.next == "https://eodhd.com/api/mp/unicornbay/options/contracts?sort=-exp_date&"
                        "filter[underlying_symbol]=AAPL&page[offset]=5&page[limit]=5");
    REQUIRE(page.contracts.size() == 1); // the notes trim the example to one row
    const auto& c = page.contracts[0];
    CHECK(c.option_symbol == "AAPL271217C00420000");
    CHECK(c.underlying == "AAPL");
    CHECK(c.expiration == ymd(2027, 12, 17));
    CHECK(c.type == OptionType::Call);
    CHECK(c.strike == 420);
    CHECK(c.dte == 857);
    CHECK(*c.bid == 2.85);
    CHECK(*c.ask == 4.4);
    CHECK(*c.mid == 3.63);
    CHECK(*c.open_interest == 299);
    CHECK(*c.iv == 0.2337);
    CHECK(*c.delta == 0.097466);
    CHECK(c.updated == unix_from_date(ymd(2025, 8, 12)) + 20 * 3600);
    CHECK_FALSE(c.underlying_price); // the marketplace sends none
    // The eod variant has the same envelope and attributes.
    const auto eod = parse_eodhd_options(fixture("eodhd/mp_options_eod.json"), "eodhd /mp eod");
    CHECK_FALSE(eod.contracts.empty());
}

TEST_CASE("eodhd options contracts: nulls, last page, wrong shapes", "[eodhd]") {
    const std::string last_page = R"({"meta":{"offset":0,"limit":1000,"total":1},"data":[
        {"id":"X","type":"options-contracts","attributes":{"contract":"KO261218P00060000",
         "underlying_symbol":"KO","exp_date":"2026-12-18","type":"put","strike":60,
         "bid":null,"ask":"NA","volatility":null,"bid_date":null,"dte":null}}],
        "links":{"next":null}})";
    const auto page = parse_eodhd_options(last_page, "ctx");
    CHECK_FALSE(page.next);
    REQUIRE(page.contracts.size() == 1);
    CHECK(page.contracts[0].type == OptionType::Put);
    CHECK_FALSE(page.contracts[0].bid);
    CHECK_FALSE(page.contracts[0].ask);
    CHECK(page.contracts[0].updated == 0);
    CHECK_THAT(data_error([] {
                   parse_eodhd_options(R"({"data":[{"attributes":{"contract":"X",
        "underlying_symbol":"KO","exp_date":"2026-12-18","type":"straddle","strike":1}}]})",
                                       "eodhd /mp KO");
               }),
               Contains("eodhd /mp KO") && Contains("straddle"));
    CHECK_THAT(data_error([] { parse_eodhd_options(R"({"message":"Forbidden"})", "eodhd /mp"); }),
               Contains("Forbidden"));
    CHECK_THAT(data_error([] { parse_eodhd_options("[]", "eodhd /mp"); }), Contains("JSON:API"));
}

TEST_CASE("eodhd fundamentals: dividend fields, none announced, wrong shape", "[eodhd]") {
    const auto payer = parse_eodhd_dividends(
        R"({"Highlights":{"DividendShare":1.03,"DividendYield":0.0041,"PERatio":31.6},
            "SplitsDividends":{"ExDividendDate":"2026-12-08","ForwardAnnualDividendRate":1.04}})",
        "f");
    CHECK(payer.yield == 0.0041);
    CHECK(*payer.annual_amount == 1.03);
    CHECK(*payer.ex_date == ymd(2026, 12, 8));
    const auto none = parse_eodhd_dividends(
        R"({"Highlights":{"DividendShare":null,"DividendYield":"NA"},
            "SplitsDividends":{"ExDividendDate":"0000-00-00"}})",
        "f");
    CHECK(none.yield == 0);
    CHECK_FALSE(none.annual_amount);
    CHECK_FALSE(none.ex_date);
    CHECK(parse_eodhd_dividends("{}", "f").yield == 0);
    CHECK_THAT(data_error([] { parse_eodhd_dividends("[]", "eodhd /fundamentals AAPL"); }),
               Contains("eodhd /fundamentals AAPL"));
}

TEST_CASE("eodhd real-time: one object, an array, and the all-NA unknown ticker", "[eodhd]") {
    const auto one = parse_eodhd_real_time(fixture("eodhd/real_time_single.json"), "rt");
    REQUIRE(one.size() == 1);
    CHECK(one[0].code == "AAPL.US");
    CHECK(*one[0].close == 231.41);
    const auto many = parse_eodhd_real_time(fixture("eodhd/real_time_multiple.json"), "rt");
    CHECK(many.size() >= 2);
    const auto unknown = parse_eodhd_real_time(
        R"({"code":"XXXX.US","timestamp":"NA","gmtoffset":0,"open":"NA","high":"NA",
            "low":"NA","close":"NA","volume":"NA","previousClose":"NA","change":"NA",
            "change_p":"NA"})",
        "rt");
    REQUIRE(unknown.size() == 1);
    CHECK_FALSE(unknown[0].close);
}

TEST_CASE("eodhd: bodies that are not JSON get a clear error", "[eodhd]") {
    SECTION("CSV answer without fmt=json") {
        const auto m = data_error([] {
            parse_eodhd_eod("Date,Open,High,Low,Close,Adjusted_close,Volume\n"
                            "2022-01-03,177.83,182.88,177.71,182.01,179.2736,104487900\n",
                            k_ctx);
        });
        CHECK_THAT(m, StartsWith(k_ctx) && Contains("CSV") && Contains("fmt=json"));
    }
    SECTION("plain-text Unauthenticated") {
        const auto m = data_error([] { parse_eodhd_bulk("Unauthenticated", k_ctx); });
        CHECK_THAT(m, StartsWith(k_ctx) && Contains("Unauthenticated") && Contains("API token"));
    }
    SECTION("HTML") {
        const auto m = data_error([] { parse_eodhd_earnings("<html><body>502</body>", k_ctx); });
        CHECK_THAT(m, Contains("HTML"));
    }
    SECTION("empty") {
        CHECK_THAT(data_error([] { parse_eodhd_eod("  \n", k_ctx); }), Contains("empty body"));
    }
    SECTION("truncated JSON") {
        const auto m = data_error([] { parse_eodhd_eod(R"([{"date":"2022-01-03","op)", k_ctx); });
        CHECK_THAT(m, Contains("not valid JSON") && Contains("offset"));
    }
    SECTION("an error object where rows are expected, token redacted") {
        const auto m = data_error([] {
            parse_eodhd_eod(R"({"message":"bad request URL: /api/eod/X?api_token=SECRET123&a=b"})",
                            k_ctx);
        });
        CHECK_THAT(m, Contains("bad request URL") && Contains("api_token=***"));
        CHECK_THAT(m, !Contains("SECRET123"));
    }
}

TEST_CASE("error messages are one line and never carry a token", "[vendor_json]") {
    const auto s = vendor_json::sanitize("a\nb token=abc&x=1 Authorization: Bearer xyz.def end");
    CHECK(s == "a b token=***&x=1 Authorization: Bearer *** end");
}

// ---------------------------------------------------------------------------------------------
// MarketData.app

TEST_CASE("marketdata chain: the official example is rejected as ragged", "[marketdata]") {
    const auto m =
        data_error([] { parse_marketdata_chain(fixture("marketdata/options_chain.json"), k_ctx); });
    CHECK_THAT(m, StartsWith(k_ctx));
    CHECK_THAT(m, Contains("'side' has 96") && Contains("'optionSymbol' has 92"));
}

TEST_CASE("marketdata chain: trimmed consistent example", "[marketdata]") {
    const auto chain =
        parse_marketdata_chain(fixture("marketdata/options_chain_trimmed.json"), k_ctx);
    CHECK(chain.underlying == "AAPL");
    REQUIRE(chain.contracts.size() == 7);
    for (const auto& c : chain.contracts) {
        CHECK(c.expiration == ymd(2023, 6, 16)); // 1686945600 = 16:00 ET
        CHECK(c.dte == 26);
        CHECK_FALSE(c.rho); // the docs example has no rho column
    }
    const auto& c175 = chain.contracts[2];
    CHECK(c175.option_symbol == "AAPL230616C00175000");
    CHECK(c175.type == OptionType::Call);
    CHECK(c175.strike == 175);
    CHECK(c175.updated == 1684702875);
    CHECK(*c175.bid == 4.15);
    CHECK(*c175.ask == 4.25);
    CHECK(*c175.mid == 4.2);
    CHECK(*c175.last == 4.2);
    CHECK(*c175.open_interest == 62509);
    CHECK(*c175.volume == 7619);
    CHECK(*c175.underlying_price == 175.13);
    CHECK(*c175.iv == 0.192);
    CHECK(*c175.delta == 0.549);
    CHECK(*c175.gamma == 0.043);
    CHECK(*c175.theta == -0.08);
    CHECK(*c175.vega == 0.192);
    const auto& c265 = chain.contracts[4];
    CHECK(c265.strike == 265);
    CHECK(*c265.bid == 0);
    CHECK_FALSE(c265.last); // null in the example
    CHECK(chain.contracts[5].type == OptionType::Put);
    CHECK(chain.contracts[5].option_symbol == "AAPL230616P00060000");
}

TEST_CASE("marketdata chain: nullable analytics, rho present, status absent", "[marketdata]") {
    const auto chain = parse_marketdata_chain(
        R"({"optionSymbol":["SPXW240202P04845000","SPXW240202C04845000"],
            "underlying":["SPXW","SPXW"],"expiration":[1706907600,1706907600],
            "side":["put","call"],"strike":[4845.0,4845],"dte":[1,1],
            "bid":[7.2,null],"ask":[7.4,null],"last":[7.35,null],
            "iv":[0.192,null],"delta":[-0.309,null],"gamma":[0.007,null],
            "theta":[-8.494,null],"vega":[0.988,null],"rho":[0.107,null]})",
        k_ctx);
    REQUIRE(chain.contracts.size() == 2);
    CHECK(chain.contracts[0].expiration == ymd(2024, 2, 2));
    CHECK(*chain.contracts[0].rho == 0.107);
    CHECK(chain.contracts[0].strike == 4845);
    CHECK_FALSE(chain.contracts[1].iv);
    CHECK_FALSE(chain.contracts[1].delta);
    CHECK_FALSE(chain.contracts[1].rho);
    CHECK_FALSE(chain.contracts[1].bid);
    CHECK_FALSE(chain.contracts[1].open_interest); // column absent
}

TEST_CASE("marketdata chain: bad rows name row and field", "[marketdata]") {
    const auto base = [](const std::string& side, const std::string& strike) {
        return R"({"s":"ok","optionSymbol":["A1","A2"],"underlying":["A","A"],)"
               R"("expiration":[1686945600,1686945600],"side":["call",)" +
               side + R"(],"strike":[5,)" + strike + "]}";
    };
    CHECK_THAT(data_error([&] { parse_marketdata_chain(base("\"both\"", "6"), k_ctx); }),
               StartsWith(k_ctx) && Contains("row 1: field 'side'") && Contains("both"));
    CHECK_THAT(data_error([&] { parse_marketdata_chain(base("\"put\"", "null"), k_ctx); }),
               Contains("row 1: field 'strike' is null"));
    CHECK_THAT(data_error([&] { parse_marketdata_chain(base("\"put\"", "-1"), k_ctx); }),
               Contains("row 1: field 'strike'"));
    CHECK_THAT(data_error([] {
                   parse_marketdata_chain(R"({"s":"ok","optionSymbol":["A1"],"side":["call"]})",
                                          k_ctx);
               }),
               Contains("required column 'underlying' is missing"));
    CHECK_THAT(data_error([] {
                   parse_marketdata_chain(
                       R"({"s":"ok","optionSymbol":["A1"],"underlying":["A"],"expiration":[1],)"
                       R"("side":["put"],"strike":[1],"bid":5})",
                       k_ctx);
               }),
               Contains("column 'bid' is a number, expected an array"));
    CHECK_THAT(data_error([] { parse_marketdata_chain(R"({"s":"maybe"})", k_ctx); }),
               Contains("unknown status"));
    CHECK_THAT(data_error([] { parse_marketdata_chain("optionSymbol,side\nA1,call\n", k_ctx); }),
               Contains("CSV"));
    CHECK_THAT(data_error([] { parse_marketdata_chain("[1,2]", k_ctx); }),
               Contains("expected a JSON object"));
}

TEST_CASE("marketdata: no_data bodies are empty results", "[marketdata]") {
    for (const char* file : {"marketdata/error_404_no_data_market_closed.json",
                             "marketdata/error_404_no_data_next_prev_null.json"}) {
        const auto body = fixture(file);
        CHECK(parse_marketdata_chain(body, k_ctx).contracts.empty());
        CHECK(parse_marketdata_expirations(body, k_ctx).empty());
        CHECK(parse_marketdata_candles(body, k_ctx).empty());
    }
}

TEST_CASE("marketdata: error bodies carry errmsg", "[marketdata]") {
    const std::pair<const char*, const char*> cases[] = {
        {"marketdata/error_400_invalid_option_symbol.json", "Invalid option symbol"},
        {"marketdata/error_404_no_option_found.json", "No option found"},
        {"marketdata/error_429_credit_limit.json", "API credit limit reached"},
        {"marketdata/error_403_multiple_ip.json", "Only one device is permitted"},
    };
    for (const auto& [file, text] : cases) {
        const auto body = fixture(file);
        for (const auto& m : {data_error([&] { parse_marketdata_chain(body, k_ctx); }),
                              data_error([&] { parse_marketdata_expirations(body, k_ctx); }),
                              data_error([&] { parse_marketdata_candles(body, k_ctx); })}) {
            CHECK_THAT(m, StartsWith(k_ctx) && Contains("vendor error") && Contains(text));
        }
    }
}

TEST_CASE("marketdata expirations: documented example", "[marketdata]") {
    const auto dates =
        parse_marketdata_expirations(fixture("marketdata/options_expirations.json"), k_ctx);
    REQUIRE(dates.size() == 18);
    CHECK(dates.front() == ymd(2022, 9, 23));
    CHECK(dates[7] == ymd(2022, 12, 16));
    CHECK(dates.back() == ymd(2025, 1, 17));
    CHECK_THAT(data_error([] {
                   parse_marketdata_expirations(R"({"s":"ok","expirations":["2022-13-01"]})",
                                                k_ctx);
               }),
               Contains("'expirations'") && Contains("2022-13-01"));
    CHECK_THAT(data_error([] { parse_marketdata_expirations(R"({"s":"ok"})", k_ctx); }),
               Contains("no 'expirations' array"));
}

TEST_CASE("marketdata bulk candles: documented example as snapshot rows", "[marketdata]") {
    const auto rows =
        parse_marketdata_bulkcandles(fixture("marketdata/stocks_bulkcandles.json"), "bulk");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].symbol == "AAPL");
    CHECK(rows[0].close == 196.94);
    CHECK(rows[0].volume == 40714051);
    CHECK(rows[0].date == ymd(2023, 12, 20)); // 1703048400 = midnight New York, 05:00 UTC
    CHECK_FALSE(rows[0].market_cap);
    CHECK_FALSE(rows[0].avg_volume_50d);
    CHECK(parse_marketdata_bulkcandles(R"({"s":"no_data"})", "bulk").empty());
}

TEST_CASE("marketdata quotes: documented example, no_data, missing last", "[marketdata]") {
    const auto quotes = parse_marketdata_quotes(fixture("marketdata/stocks_quotes.json"), "q");
    REQUIRE(quotes.size() == 3);
    CHECK(quotes[0].symbol == "AAPL");
    CHECK(quotes[0].last == 247.94);
    CHECK(*quotes[0].bid == 247.87);
    CHECK(*quotes[0].ask == 247.94);
    CHECK(*quotes[0].volume == 27255134);
    CHECK(quotes[0].updated == 1769210435);
    CHECK(quotes[2].symbol == "MSFT");
    CHECK(parse_marketdata_quotes(R"({"s":"no_data"})", "q").empty());
    const auto untraded = parse_marketdata_quotes(
        R"({"s":"ok","symbol":["NEWCO"],"last":[null],"bid":[null],"ask":[null]})", "q");
    CHECK(untraded.empty());
    CHECK_THAT(data_error([] {
                   parse_marketdata_quotes(R"({"s":"ok","symbol":["A","B"],"last":[1]})", "q");
               }),
               Contains("ragged"));
}

TEST_CASE("marketdata candles: documented example", "[marketdata]") {
    const auto bars = parse_marketdata_candles(fixture("marketdata/stocks_candles.json"), k_ctx);
    REQUIRE(bars.size() == 3);
    CHECK(bars[0].date == ymd(2019, 9, 24)); // 1569297600 = midnight ET
    CHECK(bars[0].open == 221.03);
    CHECK(bars[0].high == 222.49);
    CHECK(bars[0].low == 217.19);
    CHECK(bars[0].close == 217.68);
    CHECK(bars[0].adjusted_close == 217.68);
    CHECK(bars[0].volume == 33463820);
    CHECK(bars[1].low == 217.1402);
    CHECK(bars[2].open == 220);
    CHECK(bars[2].date == ymd(2019, 9, 26));
    CHECK_THAT(data_error([] {
                   parse_marketdata_candles(R"({"s":"ok","o":[1],"h":[1],"l":[1],"c":[1,2],)"
                                            R"("v":[1],"t":[1569297600]})",
                                            k_ctx);
               }),
               Contains("'c' has 2 entries but 't' has 1"));
}

// ---------------------------------------------------------------------------------------------
// Sample provider

TEST_CASE("sample: manifest and snapshot", "[sample]") {
    SampleProvider sample(k_sample);
    CHECK(sample.name() == "sample");
    REQUIRE(sample.snapshot_date());
    CHECK(*sample.snapshot_date() == ymd(2026, 11, 20));
    CHECK(sample.symbols().size() == 40);

    const auto rows = sample.exchange_snapshot(ymd(2026, 11, 20));
    CHECK(rows.size() >= 55);
    std::set<std::string> codes;
    for (const auto& r : rows) {
        codes.insert(r.symbol);
        CHECK(r.date == ymd(2026, 11, 20));
        CHECK(r.close > 0);
    }
    for (const auto& symbol : sample.symbols()) {
        CHECK(codes.count(symbol) == 1);
    }
    // Universe-only names exist for the prefilter: penny prices and thin volume.
    const auto penny = std::count_if(rows.begin(), rows.end(),
                                     [](const StockSnapshot& r) { return r.close < 1.0; });
    const auto thin = std::count_if(rows.begin(), rows.end(), [](const StockSnapshot& r) {
        return r.avg_volume_50d && *r.avg_volume_50d < 100000;
    });
    CHECK(penny >= 3);
    CHECK(thin >= 3);
}

TEST_CASE("sample: every optionable symbol has history, expirations and chains", "[sample]") {
    SampleProvider sample(k_sample);
    const Date as_of = *sample.snapshot_date();
    const auto snapshot = sample.exchange_snapshot(as_of);
    for (const auto& symbol : sample.symbols()) {
        INFO(symbol);
        const auto bars = sample.daily_history(symbol, add_days(as_of, -365), as_of);
        REQUIRE(bars.size() >= 240);
        CHECK(bars.back().date == as_of);
        CHECK(std::is_sorted(bars.begin(), bars.end(),
                             [](const Bar& a, const Bar& b) { return a.date < b.date; }));
        const auto row = std::find_if(snapshot.begin(), snapshot.end(),
                                      [&](const StockSnapshot& r) { return r.symbol == symbol; });
        REQUIRE(row != snapshot.end());
        CHECK(row->close == bars.back().close); // the bulk row is the last bar

        const auto expirations = sample.expirations(symbol);
        CHECK(expirations.size() == 6);
        CHECK(expirations.front() == ymd(2026, 11, 27));
        CHECK(expirations.back() == ymd(2027, 2, 19));

        const auto chain = sample.option_chain(symbol, window(as_of, 7, 60));
        CHECK(chain.underlying == symbol);
        REQUIRE(chain.contracts.size() >= 150);
        bool call = false, put = false;
        for (const auto& c : chain.contracts) {
            CHECK(c.dte >= 7);
            CHECK(c.dte <= 60);
            CHECK(c.underlying == symbol);
            call = call || c.type == OptionType::Call;
            put = put || c.type == OptionType::Put;
        }
        CHECK(call);
        CHECK(put);
    }
}

TEST_CASE("sample: DTE window filtering", "[sample]") {
    SampleProvider sample(k_sample);
    const Date as_of = ymd(2026, 11, 20);
    const auto chain = sample.option_chain("AAPL", window(as_of, 20, 30));
    REQUIRE_FALSE(chain.contracts.empty());
    std::set<int> dtes;
    for (const auto& c : chain.contracts) {
        dtes.insert(c.dte);
        CHECK(c.dte == days_between(as_of, c.expiration));
    }
    CHECK(dtes == std::set<int>{21, 28});
    CHECK(sample.option_chain("AAPL", window(as_of, 0, 6)).contracts.empty());
    CHECK(sample.option_chain("AAPL", window(as_of, 91, 91)).contracts.size() > 0);
    // The window counts from the request's date: a day later, every DTE is one less.
    const auto later = sample.option_chain("AAPL", window(add_days(as_of, 1), 6, 6));
    REQUIRE_FALSE(later.contracts.empty());
    CHECK(later.contracts.front().expiration == ymd(2026, 11, 27));
}

TEST_CASE("sample: history window and earnings calendar filtering", "[sample]") {
    SampleProvider sample(k_sample);
    const Date as_of = ymd(2026, 11, 20);
    const auto bars = sample.daily_history("KO", ymd(2026, 11, 16), ymd(2026, 11, 19));
    REQUIRE(bars.size() == 4);
    CHECK(bars.front().date == ymd(2026, 11, 16));
    CHECK(bars.back().date == ymd(2026, 11, 19));

    const auto upcoming = sample.earnings_calendar(as_of, add_days(as_of, 70));
    CHECK(upcoming.size() >= 5);
    CHECK(upcoming.size() <= 8);
    bool crm = false;
    for (const auto& e : upcoming) {
        CHECK(e.report_date >= as_of);
        CHECK(e.report_date <= add_days(as_of, 70));
        if (e.symbol == "CRM") {
            crm = true;
            CHECK(e.report_date < ymd(2026, 12, 18)); // before the December monthly
        }
    }
    CHECK(crm);
    const auto past = sample.earnings_calendar(ymd(2026, 10, 1), ymd(2026, 11, 19));
    CHECK(past.size() >= 10);
}

TEST_CASE("sample: missing and invalid symbols", "[sample]") {
    SampleProvider sample(k_sample);
    const Date as_of = ymd(2026, 11, 20);
    // PNYM is in the bulk snapshot only: no options listed.
    const auto m = data_error([&] { sample.option_chain("PNYM", window(as_of, 0, 90)); });
    CHECK_THAT(m, StartsWith("PNYM: no option chain in the sample market (") &&
                      Contains("chain/PNYM.json"));
    CHECK_THAT(data_error([&] { sample.daily_history("PNYM", as_of, as_of); }),
               StartsWith("PNYM: no daily history"));
    CHECK_THAT(data_error([&] { sample.expirations("PNYM"); }), StartsWith("PNYM:"));
    CHECK_THAT(data_error([&] { sample.option_chain("../../etc/passwd", window(as_of, 0, 90)); }),
               Contains("not a valid ticker symbol"));
}

TEST_CASE("sample: a corrupted chain file fails that symbol only", "[sample]") {
    TempDir tmp;
    fs::copy(k_sample, tmp.path, fs::copy_options::recursive);
    const fs::path broken = tmp.path / "marketdata" / "options" / "chain" / "MSFT.json";
    {
        std::FILE* f = std::fopen(broken.c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs(R"({"s":"ok","optionSymbol":["MSFT261218C00450000"],"side":[)", f);
        std::fclose(f);
    }
    SampleProvider sample(tmp.path);
    const Date as_of = *sample.snapshot_date();
    const auto m = data_error([&] { sample.option_chain("MSFT", window(as_of, 7, 60)); });
    CHECK_THAT(m, StartsWith("MSFT: marketdata /v1/options/chain/{symbol}/ (") &&
                      Contains(broken.string()) && Contains("not valid JSON"));
    CHECK_FALSE(sample.option_chain("AAPL", window(as_of, 7, 60)).contracts.empty());
    CHECK_FALSE(sample.option_chain("NVDA", window(as_of, 7, 60)).contracts.empty());
}

TEST_CASE("sample: a directory without manifest is refused", "[sample]") {
    TempDir tmp;
    CHECK_THAT(data_error([&] { SampleProvider sample(tmp.path); }),
               Contains("manifest.json") && Contains("no such file"));
}

// ---------------------------------------------------------------------------------------------
// Registry

TEST_CASE("make_provider: sample, live vendors' prerequisites, unknown names", "[registry]") {
    config::Config config;
    config.providers.sample_path = k_sample;
    const auto sample = make_provider("sample", config);
    REQUIRE(sample);
    CHECK(sample->name() == "sample");
    CHECK(*sample->snapshot_date() == ymd(2026, 11, 20));

    // A live vendor needs the run's HTTP client and a key.
    try {
        make_provider("eodhd", config);
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        CHECK_THAT(std::string(e.what()), Contains("'eodhd' needs network access"));
    }
    auto http = net::make_curl_client();
    ProviderServices services;
    services.http = http.get();
    try {
        make_provider("marketdata", config, services);
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        CHECK_THAT(std::string(e.what()), Contains("providers.marketdata: no API key"));
    }
    config.providers.eodhd.api_key = "k";
    config.providers.marketdata.api_key = "k";
    CHECK(make_provider("eodhd", config, services)->name() == "eodhd");
    CHECK(make_provider("marketdata", config, services)->name() == "marketdata");
    try {
        make_provider("yahoo", config);
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        CHECK_THAT(std::string(e.what()), Contains("'yahoo'") && Contains("sample") &&
                                              Contains("eodhd") && Contains("marketdata"));
    }
    config.providers.sample_path = fs::path(SCREENER_SOURCE_DIR) / "no-such-dir";
    CHECK_THROWS_AS(make_provider("sample", config), ConfigError);
    config.providers.sample_path.clear();
    CHECK_THROWS_AS(make_provider("sample", config), ConfigError);
}
