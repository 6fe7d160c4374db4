// Bear call spread: sell a call, buy a higher-strike call. breakeven K_s + c; PoP = P(S_T < K_s +
// c); max profit c, max loss w - c, return on risk c / (w - c) (verticals.hpp for the enumeration).
#include "verticals.hpp"

namespace screener::strategy {
namespace {

class BearCallSpread final : public Strategy {
public:
    std::string_view name() const override { return "bear_call_spread"; }

    void enumerate(const PreparedChain& chain, const config::StrategyConfig& f,
                   Collector& out) const override {
        enumerate_verticals(chain, f, out, name(), OptionType::Call);
    }
};

} // namespace

const Strategy& bear_call_spread_strategy() {
    static const BearCallSpread strategy;
    return strategy;
}

} // namespace screener::strategy
