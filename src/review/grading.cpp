#include "screener/review/grading.hpp"

#include "screener/core/calendar.hpp"
#include "screener/core/date.hpp"
#include "screener/pricing/black_scholes.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace screener::review {
namespace {

constexpr double k_money_epsilon = 1e-6; // per share: a tenth of a thousandth of a cent

double intrinsic(const Leg& leg, double spot) {
    return leg.type == OptionType::Call ? std::max(0.0, spot - leg.strike)
                                        : std::max(0.0, leg.strike - spot);
}

double signed_fill(const Candidate& pick) {
    return pick.is_credit ? pick.fill_price : -pick.fill_price;
}

// Option legs valued with Black-Scholes at `spot` with `t` years left and each leg's own IV from
// the pick (the market's IV then is unknown); intrinsic value once t <= 0 or IV is unknown.
double marked_value(const Candidate& pick, double spot, double t) {
    double value = 0;
    for (const auto& leg : pick.legs) {
        if (leg.is_stock) {
            value += leg.quantity / 100.0 * (spot - pick.underlying_price);
            continue;
        }
        const bool priced = t > 0 && std::isfinite(leg.iv) && leg.iv > 0 &&
                            std::isfinite(pick.rate) && std::isfinite(pick.dividend_yield);
        const double per_share = priced ? pricing::bs_price(leg.type, spot, leg.strike, t,
                                                            pick.rate, pick.dividend_yield, leg.iv)
                                        : intrinsic(leg, spot);
        value += leg.quantity * per_share;
    }
    return value;
}

bool touched(const Leg& leg, const Bar& bar) {
    const double low = bar.low > 0 ? bar.low : bar.close;
    const double high = bar.high > 0 ? bar.high : bar.close;
    return leg.type == OptionType::Put ? low <= leg.strike : high >= leg.strike;
}

std::string expiry_outcome(const Candidate& pick, double spot, double pnl) {
    bool any_itm = false, short_itm = false, long_itm = false;
    for (const auto& leg : pick.legs) {
        if (leg.is_stock || intrinsic(leg, spot) <= 0) {
            continue;
        }
        any_itm = true;
        (leg.quantity < 0 ? short_itm : long_itm) = true;
    }
    if (!any_itm) {
        return "expired_worthless";
    }
    if (pick.max_loss && pnl <= -*pick.max_loss + k_money_epsilon) {
        return "max_loss";
    }
    const bool single_leg = std::count_if(pick.legs.begin(), pick.legs.end(),
                                          [](const Leg& l) { return !l.is_stock; }) == 1;
    if (single_leg && short_itm) {
        return "assigned"; // a cash-secured put put to us, or a covered call's shares called away
    }
    if (single_leg && long_itm) {
        return "exercised";
    }
    return "partial";
}

} // namespace

const char* to_string(GradeStatus status) {
    switch (status) {
    case GradeStatus::Graded:
        return "graded";
    case GradeStatus::Open:
        return "open";
    case GradeStatus::NoData:
        return "no_data";
    }
    return "?";
}

Date settlement_session(Date expiration) {
    return is_trading_day(expiration) ? expiration : previous_trading_day(expiration);
}

double expiry_value(const Candidate& pick, double spot) {
    return marked_value(pick, spot, 0);
}

double pnl_at_expiry(const Candidate& pick, double spot) {
    return signed_fill(pick) + expiry_value(pick, spot);
}

PickGrade grade_pick(const Candidate& pick, Date picked_on, Date as_of,
                     const std::vector<Bar>& bars) {
    PickGrade grade;
    const Date settles = settlement_session(pick.expiration);
    const bool expired = as_of > settles;
    const Date last_usable = expired ? settles : as_of;

    std::vector<const Bar*> window; // sessions after the pick, up to last_usable, by date
    for (const auto& bar : bars) {
        if (bar.date > picked_on && bar.date <= last_usable && bar.close > 0) {
            window.push_back(&bar);
        }
    }
    std::sort(window.begin(), window.end(),
              [](const Bar* a, const Bar* b) { return a->date < b->date; });
    for (const Bar* bar : window) {
        // The settlement session counts: a close through the strike there is an assignment.
        for (const auto& leg : pick.legs) {
            if (!leg.is_stock && leg.quantity < 0 && touched(leg, *bar)) {
                grade.short_strike_touched = true;
            }
        }
    }

    if (expired) {
        if (window.empty() || window.back()->date != settles) {
            grade.status = GradeStatus::NoData;
            grade.outcome = "no_data";
            grade.detail = fmt::format("no close for {} on the settlement session {}", pick.symbol,
                                       format_date(settles));
            return grade;
        }
        const double spot = window.back()->close;
        const double pnl = pnl_at_expiry(pick, spot);
        grade.status = GradeStatus::Graded;
        grade.priced_on = settles;
        grade.underlying = spot;
        grade.pnl_per_share = pnl;
        grade.win = pnl > k_money_epsilon;
        grade.outcome = expiry_outcome(pick, spot, pnl);
        grade.detail = fmt::format("{} closed {:.2f} on {}: {}", pick.symbol, spot,
                                   format_date(settles), grade.outcome);
    } else {
        grade.status = GradeStatus::Open;
        grade.outcome = "open";
        if (window.empty()) {
            // Nothing traded since the pick (picked today): marked at the pick's own price.
            grade.detail = "no session since the pick yet";
            return grade;
        }
        const Bar& latest = *window.back();
        // Calendar time to the expiration's close, as the pick's own t_years counts it.
        const double t = days_between(latest.date, pick.expiration) / 365.0;
        grade.priced_on = latest.date;
        grade.underlying = latest.close;
        grade.pnl_per_share = signed_fill(pick) + marked_value(pick, latest.close, t);
        grade.detail =
            fmt::format("marked at {} close {:.2f}, {} days to expiry", format_date(latest.date),
                        latest.close, days_between(latest.date, pick.expiration));
    }
    if (grade.pnl_per_share && pick.collateral > 0 && std::isfinite(pick.collateral)) {
        grade.return_on_capital = *grade.pnl_per_share / pick.collateral;
    }
    return grade;
}

} // namespace screener::review
