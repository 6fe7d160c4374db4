#include "screener/core/calendar.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace screener;

namespace {

Date d(const char* iso) {
    return parse_date_or_throw(iso, "test date");
}

std::vector<std::string> holiday_dates(int year) {
    std::vector<std::string> out;
    for (const auto& holiday : nyse_holidays(year)) {
        out.push_back(format_date(holiday.date));
    }
    return out;
}

std::vector<std::string> early_close_dates(int year) {
    std::vector<std::string> out;
    for (const auto& date : nyse_early_closes(year)) {
        out.push_back(format_date(date));
    }
    return out;
}

constexpr double k_year_seconds = 365.0 * 86400.0;

} // namespace

TEST_CASE("NYSE 2025 holidays and early closes match the published schedule", "[calendar]") {
    // Includes the National Day of Mourning for President Carter (closed 2025-01-09).
    const std::vector<std::string> expected{"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17",
                                            "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04",
                                            "2025-09-01", "2025-11-27", "2025-12-25"};
    CHECK(holiday_dates(2025) == expected);
    CHECK(early_close_dates(2025) ==
          std::vector<std::string>{"2025-07-03", "2025-11-28", "2025-12-24"});
    CHECK(holiday_name(d("2025-01-09")).value_or("").find("Carter") != std::string::npos);
}

TEST_CASE("NYSE 2026 holidays and early closes match the published schedule", "[calendar]") {
    const std::vector<std::string> expected{"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03",
                                            "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
                                            "2026-11-26", "2026-12-25"};
    CHECK(holiday_dates(2026) == expected);
    // July 3 is the observed Independence Day, so there is no July early close in 2026.
    CHECK(early_close_dates(2026) == std::vector<std::string>{"2026-11-27", "2026-12-24"});
    CHECK(holiday_name(d("2026-07-03")) ==
          std::optional<std::string>("Independence Day (observed)"));
    CHECK(holiday_name(d("2026-04-03")) == std::optional<std::string>("Good Friday"));
    CHECK(holiday_name(d("2026-01-19")) ==
          std::optional<std::string>("Martin Luther King Jr. Day"));
    CHECK_FALSE(is_early_close(d("2026-07-02")));
    CHECK_FALSE(is_early_close(d("2026-07-03")));
    CHECK(is_early_close(d("2026-11-27")));
    CHECK(is_early_close(d("2026-12-24")));
}

TEST_CASE("NYSE 2027 holidays and early closes match the published schedule", "[calendar]") {
    // Juneteenth and Christmas fall on Saturdays (observed Friday), July 4 on a Sunday
    // (observed Monday).
    const std::vector<std::string> expected{"2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26",
                                            "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06",
                                            "2027-11-25", "2027-12-24"};
    CHECK(holiday_dates(2027) == expected);
    CHECK(early_close_dates(2027) == std::vector<std::string>{"2027-11-26"});
    CHECK(holiday_name(d("2027-12-24")) == std::optional<std::string>("Christmas Day (observed)"));
    // January 1, 2028 is a Saturday: December 31, 2027 is a normal session.
    CHECK(is_trading_day(d("2027-12-31")));
    CHECK_FALSE(is_early_close(d("2027-12-31")));
}

TEST_CASE("Good Friday follows Easter", "[calendar]") {
    CHECK(easter_sunday(2000) == d("2000-04-23"));
    CHECK(easter_sunday(2008) == d("2008-03-23"));
    CHECK(easter_sunday(2011) == d("2011-04-24"));
    CHECK(easter_sunday(2038) == d("2038-04-25"));
    CHECK(easter_sunday(2100) == d("2100-03-28"));
    CHECK(holiday_name(d("2024-03-29")) == std::optional<std::string>("Good Friday"));
    CHECK(holiday_name(d("2008-03-21")) == std::optional<std::string>("Good Friday"));
    CHECK_FALSE(is_trading_day(d("2019-04-19")));
    CHECK(is_trading_day(d("2019-04-18")));
    CHECK(is_trading_day(d("2019-04-22"))); // Easter Monday is a session in New York
}

