#pragma once
// Internals of the strategy engine shared by the strategy files: the prepared chain (every usable
// option with its fills, probabilities and expected payoffs computed once), the Trade a strategy
// measures, and the Collector that filters, keeps the best and explains.
//
// Hot path: strategies build Trades from LegQuote pointers with plain arithmetic; the only
// transcendental work per trade is the probability of profit at its breakeven(s), with the
// inline math of pop_math.hpp in vectorised passes (the iron condor measures its pairs without
// forming Trades at all: condor_kernel.hpp). Everything else a Candidate shows (metrics JSON,
// legs, flags) is built for the few kept trades only.

#include "screener/strategy/strategy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace screener::strategy {

inline constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// One usable option of an expiry, after the data-quality gate.
struct LegQuote {
    double strike = 0;
    double bid = 0, ask = 0, mid = 0;
    double sell_fill = 0;  // mid - k x half-spread
    double buy_fill = 0;   // mid + k x half-spread
    double spread_pct = 0; // (ask - bid) / mid
    double iv = 0;
    bool iv_solved = false; // solved by the screener from the mid
    double delta = 0;
    double open_interest = 0, volume = 0;
    double p_above = 0;      // P(S_T > strike), own IV, the profile's PoP drift
    double ev_payoff_rn = 0; // E[payoff at expiry], risk-neutral (drift r - q, own IV)
    double ev_payoff_rw = 0; // E[payoff at expiry], real-world lognormal
    bool leg_ok = false;     // passes the every-leg filters of the strategy being enumerated
    const OptionContract* contract = nullptr;
};

struct Expiry {
    Date expiration{};
    int dte = 0;
    double t = 0; // years, as-of close to 16:00 ET on expiration
    double sqrt_t = 0;
    double annualise = 0;              // 365 / dte (dte >= 1): the simple annualisation
    double rf_growth = 0;              // e^{rt} - 1: what T-bills earn over the period
    double stock_growth_rn = 0;        // E[S_T]/S - 1, risk-neutral
    double stock_growth_rw = 0;        // E[S_T]/S - 1, real-world
    std::vector<LegQuote> puts, calls; // ascending strike
};

// The symbol's chain ready for enumeration.
struct PreparedChain {
    const SymbolContext* context = nullptr;
    const config::ProfileConfig* profile = nullptr;
    double spot = 0;
    double rate = 0;
    double dividend_yield = 0;
    double pop_drift = 0; // drift of the probabilities (r - q or 0)
    double rw_drift = 0;  // real-world drift
    double rw_vol = 0;    // real-world volatility (0: unknown, EV falls back to risk-neutral)
    bool rw_known = false;
    char quality_grade = 'A';
    std::vector<Expiry> expiries;
};

// P(S_T > level) for the chain's spot, PoP drift, volatility `sigma` and time t.
double prob_above(const PreparedChain& chain, double level, double sigma, double t);

enum class Side { Sell, Buy };

struct TradeLeg {
    const LegQuote* quote = nullptr;
    OptionType type = OptionType::Put;
    Side side = Side::Sell;
};

// A measured trade: per share, at expiry, consistent with fill.
struct Trade {
    std::string_view strategy;
    const Expiry* expiry = nullptr;
    std::array<TradeLeg, 4> legs{};
    int leg_count = 0;
    bool stock_leg = false; // covered call: long 100 shares bought (or held) at spot
    bool held_lot = false;  // the shares are a held lot from the profile's holdings
    bool is_credit = true;
    double fill = 0;      // > 0: credit received or debit paid
    double mid_price = 0; // same sign convention at the mids
    std::array<double, 2> breakevens{k_nan, k_nan};
    int breakeven_count = 0;
    double pop = 0;
    double max_profit = k_nan; // NaN: unlimited
    double max_loss = k_nan;   // NaN: unlimited
    double collateral = 0;
    double roc = k_nan;       // simple return on capital (NaN: not applicable)
    double roc_ann = k_nan;   // x 365 / dte
    double ror = k_nan;       // fill / max_loss for defined-risk credit trades
    double ev_rn = 0;         // expected P&L, risk-neutral
    double ev_rw = 0;         // expected P&L, real-world
    double hurdle = 0;        // what the capital earns in T-bills over the period
    double excess_return = 0; // (ev_rw - hurdle) / max_loss x 365 / dte
    double score = 0;
    const char* collateral_basis = "";
};

// Sets roc_ann from roc (the strategy has set roc when it applies).
inline void set_annualised_return(Trade& trade) {
    if (std::isfinite(trade.roc)) {
        trade.roc_ann = trade.roc * trade.expiry->annualise;
    }
}
// Fills the trade's expected values, excess return and score from its legs, fill, pop,
// max_loss and collateral. The same for every strategy.
void finish_trade(const PreparedChain& chain, Trade& trade);

// Why a leg fails the every-leg filters (spread, open interest, volume), or nullptr.
const char* leg_rejection(const LegQuote& q, const config::StrategyConfig& f);
// Why a sold leg (or a long option's bought leg) fails the short-leg filters (delta band, OTM %,
// min bid) on top of the every-leg ones, or nullptr. `type` says which side of spot is OTM.
const char* short_leg_rejection(const PreparedChain& chain, const LegQuote& q, OptionType type,
                                const config::StrategyConfig& f);

