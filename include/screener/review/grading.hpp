#pragma once
// Grading of a stored pick against what the market then did: at expiry from the underlying's
// close on the expiration session, or marked to market from the latest close while still open.
// P&L uses the pick's own fill (fill_price), so a grade measures the trade the screener
// proposed, not a better one.

#include "screener/core/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace screener::review {

enum class GradeStatus {
    Graded, // expired: final, never graded again
    Open,   // not expired yet: marked to market, re-marked by the next weekly run
    NoData, // the history does not reach the expiration session (delisted, vendor gap)
};
const char* to_string(GradeStatus status);

struct PickGrade {
    GradeStatus status = GradeStatus::NoData;
    // Graded: "expired_worthless", "assigned" (short put/call ITM at expiry), "exercised" (long
    // option ITM), "partial" (some loss or partial profit on a defined-risk spread),
    // "max_loss". Open: "open". NoData: "no_data".
    std::string outcome;
    std::optional<Date> priced_on;           // the session whose close priced the grade
    std::optional<double> underlying;        // that close
    std::optional<double> pnl_per_share;     // realised (graded) or marked (open)
    std::optional<double> return_on_capital; // pnl_per_share / collateral
    std::optional<bool> win;                 // graded only: pnl > 0
    bool short_strike_touched = false;       // a short strike traded through before expiry
    std::string detail;                      // one line on how the grade was reached
};

// The trading session an option expiring on `expiration` settles on (the expiration itself, or
// the session before when the exchange is closed that day).
Date settlement_session(Date expiration);

// Value per share at the underlying price `spot` at expiry of every leg of `pick`: options at
// intrinsic value, stock legs at `spot` less the pick's underlying price, signed by quantity.
double expiry_value(const Candidate& pick, double spot);

// Realised P&L per share at expiry with the underlying at `spot`: the fill (credit +, debit -)
// plus expiry_value.
double pnl_at_expiry(const Candidate& pick, double spot);

// Grades `pick`, made on `picked_on`, as of `as_of` from daily `bars` of its underlying (any
// range; only bars after picked_on and up to the settlement session or as_of are used).
// Expired once as_of is past the settlement session (its close is known by then).
PickGrade grade_pick(const Candidate& pick, Date picked_on, Date as_of,
                     const std::vector<Bar>& bars);

} // namespace screener::review