TEST_CASE("Saturday and Sunday holidays move to Friday and Monday", "[calendar]") {
    // Sunday -> Monday.
    CHECK(holiday_name(d("2023-01-02")) == std::optional<std::string>("New Year's Day (observed)"));
    CHECK(holiday_name(d("2022-06-20")).value_or("").find("Juneteenth") != std::string::npos);
    CHECK(holiday_name(d("2021-07-05")) ==
          std::optional<std::string>("Independence Day (observed)"));
    CHECK(holiday_name(d("2022-12-26")) == std::optional<std::string>("Christmas Day (observed)"));
    // Saturday -> Friday.
    CHECK_FALSE(is_trading_day(d("2020-07-03")));
    CHECK_FALSE(is_trading_day(d("2021-12-24")));
    CHECK_FALSE(is_trading_day(d("2027-06-18")));
    // The weekend day itself is not a named holiday and not a session.
    CHECK_FALSE(holiday_name(d("2020-07-04")));
    CHECK_FALSE(is_trading_day(d("2020-07-04")));
}

TEST_CASE("A Saturday New Year's Day is not observed on December 31", "[calendar]") {
    CHECK(is_trading_day(d("2021-12-31")));
    CHECK_FALSE(holiday_name(d("2021-12-31")));
    CHECK_FALSE(is_holiday(d("2022-01-01")));
    CHECK(holiday_dates(2022).front() == "2022-01-17");
    const auto closed_2021 = holiday_dates(2021);
    CHECK(closed_2021.back() == "2021-12-24"); // Christmas (Saturday) observed; no Dec 31
    CHECK(std::find(closed_2021.begin(), closed_2021.end(), "2021-12-31") == closed_2021.end());
    CHECK(is_trading_day(d("2010-12-31"))); // January 1, 2011 was a Saturday too
}

TEST_CASE("holidays start in the year the NYSE adopted them", "[calendar]") {
    CHECK(is_trading_day(d("2021-06-18"))); // Juneteenth closures begin in 2022
    CHECK_FALSE(is_trading_day(d("2022-06-20")));
    CHECK(is_trading_day(d("1997-01-20"))); // MLK day closures begin in 1998
    CHECK_FALSE(is_trading_day(d("1998-01-19")));
    CHECK_FALSE(is_trading_day(d("2001-09-11")));
    CHECK_FALSE(is_trading_day(d("2012-10-30")));
}

TEST_CASE("full-year session counts", "[calendar]") {
    CHECK(trading_days_between(d("2024-12-31"), d("2025-12-31")) == 250);
    CHECK(trading_days_between(d("2025-12-31"), d("2026-12-31")) == 251);
    CHECK(trading_days_between(d("2026-12-31"), d("2027-12-31")) == 251);
}

TEST_CASE("trading_days_between counts sessions after from up to and including to", "[calendar]") {
    CHECK(trading_days_between(d("2026-01-16"), d("2026-01-16")) == 0);
    CHECK(trading_days_between(d("2026-01-16"), d("2026-01-20")) == 1); // MLK Monday skipped
    CHECK(trading_days_between(d("2026-01-15"), d("2026-01-16")) == 1);
    CHECK(trading_days_between(d("2026-01-17"), d("2026-01-18")) == 0); // weekend only
    CHECK(trading_days_between(d("2026-03-30"), d("2026-04-06")) == 4); // Good Friday skipped
    CHECK(trading_days_between(d("2026-01-20"), d("2026-01-16")) == -1);
}

TEST_CASE("next and previous trading day skip weekends and holidays", "[calendar]") {
    CHECK(next_trading_day(d("2026-04-02")) == d("2026-04-06"));
    CHECK(previous_trading_day(d("2026-04-06")) == d("2026-04-02"));
    CHECK(next_trading_day(d("2025-12-31")) == d("2026-01-02"));
    CHECK(previous_trading_day(d("2026-07-06")) == d("2026-07-02"));
    CHECK(next_trading_day(d("2026-01-14")) == d("2026-01-15"));
    CHECK(next_trading_day(d("2001-09-10")) == d("2001-09-17"));
}

