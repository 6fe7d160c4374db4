#pragma once
// Calendar dates as plain values. Vendor timestamps (unix seconds for option expirations at
// 16:00 ET and daily bars at midnight ET) fall on the same calendar day in UTC, so a UTC
// conversion is enough to recover the session date.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace screener {

using Date = std::chrono::year_month_day;

// Parses strict ISO "YYYY-MM-DD"; nullopt on anything else (including impossible dates).
std::optional<Date> parse_date(std::string_view text);
// Like parse_date but throws DataError naming `what` when the text is not a valid date.
Date parse_date_or_throw(std::string_view text, std::string_view what);
std::string format_date(Date date);
// Whole calendar days from `from` to `to` (negative when `to` is earlier).
int days_between(Date from, Date to);
Date add_days(Date date, int days);
Date date_from_unix(std::int64_t unix_seconds);
// Unix seconds of 00:00 UTC on `date`.
std::int64_t unix_from_date(Date date);
Date today_utc();
bool is_weekend(Date date);

} // namespace screener
