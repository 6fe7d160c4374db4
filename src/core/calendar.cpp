#include "screener/core/calendar.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace screener {

using namespace std::chrono;

namespace {

constexpr std::int64_t k_seconds_per_hour = 3600;
constexpr double k_seconds_per_year = 365.0 * 86400.0;
constexpr int k_close_hour = 16;
constexpr int k_early_close_hour = 13;
constexpr int k_mlk_first_year = 1998;        // NYSE first closed for MLK day in 1998
constexpr int k_juneteenth_first_year = 2022; // NYSE first closed for Juneteenth in 2022
constexpr int k_dst_2007_rule_year = 2007;    // Energy Policy Act of 2005 took effect

struct SpecialClosure {
    int y;
    unsigned m, d;
    const char* name;
};

// Closures no rule produces; dates from the NYSE's own history of market closings.
constexpr std::array k_special_closures{
    SpecialClosure{1994, 4, 27, "National Day of Mourning (Richard Nixon)"},
    SpecialClosure{2001, 9, 11, "September 11 attacks"},
    SpecialClosure{2001, 9, 12, "September 11 attacks"},
    SpecialClosure{2001, 9, 13, "September 11 attacks"},
    SpecialClosure{2001, 9, 14, "September 11 attacks"},
    SpecialClosure{2004, 6, 11, "National Day of Mourning (Ronald Reagan)"},
    SpecialClosure{2007, 1, 2, "National Day of Mourning (Gerald Ford)"},
    SpecialClosure{2012, 10, 29, "Hurricane Sandy"},
    SpecialClosure{2012, 10, 30, "Hurricane Sandy"},
    SpecialClosure{2018, 12, 5, "National Day of Mourning (George H. W. Bush)"},
    SpecialClosure{2025, 1, 9, "National Day of Mourning (Jimmy Carter)"},
};

Date make_date(int y, unsigned m, unsigned d) {
    return Date{year{y}, month{m}, day{d}};
}

Date nth_weekday(int y, month m, weekday wd, unsigned n) {
    return Date{sys_days{year_month_weekday{year{y}, m, wd[n]}}};
}

Date last_weekday(int y, month m, weekday wd) {
    return Date{sys_days{year_month_weekday_last{year{y}, m, wd[last]}}};
}

weekday weekday_of(Date date) {
    return weekday{sys_days{date}};
}

// Saturday -> Friday before, Sunday -> Monday after (NYSE Rule 7.2).
void add_fixed_holiday(std::vector<MarketHoliday>& out, Date date, const char* name) {
    const weekday wd = weekday_of(date);
    if (wd == Saturday) {
        out.push_back({add_days(date, -1), std::string(name) + " (observed)"});
    } else if (wd == Sunday) {
        out.push_back({add_days(date, 1), std::string(name) + " (observed)"});
    } else {
        out.push_back({date, name});
    }
}

// The year's holidays, cached per thread for the last year asked: time-to-expiry runs for every
// contract of every chain, and rebuilding the list each time dominated a large scan's profile.
const std::vector<MarketHoliday>& holidays_of(int y) {
    thread_local int cached_year = std::numeric_limits<int>::min();
    thread_local std::vector<MarketHoliday> cached;
    if (y != cached_year) {
        cached = nyse_holidays(y);
        cached_year = y;
    }
    return cached;
}

std::optional<MarketHoliday> find_holiday(Date date) {
    for (const auto& holiday : holidays_of(static_cast<int>(date.year()))) {
        if (holiday.date == date) {
            return holiday;
        }
    }
    return std::nullopt;
}

} // namespace

Date easter_sunday(int y) {
    // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    const int a = y % 19;
    const int b = y / 100;
    const int c = y % 100;
    const int d = b / 4;
    const int e = b % 4;
    const int f = (b + 8) / 25;
    const int g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4;
    const int k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const int month_number = (h + l - 7 * m + 114) / 31;
    const int day_number = (h + l - 7 * m + 114) % 31 + 1;
    return make_date(y, static_cast<unsigned>(month_number), static_cast<unsigned>(day_number));
}

std::vector<MarketHoliday> nyse_holidays(int y) {
    std::vector<MarketHoliday> out;
    const Date new_year = make_date(y, 1, 1);
    const weekday new_year_wd = weekday_of(new_year);
    if (new_year_wd == Sunday) {
        out.push_back({make_date(y, 1, 2), "New Year's Day (observed)"});
    } else if (new_year_wd != Saturday) {
        // A Saturday New Year's Day is not observed: December 31 closes the accounting year.
        out.push_back({new_year, "New Year's Day"});
    }
    if (y >= k_mlk_first_year) {
        out.push_back({nth_weekday(y, January, Monday, 3), "Martin Luther King Jr. Day"});
    }
    out.push_back({nth_weekday(y, February, Monday, 3), "Washington's Birthday"});
    out.push_back({add_days(easter_sunday(y), -2), "Good Friday"});
    out.push_back({last_weekday(y, May, Monday), "Memorial Day"});
    if (y >= k_juneteenth_first_year) {
        add_fixed_holiday(out, make_date(y, 6, 19), "Juneteenth National Independence Day");
    }
    add_fixed_holiday(out, make_date(y, 7, 4), "Independence Day");
    out.push_back({nth_weekday(y, September, Monday, 1), "Labor Day"});
    out.push_back({nth_weekday(y, November, Thursday, 4), "Thanksgiving Day"});
    add_fixed_holiday(out, make_date(y, 12, 25), "Christmas Day");
    for (const auto& special : k_special_closures) {
        if (special.y == y) {
            out.push_back({make_date(special.y, special.m, special.d), special.name});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const MarketHoliday& a, const MarketHoliday& b) { return a.date < b.date; });
    return out;
}

