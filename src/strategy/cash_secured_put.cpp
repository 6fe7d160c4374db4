// Cash-secured put: sell one put, keep strike x 100 in cash until expiry.
#include "short_option.hpp"

namespace screener::strategy {
namespace {

class CashSecuredPut final : public Strategy {
public:
    std::string name() const override { return "cash_secured_put"; }

    void build(const SymbolContext& context, const OptionChain& chain,
               const config::StrategyConfig& filters, SymbolScore& out) const override {
        for (const auto& contract : chain.contracts) {
            if (contract.type != OptionType::Put || quote_rejection(contract)) {
                continue;
            }
            if (auto reason = filter_rejection(context, contract, filters)) {
                ++out.rejections[name() + ":" + *reason];
                continue;
            }
            const double bid = *contract.bid;
            ShortOptionTerms terms{
                "cash_secured_put",
                contract.strike,
                contract.strike - bid,
                true,
                bid,
                contract.strike - bid, // assigned and the stock goes to zero
                "strike (cash securing the put)",
                {Leg{contract.option_symbol, OptionType::Put, contract.strike, contract.expiration,
                     -1, false}},
            };
            add_short_option_candidate(context, contract, terms, out);
        }
    }
};

} // namespace

const Strategy& cash_secured_put_strategy() {
    static const CashSecuredPut strategy;
    return strategy;
}

} // namespace screener::strategy