TEST_CASE("US daylight saving switch dates", "[calendar]") {
    CHECK(us_dst_start(2026) == d("2026-03-08"));
    CHECK(us_dst_end(2026) == d("2026-11-01"));
    CHECK(us_dst_start(2025) == d("2025-03-09"));
    CHECK(us_dst_end(2025) == d("2025-11-02"));
    CHECK(us_dst_start(2006) == d("2006-04-02")); // pre-2007 rule
    CHECK(us_dst_end(2006) == d("2006-10-29"));
    CHECK_FALSE(is_new_york_dst(d("2026-03-07")));
    CHECK(is_new_york_dst(d("2026-03-08")));
    CHECK(is_new_york_dst(d("2026-10-31")));
    CHECK_FALSE(is_new_york_dst(d("2026-11-01")));

    // Switch instants: 2026-03-08 07:00 UTC and 2026-11-01 06:00 UTC.
    CHECK(new_york_utc_offset(1772953200 - 1) == -5 * 3600);
    CHECK(new_york_utc_offset(1772953200) == -4 * 3600);
    CHECK(new_york_utc_offset(1793512800 - 1) == -4 * 3600);
    CHECK(new_york_utc_offset(1793512800) == -5 * 3600);
    // 01:30 on switch days: still EST in March, the first (EDT) 01:30 in November.
    CHECK(new_york_to_unix(d("2026-03-08"), 1, 30) == 1772951400);
    CHECK(new_york_to_unix(d("2026-11-01"), 1, 30) == 1793511000);
}

TEST_CASE("market_close_unix is 16:00 ET, 13:00 ET on early closes", "[calendar]") {
    // Winter (EST, UTC-5): 2026-01-16 16:00 ET = 21:00 UTC. 2026-01-16 is day 20469 since 1970.
    CHECK(market_close_unix(d("2026-01-16")) == 20469LL * 86400 + 21 * 3600);
    CHECK(market_close_unix(d("2026-01-16")) == 1768597200);
    // Summer (EDT, UTC-4): 2026-07-17 16:00 ET = 20:00 UTC.
    CHECK(market_close_unix(d("2026-07-17")) == 1784318400);
    // Around the switch: Friday before (EST) and the switch Sunday itself (EDT).
    CHECK(market_close_unix(d("2026-03-06")) == 1772830800);
    CHECK(market_close_unix(d("2026-03-08")) == 1773000000);
    CHECK(market_close_unix(d("2026-10-30")) == 1793390400);
    CHECK(market_close_unix(d("2026-11-01")) == 1793566800);
    // Early closes: 13:00 EST = 18:00 UTC.
    CHECK(market_close_unix(d("2026-11-27")) == 1795802400);
    CHECK(market_close_unix(d("2025-12-24")) == 1766599200);
}

TEST_CASE("new_york_date keeps the evening on the session date", "[calendar]") {
    // 2026-01-17 01:00 UTC is 2026-01-16 20:00 EST.
    CHECK(new_york_date(1768597200 + 4 * 3600) == d("2026-01-16"));
    CHECK(new_york_date(1768597200 + 8 * 3600) == d("2026-01-17"));
}

TEST_CASE("years_to_expiry counts seconds to the expiration close over 365 days", "[calendar]") {
    const std::int64_t jan16_close = 1768597200;
    // 35 whole days between two EST closes.
    CHECK(years_to_expiry(jan16_close, d("2026-02-20")) == Approx(35.0 / 365.0).epsilon(1e-12));
    // Across the spring switch the clock loses an hour: 14 days minus 3600 s.
    CHECK(years_to_expiry(1772830800, d("2026-03-20")) ==
          Approx((14 * 86400.0 - 3600) / k_year_seconds).epsilon(1e-12));
    // Intraday on an early-close expiration: one hour before 13:00.
    CHECK(years_to_expiry(1795802400 - 3600, d("2026-11-27")) ==
          Approx(3600 / k_year_seconds).epsilon(1e-12));
    // At and after the close: zero, never negative.
    CHECK(years_to_expiry(1795802400, d("2026-11-27")) == 0.0);
    CHECK(years_to_expiry(1795802400 + 7200, d("2026-11-27")) == 0.0);
    CHECK(years_to_expiry(jan16_close, d("2025-12-19")) == 0.0);
    // Far expirations exceed a year (the OpenBB .seconds bug capped T at one day).
    CHECK(years_to_expiry(jan16_close, d("2027-01-15")) > 0.99);
    CHECK(years_to_expiry(jan16_close, d("2028-01-21")) > 2.0);
}
