// Covered call: 100 shares (a held lot from the profile's holdings, else bought now as a
// buy-write) and one call sold against them, both valued at spot.
//   credit c = the call's conservative sell fill; breakeven S - c; PoP = P(S_T > S - c);
//   max profit K - S + c (called away); max loss S - c (stock to zero);
//   return on capital c / S (static, "if unchanged"); if-called (K - S + c) / S in the metrics.
#include "single_option.hpp"

namespace screener::strategy {
namespace {

class CoveredCall final : public Strategy {
public:
    std::string_view name() const override { return "covered_call"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        const auto& holding = chain.context->holding;
        const bool held = holding && holding->shares >= 100;
        if (!held && !f.buy_write) {
            out.reject(name(), "not_held");
            return;
        }
        const double spot = chain.spot;
        enumerate_single(chain, f, out, name(), OptionType::Call,
                         [&](const Expiry& e, const LegQuote& call, Trade& trade) {
                             const double c = call.sell_fill;
                             trade.legs[0] = {&call, OptionType::Call, Side::Sell};
                             trade.leg_count = 1;
                             trade.stock_leg = true;
                             trade.held_lot = held;
                             trade.is_credit = true;
                             trade.fill = c;
                             trade.mid_price = call.mid;
                             trade.breakevens[0] = spot - c;
                             trade.breakeven_count = 1;
                             trade.pop = prob_above(chain, spot - c, call.iv, e.t);
                             trade.max_profit = call.strike - spot + c;
                             trade.max_loss = spot - c;
                             trade.collateral = spot;
                             trade.collateral_basis = held
                                                          ? "spot (market value of the held shares)"
                                                          : "spot (buy-write cost of the shares)";
                             trade.roc = c / spot;
                         });
    }
};

} // namespace

const Strategy& covered_call_strategy() {
    static const CoveredCall strategy;
    return strategy;
}

} // namespace screener::strategy
