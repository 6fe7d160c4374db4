#pragma once
// Builds candidate trades from one symbol's option chain, measures and scores them, and ranks
// the run's candidates. Each strategy is one file registered in strategy_table().
//
// Conventions (also written into every candidate's metrics JSON):
//   fill       the bid for a short option: what a seller gets without price improvement
//   t          from the as-of close to 16:00 ET on the expiration day, in 365-day years
//   pop        P(profit at expiry) = N(d2) evaluated at the breakeven, drift r (risk-neutral)
//   return     premium / collateral, simple; annualised x 365 / dte (simple, not compounded)
//   score      the annualised return (interim ranking; the strategy engine replaces it)

#include "screener/config/config.hpp"
#include "screener/core/types.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace screener::strategy {

// What a strategy knows about the underlying besides its chain.
struct SymbolContext {
    std::string symbol;
    Date as_of{};
    double spot = 0;
    double risk_free_rate = 0;
    std::optional<double> hv20, hv60;
    std::optional<Date> next_earnings; // first report date on or after as_of
    config::EarningsPolicy earnings_policy = config::EarningsPolicy::Flag;
};

// Candidates of one symbol, plus why contracts were not scored (reason -> count).
struct SymbolScore {
    std::vector<Candidate> candidates;
    std::map<std::string, int> rejections;
    int contracts_seen = 0;
};

class Strategy {
public:
    virtual ~Strategy() = default;
    virtual std::string name() const = 0;
    // Appends every candidate of `chain` that passes `filters` to `out.candidates`.
    virtual void build(const SymbolContext& context, const OptionChain& chain,
                       const config::StrategyConfig& filters, SymbolScore& out) const = 0;
};

// Every strategy, by name.
const std::map<std::string, const Strategy*>& strategy_table();

// Why a quote cannot be scored ("missing_quote", "crossed", "locked", "zero_bid",
// "missing_iv"), or nullopt when it can. A missing quote is never replaced by a made-up one.
std::optional<std::string> quote_rejection(const OptionContract& contract);

// The contract's delta: the vendor's when plausible (right sign, |delta| < 1), else
// Black-Scholes from the contract's IV. Vendors send 0 or -999 for "unknown".
double contract_delta(const SymbolContext& context, const OptionContract& contract);

// The chain with each missing, zero or implausible vendor IV replaced by the IV solved from the
// contract's mid (OptionContract::iv_solved set); contracts without a two-sided quote keep none.
OptionChain with_solved_iv(const SymbolContext& context, const OptionChain& vendor_chain);

// Runs every enabled strategy of the profile over one chain, after with_solved_iv. Quote rejections
// are counted once per contract, not once per strategy.
SymbolScore score_symbol(const SymbolContext& context, const OptionChain& chain,
                         const config::ProfileConfig& profile);

// Best first by score (ties: higher PoP, then symbol), at most `max_per_symbol` per symbol
// and `top_n` overall; sets Candidate::rank from 1.
std::vector<Candidate> rank_candidates(std::vector<Candidate> candidates, int top_n,
                                       int max_per_symbol);

} // namespace screener::strategy
