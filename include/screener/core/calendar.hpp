#pragma once
// NYSE trading calendar and America/New_York clock, computed by rule (no tz database, no
// downloaded holiday files) so that time to expiry is right on every machine.
//
// Holidays (full-day closures) follow NYSE Rule 7.2 as applied since 1990:
//   New Year's Day, Martin Luther King Jr. Day (third Monday of January, from 1998),
//   Washington's Birthday (third Monday of February), Good Friday (two days before Western
//   Easter), Memorial Day (last Monday of May), Juneteenth (June 19, from 2022), Independence
//   Day, Labor Day (first Monday of September), Thanksgiving (fourth Thursday of November) and
//   Christmas Day. A fixed-date holiday on a Sunday is observed on the Monday after and one on a
//   Saturday on the Friday before -- except New Year's Day: a Saturday January 1 is not
//   observed at all (the exchange stays open on December 31, the end of the accounting year).
// Unscheduled closures since 1990 (days of mourning, September 11, Hurricane Sandy) are listed
// explicitly because no rule produces them.
// Early closes at 13:00 ET: July 3 when it is a weekday and not itself the observed holiday,
// the day after Thanksgiving, and December 24 when it is a weekday and not the observed
// Christmas. This is the modern schedule; the exchange's occasional ad-hoc deviations before
// the 2000s are not modelled.
// The rules are checked for 1990-2100; outside that range they are applied unchanged.

#include "screener/core/date.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace screener {

struct MarketHoliday {
    Date date{};
    std::string name; // e.g. "Independence Day (observed)" when moved off the calendar date
};

// Easter Sunday (Gregorian calendar, anonymous Gregorian algorithm).
Date easter_sunday(int year);

// Full-day NYSE closures whose (observed) date falls in `year`, in date order.
std::vector<MarketHoliday> nyse_holidays(int year);
// Sessions of `year` that close at 13:00 ET, in date order.
std::vector<Date> nyse_early_closes(int year);

// Name of the closure on `date`, nullopt when `date` is not a holiday (weekends are not
// holidays: they have no name).
std::optional<std::string> holiday_name(Date date);
bool is_holiday(Date date);
// A weekday that is not a holiday.
bool is_trading_day(Date date);
// A trading day that closes at 13:00 ET.
bool is_early_close(Date date);
// The first trading day strictly after / before `date`.
Date next_trading_day(Date date);
Date previous_trading_day(Date date);
// Number of sessions in (from, to]: from Friday to the next Monday is 1. Negative (minus the
// sessions in (to, from]) when `to` is before `from`.
int trading_days_between(Date from, Date to);

// America/New_York daylight saving time by the US rule: since 2007 from the second Sunday of
// March to the first Sunday of November; 1987-2006 from the first Sunday of April to the last
// Sunday of October. Both switches happen at 02:00 local time.
Date us_dst_start(int year);
Date us_dst_end(int year);
// Whether 16:00 (any time after 02:00) New York time on `date` is daylight time; the start
// date is daylight, the end date is standard.
bool is_new_york_dst(Date date);
// New York's offset from UTC in seconds (-4 h or -5 h) at the instant `unix_seconds`.
int new_york_utc_offset(std::int64_t unix_seconds);
// The New York calendar date at the instant `unix_seconds` (a run at 21:00 ET is still the
// same session date even though UTC has moved on).
Date new_york_date(std::int64_t unix_seconds);
// Unix seconds of `hour`:`minute` New York time on `date`. On a switch day the old offset
// applies before 02:00; the repeated autumn 01:xx is read as its first (daylight) occurrence
// and the skipped spring 02:xx as daylight time. Market hours never hit either case.
std::int64_t new_york_to_unix(Date date, int hour, int minute);

// Unix seconds of the regular close on `date`: 16:00 ET, or 13:00 ET on an early close. The
// date is not required to be a trading day (a vendor may list an expiration on a holiday).
std::int64_t market_close_unix(Date date);

// Time to expiry in years: seconds from `now_unix` to the close (market_close_unix) of the
// expiration date, divided by a 365-day calendar year (365 * 86400 s) -- the convention of the
// IVs we are given and of FORMULAS 3.1/3.3. Never negative: 0 at or after the close.
double years_to_expiry(std::int64_t now_unix, Date expiration);

} // namespace screener
