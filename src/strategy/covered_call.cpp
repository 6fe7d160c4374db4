// Covered call as a buy-write: buy 100 shares at the spot and sell one call against them.
#include "short_option.hpp"

namespace screener::strategy {
namespace {

class CoveredCall final : public Strategy {
public:
    std::string name() const override { return "covered_call"; }

    void build(const SymbolContext& context, const OptionChain& chain,
               const config::StrategyConfig& filters, SymbolScore& out) const override {
        for (const auto& contract : chain.contracts) {
            if (contract.type != OptionType::Call || quote_rejection(contract)) {
                continue;
            }
            if (auto reason = filter_rejection(context, contract, filters)) {
                ++out.rejections[name() + ":" + *reason];
                continue;
            }
            const double bid = *contract.bid;
            const double spot = context.spot;
            ShortOptionTerms terms{
                "covered_call",
                spot,
                spot - bid,
                true,
                contract.strike - spot + bid, // called away at the strike
                spot - bid,                   // the stock goes to zero
                "spot (buy-write cost of the shares)",
                {Leg{"", OptionType::Call, 0, contract.expiration, 100, true},
                 Leg{contract.option_symbol, OptionType::Call, contract.strike, contract.expiration,
                     -1, false}},
            };
            add_short_option_candidate(context, contract, terms, out);
        }
    }
};

} // namespace

const Strategy& covered_call_strategy() {
    static const CoveredCall strategy;
    return strategy;
}

} // namespace screener::strategy
