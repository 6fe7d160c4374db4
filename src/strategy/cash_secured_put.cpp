// Cash-secured put: sell one put, keep strike x 100 in cash until expiry.
#include "short_option.hpp"

namespace screener::strategy {
namespace {

class CashSecuredPut final : public Strategy {
public:
    std::string name() const override { return "cash_secured_put"; }

    void build(const SymbolContext& context, const OptionChain& chain,
               const config::StrategyConfig& filters, SymbolScore& out) const override {
        build_short_option(context, chain, filters, OptionType::Put, name(), terms, out);
    }

private:
    static ShortOptionTerms terms(const SymbolContext&, const OptionContract& put) {
        const double bid = *put.bid;
        return {
            "cash_secured_put",
            put.strike,       // collateral: the cash that secures the put
            put.strike - bid, // breakeven
            true,
            bid,              // max profit: keep the premium
            put.strike - bid, // max loss: assigned and the stock goes to zero
            "strike (cash securing the put)",
            {Leg{put.option_symbol, OptionType::Put, put.strike, put.expiration, -1, false}},
        };
    }
};

} // namespace

const Strategy& cash_secured_put_strategy() {
    static const CashSecuredPut strategy;
    return strategy;
}

} // namespace screener::strategy
