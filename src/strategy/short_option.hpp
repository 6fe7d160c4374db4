#pragma once
// Shared measurement of a single short option (the cash-secured put and the covered call):
// both sell one contract at the bid and differ only in collateral and payoff.

#include "screener/strategy/strategy.hpp"

#include <functional>

namespace screener::strategy {

struct ShortOptionTerms {
    const char* strategy;
    double collateral;           // capital tied up per share
    double breakeven;            // underlying price at expiry where the P&L is zero
    bool profit_above_breakeven; // true for both short put and covered call
    double max_profit;
    std::optional<double> max_loss; // per share; nullopt = undefined
    const char* collateral_basis;   // named in the metrics
    std::vector<Leg> legs;
};

// The collateral, breakeven and payoff of selling `contract` (which has a valid bid).
using TermsOf = std::function<ShortOptionTerms(const SymbolContext&, const OptionContract&)>;

// Sells one contract of `type` at a time: every contract with a scorable quote that passes the
// filters becomes a candidate measured from `terms_of`; the others are counted by reason.
void build_short_option(const SymbolContext& context, const OptionChain& chain,
                        const config::StrategyConfig& filters, OptionType type,
                        const std::string& strategy, const TermsOf& terms_of, SymbolScore& out);

} // namespace screener::strategy
