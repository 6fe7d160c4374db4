// Long call: buy one call. debit d = the call's conservative buy fill; breakeven K + d;
// PoP = P(S_T > K + d); max loss d; max profit unlimited; no return on capital (the profit is
// not capped), the score uses the expected value.
#include "single_option.hpp"

namespace screener::strategy {
namespace {

class LongCall final : public Strategy {
public:
    std::string_view name() const override { return "long_call"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        enumerate_single(chain, f, out, name(), OptionType::Call,
                         [&](const Expiry& e, const LegQuote& call, Trade& trade) {
                             const double d = call.buy_fill;
                             trade.legs[0] = {&call, OptionType::Call, Side::Buy};
                             trade.leg_count = 1;
                             trade.is_credit = false;
                             trade.fill = d;
                             trade.mid_price = call.mid;
                             trade.breakevens[0] = call.strike + d;
                             trade.breakeven_count = 1;
                             trade.pop = prob_above(chain, call.strike + d, call.iv, e.t);
                             trade.max_loss = d;
                             trade.collateral = d;
                             trade.collateral_basis = "debit paid";
                         });
    }
};

} // namespace

const Strategy& long_call_strategy() {
    static const LongCall strategy;
    return strategy;
}

} // namespace screener::strategy
