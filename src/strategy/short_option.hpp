#pragma once
// Shared measurement of a single short option (the cash-secured put and the covered call):
// both sell one contract at the bid and differ only in collateral and payoff.

#include "screener/strategy/strategy.hpp"

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

// Applies the strategy filters to one contract; returns the rejection reason or nullopt.
std::optional<std::string> filter_rejection(const SymbolContext& context,
                                            const OptionContract& contract,
                                            const config::StrategyConfig& filters);

// Measures and appends one candidate (the contract already passed the filters).
void add_short_option_candidate(const SymbolContext& context, const OptionContract& contract,
                                const ShortOptionTerms& terms, SymbolScore& out);

} // namespace screener::strategy
