#pragma once
// Credit verticals, shared by the bull put spread, the bear call spread and the iron condor.
//
// A put credit vertical sells a put at K_s and buys one at K_l < K_s; a call credit vertical
// sells a call at K_s and buys one at K_l > K_s. width w = |K_s - K_l|, credit
// c = sell_fill(short) - buy_fill(long) (conservative fills), mid credit likewise at the mids.
//
// Enumeration per expiry and side, strikes ascending: for each short leg that passes the
// short-leg filters, the long legs whose strike lies in the width window (found by binary
// search) and that pass the every-leg filters. O(S x W) per side, S short strikes, W strikes in
// the width window. Pruning (ScoreOptions::prune) only drops what provably fails a trade-level
// filter: since every fill is positive, c < sell_fill(short) + `other_credit` (the best credit
// the other side of a condor can add, 0 for a plain vertical), so a short leg with
// sell_fill + other_credit < min_credit is skipped, and with a max_loss cap the width window
// ends at cap + sell_fill + other_credit (max loss >= w - c).

#include "engine.hpp"

#include <vector>

namespace screener::strategy {

struct Vertical {
    const LegQuote* short_leg = nullptr;
    const LegQuote* long_leg = nullptr;
    double credit = 0;
    double mid_credit = 0;
    double width = 0;
};

// Appends the verticals of one side of `e` that pass the leg filters, the width window and
// 0 < credit < width; counts the rest under `name`.
void credit_verticals(const PreparedChain& chain, const Expiry& e, OptionType type,
                      const config::StrategyConfig& f, double other_credit, std::string_view name,
                      Collector& out, std::vector<Vertical>& result);

// The plain vertical strategies: every credit vertical of `type` becomes a trade.
void enumerate_verticals(const PreparedChain& chain, const config::StrategyConfig& f,
                         Collector& out, std::string_view name, OptionType type);

} // namespace screener::strategy
