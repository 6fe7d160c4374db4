// Covered call as a buy-write: buy 100 shares at the spot and sell one call against them.
#include "short_option.hpp"

namespace screener::strategy {
namespace {

class CoveredCall final : public Strategy {
public:
    std::string name() const override { return "covered_call"; }

    void build(const SymbolContext& context, const OptionChain& chain,
               const config::StrategyConfig& filters, SymbolScore& out) const override {
        build_short_option(context, chain, filters, OptionType::Call, name(), terms, out);
    }

private:
    static ShortOptionTerms terms(const SymbolContext& context, const OptionContract& call) {
        const double bid = *call.bid;
        const double spot = context.spot;
        return {
            "covered_call",
            spot,       // collateral: the cost of the shares
            spot - bid, // breakeven
            true,
            call.strike - spot + bid, // max profit: called away at the strike
            spot - bid,               // max loss: the stock goes to zero
            "spot (buy-write cost of the shares)",
            {Leg{"", OptionType::Call, 0, call.expiration, 100, true},
             Leg{call.option_symbol, OptionType::Call, call.strike, call.expiration, -1, false}},
        };
    }
};

} // namespace

const Strategy& covered_call_strategy() {
    static const CoveredCall strategy;
    return strategy;
}

} // namespace screener::strategy
