// Cash-secured put: sell one put and hold strike x 100 in cash until expiry.
//   credit c = the put's conservative sell fill; breakeven K - c; PoP = P(S_T > K - c);
//   max profit c; max loss K - c (assigned, stock to zero); return on capital c / K.
#include "single_option.hpp"

namespace screener::strategy {
namespace {

class CashSecuredPut final : public Strategy {
public:
    std::string_view name() const override { return "cash_secured_put"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        enumerate_single(chain, f, out, name(), OptionType::Put,
                         [&](const Expiry& e, const LegQuote& put, Trade& trade) {
                             const double c = put.sell_fill;
                             trade.legs[0] = {&put, OptionType::Put, Side::Sell};
                             trade.leg_count = 1;
                             trade.is_credit = true;
                             trade.fill = c;
                             trade.mid_price = put.mid;
                             trade.breakevens[0] = put.strike - c;
                             trade.breakeven_count = 1;
                             trade.pop = prob_above(chain, put.strike - c, put.iv, e.t);
                             trade.max_profit = c;
                             trade.max_loss = put.strike - c;
                             trade.collateral = put.strike;
                             trade.collateral_basis = "strike (cash securing the put)";
                             trade.roc = c / put.strike;
                         });
    }
};

} // namespace

const Strategy& cash_secured_put_strategy() {
    static const CashSecuredPut strategy;
    return strategy;
}

} // namespace screener::strategy
