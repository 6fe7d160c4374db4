#pragma once
// The strategy engine: from one symbol's option chain to measured, filtered and scored candidate
// trades, and the run-wide ranking. docs/strategies.md has every formula and convention.
//
//   score_symbol:  data-quality gate -> prepared chain (own IV where the vendor's is missing,
//                  per-leg fills, probabilities and expected payoffs) -> each enabled strategy
//                  enumerates its trades (with provably safe pruning) -> filters -> score ->
//                  the symbol's best few, materialised as Candidates with their metrics JSON.
//   rank_candidates: best first by score with per-symbol and per-sector limits.
//
// Each strategy is one file under src/strategy/ registered in strategy_table() (strategy.cpp).

#include "screener/config/config.hpp"
#include "screener/core/types.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace screener::strategy {

struct Dividend {
    Date ex_date{};
    double amount = 0; // per share
};

// What the engine knows about the underlying besides its chain.
struct SymbolContext {
    std::string symbol;
    Date as_of{};
    double spot = 0;
    double risk_free_rate = 0;
    double dividend_yield = 0; // continuous
    std::optional<double> hv20, hv60;
    std::optional<double> iv30;                   // constant-maturity ATM IV, this run
    std::optional<double> iv_rank, iv_percentile; // 0..100; none: not enough history
    std::optional<Date> next_earnings;            // first report date on or after as_of
    std::optional<Dividend> next_dividend;        // first ex-date after as_of, when known
    std::string sector;                           // empty when unknown
    std::optional<config::HoldingLot> holding;    // shares held (covered calls on lots)
};

// The data-quality gate's verdict on one chain.
struct ChainQuality {
    int contracts = 0;
    int usable = 0;
    std::map<std::string, int> rejections; // reason -> contracts not scored
    std::map<std::string, int> repairs;    // reason -> contracts scored with own figures
    char grade = 'A';     // A >= 95% usable, B >= 85%, C >= 70%, D >= 50%, F below; - empty chain
    bool rankable = true; // false when the rejected share exceeds the profile's limit
};

// One line of `scan --explain SYMBOL`.
struct ExplainLine {
    std::string strategy;
    std::string trade;   // e.g. "2026-12-18 P180/P175"
    std::string verdict; // "passed: score 0.1234, pop 81.0%" or "dropped: min_pop: 61.0% < 70.0%"
};

struct ScoreOptions {
    int keep_per_symbol = 3; // candidates materialised per symbol (>= the per-symbol limit)
    bool explain = false;    // fill SymbolScore::explain
    bool prune = true;       // false: brute force (tests compare the two)
};

struct SymbolScore {
    std::vector<Candidate> candidates; // best first, at most keep_per_symbol
    ChainQuality quality;
    // "strategy:reason" -> count for filter rejections; quality reasons without a prefix.
    std::map<std::string, int> rejections;
    std::int64_t enumerated = 0; // trades measured
    std::int64_t passed = 0;     // trades that passed every filter
    // Why the symbol produced nothing at all ("quality", "iv_rank", "sector", "price"), if so.
    std::optional<std::string> symbol_rejection;
    std::vector<ExplainLine> explain;
};

// Why a quote cannot be scored ("missing_quote", "crossed", "locked", "zero_bid", "stale_quote",
// "blown_spread", "missing_iv"), or nullopt. A missing quote is never replaced by a made-up one.
// `as_of_close` is the unix time of the as-of session's close (staleness reference).
std::optional<std::string> quote_rejection(const OptionContract& contract, std::int64_t as_of_close,
                                           double max_quote_age_hours);

// Vendor sentinel for "unknown": -999, exactly 0 or NaN (an IV or delta of exactly 0 is never a
// real value for a listed option with a two-sided quote).
bool is_sentinel(std::optional<double> value);

// The contract's delta: the vendor's when plausible (right sign, 0 < |delta| < 1), else
// Black-Scholes-Merton from the contract's IV.
double contract_delta(const SymbolContext& context, const OptionContract& contract);

// The chain with each missing, sentinel or implausible vendor IV replaced by the IV solved from
// the contract's mid (OptionContract::iv_solved set); contracts without a two-sided quote keep
// none.
OptionChain with_solved_iv(const SymbolContext& context, const OptionChain& vendor_chain);

// Runs the data-quality gate and every enabled strategy of the profile over one chain.
SymbolScore score_symbol(const SymbolContext& context, const OptionChain& chain,
                         const config::ProfileConfig& profile, const ScoreOptions& options = {});

// Best first by score (ties: higher PoP, then symbol, strategy, expiration, strike), at most
// `max_per_symbol` per symbol, `max_per_sector` per known sector (0: no limit) and `top_n`
// overall; sets Candidate::rank from 1.
std::vector<Candidate> rank_candidates(std::vector<Candidate> candidates, int top_n,
                                       int max_per_symbol, int max_per_sector = 0);

// Known strategy names in display order (config::known_strategies() must list the same).
std::vector<std::string> strategy_names();

} // namespace screener::strategy
