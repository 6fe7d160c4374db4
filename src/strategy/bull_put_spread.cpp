// Bull put spread: sell a put, buy a lower-strike put. breakeven K_s - c; PoP = P(S_T > K_s - c);
// max profit c, max loss w - c, return on risk c / (w - c) (verticals.hpp for the enumeration).
#include "verticals.hpp"

namespace screener::strategy {
namespace {

class BullPutSpread final : public Strategy {
public:
    std::string_view name() const override { return "bull_put_spread"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        enumerate_verticals(chain, f, out, name(), OptionType::Put);
    }
};

} // namespace

const Strategy& bull_put_spread_strategy() {
    static const BullPutSpread strategy;
    return strategy;
}

} // namespace screener::strategy
