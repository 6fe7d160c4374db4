#include "screener/core/date.hpp"
#include "screener/core/error.hpp"
#include "screener/core/outcome.hpp"
#include "screener/core/redact.hpp"
#include "screener/core/symbol.hpp"

#include <catch2/catch.hpp>

using namespace screener;

TEST_CASE("dates parse strictly and round-trip", "[core]") {
    const auto d = parse_date("2026-11-20");
    REQUIRE(d);
    CHECK(format_date(*d) == "2026-11-20");
    CHECK_FALSE(parse_date("2026-13-01"));
    CHECK_FALSE(parse_date("2026-02-30"));
    CHECK_FALSE(parse_date("2026-1-01"));
    CHECK_FALSE(parse_date("20261120"));
    CHECK_FALSE(parse_date("2026-11-2x"));
    CHECK(parse_date("2028-02-29"));
    CHECK_THROWS_AS(parse_date_or_throw("soon", "expiration"), DataError);
}

TEST_CASE("date arithmetic and unix conversion", "[core]") {
    const auto d = *parse_date("2026-11-20");
    CHECK(days_between(d, *parse_date("2026-12-18")) == 28);
    CHECK(days_between(d, *parse_date("2026-11-01")) == -19);
    CHECK(format_date(add_days(d, 42)) == "2027-01-01");
    // MarketData expirations are 16:00 ET = 21:00 UTC in winter; the session date is kept.
    CHECK(format_date(date_from_unix(1686945600)) == "2023-06-16");
    CHECK(date_from_unix(unix_from_date(d)) == d);
    CHECK_FALSE(is_weekend(d));
    CHECK(is_weekend(add_days(d, 1)));
}

TEST_CASE("outcomes map to health-style exit codes", "[core]") {
    STATIC_REQUIRE(exit_code(Outcome::Ok) == 0);
    STATIC_REQUIRE(exit_code(Outcome::Degraded) == 1);
    STATIC_REQUIRE(exit_code(Outcome::Failed) == 2);
    CHECK(std::string(outcome_status(Outcome::Degraded)) == "degraded");
}

TEST_CASE("ticker symbols", "[core]") {
    CHECK(is_ticker_symbol("AAPL"));
    CHECK(is_ticker_symbol("BRK.B"));
    CHECK(is_ticker_symbol("BF-B"));
    CHECK_FALSE(is_ticker_symbol(""));
    CHECK_FALSE(is_ticker_symbol("aapl"));
    CHECK_FALSE(is_ticker_symbol("../X"));
    CHECK_FALSE(is_ticker_symbol(".X"));
    CHECK_FALSE(is_ticker_symbol("TOOLONGSYMBOL"));
    CHECK(normalize_symbol("  brk.b \r\n") == "BRK.B");
}

TEST_CASE("exceptions map to exit codes in one place", "[core]") {
    CHECK(exit_code_for(ConfigError("x")) == 3);
    CHECK(exit_code_for(LockHeldError("x")) == 3);
    CHECK(exit_code_for(StoreError("x")) == 2);
    CHECK(exit_code_for(DataError("x")) == 2);
    CHECK(exit_code_for(std::runtime_error("x")) == 3);
}

TEST_CASE("credentials are masked wherever they appear", "[core]") {
    CHECK(redact_credentials("GET /api/eod/AAPL.US?api_token=abc123&fmt=json") ==
          "GET /api/eod/AAPL.US?api_token=***&fmt=json");
    CHECK(redact_credentials("https://x/v1/?TOKEN=zz") == "https://x/v1/?TOKEN=***");
    CHECK(redact_credentials("Authorization: Bearer eyJhbGci.x.y") == "Authorization: Bearer ***");
    CHECK(redact_credentials("x-api-key: sk-ant-1, next") == "x-api-key: ***, next");
    CHECK(redact_credentials("apikey=k1;api_key=k2") == "apikey=***;api_key=***");
    CHECK(redact_credentials("nothing secret here") == "nothing secret here");
    CHECK(redact_credentials("token=") == "token=");
}