// Trade-level filters, in the order they are checked.
enum class TradeReason { MinCredit, MaxLoss, MinAnnualizedReturn, MinPop, Count };
const char* reason_name(TradeReason reason);
// The first trade-level filter `trade` fails, or nullopt when it passes every one.
std::optional<TradeReason> trade_rejection(const Trade& trade, const config::StrategyConfig& f);
// "pop 0.61 < 0.70": the failed filter with its figures, for --explain.
std::string describe_rejection(TradeReason reason, const Trade& trade,
                               const config::StrategyConfig& f);
// "2026-12-18 175/180P", for --explain.
std::string describe_trade(const Trade& trade);

// Receives every measured trade of one symbol: applies the trade-level filters, counts
// rejections, keeps the best `keep_per_symbol` by score and (in explain mode) records every
// verdict. Counting is by small arrays in the hot path, folded into SymbolScore by finish().
class Collector {
public:
    Collector(const PreparedChain& chain, const ScoreOptions& options, SymbolScore& out);

    // Counts rejections decided without forming trades (pruned legs or expiries). `reason` must
    // outlive the collector (a string literal).
    void reject(std::string_view strategy, std::string_view reason, int count = 1);
    // Counts the trade and checks the filters that need no probability (credit, max loss,
    // return); false (rejection counted) when one fails. Call before computing pop.
    bool precheck(const Trade& trade, const config::StrategyConfig& filters);
    // After precheck, pop and finish_trade: the probability filter, then keeps the trade if it
    // is among the best. Returns true when the trade passed every filter.
    bool offer(const Trade& trade, const config::StrategyConfig& filters);
    // Bookkeeping for a kernel that measures trades without forming them (the iron condor's):
    // `measured` trades reached the trade-level filters, `rejected` of them failed one (by
    // reason), the rest passed. Equivalent to precheck + offer on each, less the keeping.
    void
    count_measured(std::string_view strategy,
                   const std::array<std::int64_t, static_cast<int>(TradeReason::Count)>& rejected,
                   std::int64_t measured, std::int64_t passed);
    // Whether a passed trade with this score would be kept by offer(): only those are formed.
    bool would_keep(double score) const {
        const auto keep = static_cast<std::size_t>(std::max(options_.keep_per_symbol, 0));
        return kept_.size() < keep || (keep > 0 && score > kept_.front().score);
    }
    // The same as would_keep for a loop: a passed trade is kept while room() > 0, then when
    // its score exceeds threshold() (+inf when nothing is kept at all).
    std::size_t room() const {
        const auto keep = static_cast<std::size_t>(std::max(options_.keep_per_symbol, 0));
        return kept_.size() < keep ? keep - kept_.size() : 0;
    }
    double threshold() const {
        return kept_.empty() ? std::numeric_limits<double>::infinity() : kept_.front().score;
    }
    // Keeps a trade already counted as passed (count_measured) for which would_keep holds.
    void keep(const Trade& trade);
    // In explain mode: records a verdict on a leg or expiry no trade was formed from.
    void explain(std::string_view strategy, std::string trade, std::string verdict);
    bool explaining() const { return options_.explain; }
    bool pruning() const { return options_.prune; }

    // Folds the counters into SymbolScore and appends the kept trades as Candidates, best
    // first.
    void finish();

private:
    const PreparedChain& chain_;
    const ScoreOptions& options_;
    SymbolScore& out_;
    void count(const Trade& trade, TradeReason reason, const config::StrategyConfig& filters);
    std::vector<Trade> kept_; // min-heap on score, at most options_.keep_per_symbol
    // Trade-level rejections per strategy name (few strategies: a flat list).
    std::vector<
        std::pair<std::string_view, std::array<std::int64_t, static_cast<int>(TradeReason::Count)>>>
        counts_;
    // Rejections decided before trades were formed: (strategy, reason literal, count).
    struct LegCount {
        std::string_view strategy, reason;
        std::int64_t count;
    };
    std::vector<LegCount> leg_counts_;
    std::size_t last_leg_count_ = 0; // index of the entry reject() last counted into
    std::int64_t enumerated_ = 0;
    std::int64_t passed_ = 0;
};

// Builds the Candidate (legs, flags, metrics JSON) of a kept trade.
Candidate materialise(const PreparedChain& chain, const Trade& trade);

// Builds the prepared chain and the quality verdict, solving the IVs the vendor left unusable.
// `chain` must outlive the result, which points into it.
PreparedChain prepare_chain(const SymbolContext& context, const config::ProfileConfig& profile,
                            const OptionChain& chain, ChainQuality& quality);

// Why no trade of `expiry` can pass (outside the DTE window, earnings excluded), or nullptr.
const char* expiry_rejection(const PreparedChain& chain, const Expiry& expiry,
                             const config::StrategyConfig& f);

// One strategy: enumerates its trades over the prepared chain.
class Strategy {
public:
    virtual ~Strategy() = default;
    virtual std::string_view name() const = 0;
    virtual void enumerate(const PreparedChain& chain, const config::StrategyConfig& filters,
                           Collector& out) const = 0;
};

// Every strategy in display order (strategy.cpp); one line per strategy file.
const std::vector<const Strategy*>& strategy_table();

// Per-leg filter state for one strategy: marks leg_ok on every quote of the chain (a copy per
// enumeration is avoided by resetting in place; enumeration is single-threaded per symbol).
void mark_legs(PreparedChain& chain, const config::StrategyConfig& filters);

} // namespace screener::strategy
