#include "screener/core/date.hpp"

#include "screener/core/error.hpp"

#include <fmt/format.h>

namespace screener {

using namespace std::chrono;

std::optional<Date> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    int parts[3] = {0, 0, 0};
    const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
    for (int i = 0; i < 3; ++i) {
        for (size_t k = spans[i].first; k < spans[i].first + spans[i].second; ++k) {
            if (text[k] < '0' || text[k] > '9') {
                return std::nullopt;
            }
            parts[i] = parts[i] * 10 + (text[k] - '0');
        }
    }
    const Date date{year{parts[0]}, month{static_cast<unsigned>(parts[1])},
                    day{static_cast<unsigned>(parts[2])}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return date;
}

Date parse_date_or_throw(std::string_view text, std::string_view what) {
    if (auto date = parse_date(text)) {
        return *date;
    }
    throw DataError(fmt::format("{}: '{}' is not a date (YYYY-MM-DD)", what, text));
}

std::string format_date(Date date) {
    return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

int days_between(Date from, Date to) {
    return static_cast<int>((sys_days{to} - sys_days{from}).count());
}

Date add_days(Date date, int days) {
    return Date{sys_days{date} + std::chrono::days{days}};
}

Date date_from_unix(std::int64_t unix_seconds) {
    return Date{floor<std::chrono::days>(sys_seconds{seconds{unix_seconds}})};
}

std::int64_t unix_from_date(Date date) {
    return duration_cast<seconds>(sys_days{date}.time_since_epoch()).count();
}

Date today_utc() {
    return Date{floor<std::chrono::days>(system_clock::now())};
}

bool is_weekend(Date date) {
    const weekday wd{sys_days{date}};
    return wd == Saturday || wd == Sunday;
}

} // namespace screener
