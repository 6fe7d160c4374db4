// Long put: buy one put. debit d = the put's conservative buy fill; breakeven K - d;
// PoP = P(S_T < K - d); max loss d; max profit K - d (stock to zero); no return on capital,
// the score uses the expected value.
#include "single_option.hpp"

namespace screener::strategy {
namespace {

class LongPut final : public Strategy {
public:
    std::string_view name() const override { return "long_put"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        enumerate_single(chain, f, out, name(), OptionType::Put,
                         [&](const Expiry& e, const LegQuote& put, Trade& trade) {
                             const double d = put.buy_fill;
                             const double breakeven = put.strike - d;
                             trade.legs[0] = {&put, OptionType::Put, Side::Buy};
                             trade.leg_count = 1;
                             trade.is_credit = false;
                             trade.fill = d;
                             trade.mid_price = put.mid;
                             trade.breakevens[0] = breakeven;
                             trade.breakeven_count = 1;
                             trade.pop = breakeven > 0
                                             ? 1.0 - prob_above(chain, breakeven, put.iv, e.t)
                                             : 0.0;
                             trade.max_profit = std::max(breakeven, 0.0);
                             trade.max_loss = d;
                             trade.collateral = d;
                             trade.collateral_basis = "debit paid";
                         });
    }
};

} // namespace

const Strategy& long_put_strategy() {
    static const LongPut strategy;
    return strategy;
}

} // namespace screener::strategy