std::vector<Date> nyse_early_closes(int y) {
    std::vector<Date> out;
    const auto add_if_session = [&out](Date date) {
        if (is_trading_day(date)) {
            out.push_back(date);
        }
    };
    add_if_session(make_date(y, 7, 3));
    add_if_session(add_days(nth_weekday(y, November, Thursday, 4), 1));
    add_if_session(make_date(y, 12, 24));
    return out;
}

std::optional<std::string> holiday_name(Date date) {
    if (auto holiday = find_holiday(date)) {
        return std::move(holiday->name);
    }
    return std::nullopt;
}

bool is_holiday(Date date) {
    return find_holiday(date).has_value();
}

bool is_trading_day(Date date) {
    return !is_weekend(date) && !is_holiday(date);
}

bool is_early_close(Date date) {
    thread_local int cached_year = std::numeric_limits<int>::min();
    thread_local std::vector<Date> closes;
    if (const int y = static_cast<int>(date.year()); y != cached_year) {
        closes = nyse_early_closes(y);
        cached_year = y;
    }
    return std::find(closes.begin(), closes.end(), date) != closes.end();
}

Date next_trading_day(Date date) {
    // At most a long weekend plus a holiday (or the four days after September 11) in a row.
    Date d = add_days(date, 1);
    while (!is_trading_day(d)) {
        d = add_days(d, 1);
    }
    return d;
}

Date previous_trading_day(Date date) {
    Date d = add_days(date, -1);
    while (!is_trading_day(d)) {
        d = add_days(d, -1);
    }
    return d;
}

int trading_days_between(Date from, Date to) {
    if (to < from) {
        return -trading_days_between(to, from);
    }
    int count = 0;
    for (Date d = add_days(from, 1); d <= to; d = add_days(d, 1)) {
        if (is_trading_day(d)) {
            ++count;
        }
    }
    return count;
}

Date us_dst_start(int y) {
    if (y >= k_dst_2007_rule_year) {
        return nth_weekday(y, March, Sunday, 2);
    }
    return nth_weekday(y, April, Sunday, 1);
}

Date us_dst_end(int y) {
    if (y >= k_dst_2007_rule_year) {
        return nth_weekday(y, November, Sunday, 1);
    }
    return last_weekday(y, October, Sunday);
}

bool is_new_york_dst(Date date) {
    const int y = static_cast<int>(date.year());
    return date >= us_dst_start(y) && date < us_dst_end(y);
}

int new_york_utc_offset(std::int64_t unix_seconds) {
    const int y = static_cast<int>(date_from_unix(unix_seconds).year());
    // Switch instants in UTC: 02:00 EST = 07:00 UTC in spring, 02:00 EDT = 06:00 UTC in autumn.
    const std::int64_t start = unix_from_date(us_dst_start(y)) + 7 * k_seconds_per_hour;
    const std::int64_t end = unix_from_date(us_dst_end(y)) + 6 * k_seconds_per_hour;
    const bool dst = unix_seconds >= start && unix_seconds < end;
    return static_cast<int>((dst ? -4 : -5) * k_seconds_per_hour);
}

Date new_york_date(std::int64_t unix_seconds) {
    return date_from_unix(unix_seconds + new_york_utc_offset(unix_seconds));
}

std::int64_t new_york_to_unix(Date date, int hour, int minute) {
    // Local wall time minus the offset. On a switch day the old offset holds before 02:00; a
    // repeated 01:xx in autumn is read as its first (daylight) occurrence.
    const int y = static_cast<int>(date.year());
    bool dst = is_new_york_dst(date);
    if (hour < 2 && date == us_dst_start(y)) {
        dst = false;
    } else if (hour < 2 && date == us_dst_end(y)) {
        dst = true;
    }
    const std::int64_t offset = (dst ? -4 : -5) * k_seconds_per_hour;
    return unix_from_date(date) + hour * k_seconds_per_hour + minute * 60 - offset;
}

std::int64_t market_close_unix(Date date) {
    return new_york_to_unix(date, is_early_close(date) ? k_early_close_hour : k_close_hour, 0);
}

double years_to_expiry(std::int64_t now_unix, Date expiration) {
    const std::int64_t remaining = market_close_unix(expiration) - now_unix;
    return remaining > 0 ? static_cast<double>(remaining) / k_seconds_per_year : 0.0;
}

} // namespace screener
