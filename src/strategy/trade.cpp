// Measures shared by every strategy: expected values, hurdle, score; the leg, expiry and trade
// filters; the Collector.
#include "engine.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace screener::strategy {
namespace {

double sign(Side side) {
    return side == Side::Buy ? 1.0 : -1.0;
}

const char* type_letter(OptionType type) {
    return type == OptionType::Put ? "P" : "C";
}

} // namespace

void finish_trade(const PreparedChain& chain, Trade& trade) {
    const Expiry& e = *trade.expiry;
    const double cash = trade.is_credit ? trade.fill : -trade.fill;
    double ev_rn = cash;
    double ev_rw = cash;
    for (int i = 0; i < trade.leg_count; ++i) {
        const TradeLeg& leg = trade.legs[static_cast<std::size_t>(i)];
        ev_rn += sign(leg.side) * leg.quote->ev_payoff_rn;
        ev_rw += sign(leg.side) * leg.quote->ev_payoff_rw;
    }
    if (trade.stock_leg) {
        // 100 shares bought at spot, worth S_T at expiry: E[S_T] - S.
        ev_rn += chain.spot * e.stock_growth_rn;
        ev_rw += chain.spot * e.stock_growth_rw;
    }
    trade.ev_rn = ev_rn;
    trade.ev_rw = ev_rw;
    trade.hurdle = trade.collateral * e.rf_growth;
    const double risk = std::isfinite(trade.max_loss) ? trade.max_loss : trade.collateral;
    trade.excess_return = risk > 0 ? (ev_rw - trade.hurdle) / risk * e.annualise : 0.0;
    const config::ScoreWeights& w = chain.profile->weights;
    const auto& ctx = *chain.context;
    trade.score = w.excess_return * trade.excess_return + w.pop * trade.pop +
                  w.iv_rank * (ctx.iv_rank ? *ctx.iv_rank / 100.0 : 0.0) +
                  w.annualized_return * (std::isfinite(trade.roc_ann) ? trade.roc_ann : 0.0);
}

const char* leg_rejection(const LegQuote& q, const config::StrategyConfig& f) {
    if (q.spread_pct > f.max_spread_pct) {
        return "leg_spread";
    }
    if (q.open_interest < f.min_open_interest) {
        return "leg_open_interest";
    }
    if (q.volume < f.min_volume) {
        return "leg_volume";
    }
    return nullptr;
}

const char* short_leg_rejection(const PreparedChain& chain, const LegQuote& q, OptionType type,
                                const config::StrategyConfig& f) {
    if (const char* reason = leg_rejection(q, f)) {
        return reason;
    }
    const double abs_delta = std::abs(q.delta);
    if (abs_delta < f.delta_min || abs_delta > f.delta_max) {
        return "delta";
    }
    // Out of the money by this fraction of spot (negative in the money).
    const double otm =
        (type == OptionType::Put ? chain.spot - q.strike : q.strike - chain.spot) / chain.spot;
    if (otm < f.otm_pct_min || otm > f.otm_pct_max) {
        return "otm_pct";
    }
    if (q.bid < f.min_bid) {
        return "min_bid";
    }
    return nullptr;
}

void mark_legs(PreparedChain& chain, const config::StrategyConfig& filters) {
    for (auto& e : chain.expiries) {
        for (auto* side : {&e.puts, &e.calls}) {
            for (auto& q : *side) {
                q.leg_ok = leg_rejection(q, filters) == nullptr;
            }
        }
    }
}

const char* expiry_rejection(const PreparedChain& chain, const Expiry& expiry,
                             const config::StrategyConfig& f) {
    if (expiry.dte < f.dte_min || expiry.dte > f.dte_max) {
        return "dte";
    }
    const auto& ctx = *chain.context;
    if (chain.profile->earnings == config::EarningsPolicy::Exclude && ctx.next_earnings &&
        *ctx.next_earnings <= expiry.expiration) {
        return "earnings";
    }
    return nullptr;
}

const char* reason_name(TradeReason reason) {
    switch (reason) {
    case TradeReason::MinCredit:
        return "min_credit";
    case TradeReason::MaxLoss:
        return "max_loss";
    case TradeReason::MinAnnualizedReturn:
        return "min_annualized_return";
    case TradeReason::MinPop:
        return "min_pop";
    case TradeReason::Count:
        break;
    }
    return "unknown";
}

namespace {
// The filters that need no probability, in order.
std::optional<TradeReason> rejection_before_pop(const Trade& trade,
                                                const config::StrategyConfig& f) {
    if (trade.is_credit && trade.fill < f.min_credit) {
        return TradeReason::MinCredit;
    }
    if (f.max_loss && !(trade.max_loss <= *f.max_loss)) { // unlimited fails any cap
        return TradeReason::MaxLoss;
    }
    if (std::isfinite(trade.roc_ann) && trade.roc_ann < f.min_annualized_return) {
        return TradeReason::MinAnnualizedReturn;
    }
    return std::nullopt;
}
} // namespace

std::optional<TradeReason> trade_rejection(const Trade& trade, const config::StrategyConfig& f) {
    if (auto reason = rejection_before_pop(trade, f)) {
        return reason;
    }
    if (trade.pop < f.min_pop) {
        return TradeReason::MinPop;
    }
    return std::nullopt;
}

std::string describe_rejection(TradeReason reason, const Trade& trade,
                               const config::StrategyConfig& f) {
    switch (reason) {
    case TradeReason::MinCredit:
        return fmt::format("min_credit: credit {:.2f} < {:.2f}", trade.fill, f.min_credit);
    case TradeReason::MaxLoss:
        return fmt::format("max_loss: {:.2f} > {:.2f}", trade.max_loss, f.max_loss.value_or(0));
    case TradeReason::MinAnnualizedReturn:
        return fmt::format("min_annualized_return: {:.1f}% < {:.1f}%", trade.roc_ann * 100,
                           f.min_annualized_return * 100);
    case TradeReason::MinPop:
        return fmt::format("min_pop: {:.1f}% < {:.1f}%", trade.pop * 100, f.min_pop * 100);
    case TradeReason::Count:
        break;
    }
    return "rejected";
}

std::string describe_trade(const Trade& trade) {
    std::string text = format_date(trade.expiry->expiration);
    if (trade.stock_leg) {
        text += " stock+";
    }
    // Legs grouped by type, strikes ascending: "175/180P 200/205C".
    for (const OptionType type : {OptionType::Put, OptionType::Call}) {
        std::vector<double> strikes;
        for (int i = 0; i < trade.leg_count; ++i) {
            const auto& leg = trade.legs[static_cast<std::size_t>(i)];
            if (leg.type == type) {
                strikes.push_back(leg.quote->strike);
            }
        }
        if (strikes.empty()) {
            continue;
        }
        std::sort(strikes.begin(), strikes.end());
        text += trade.stock_leg ? "" : " ";
        for (std::size_t i = 0; i < strikes.size(); ++i) {
            text += fmt::format("{}{:g}", i ? "/" : "", strikes[i]);
        }
        text += type_letter(type);
    }
    return text;
}

Collector::Collector(const PreparedChain& chain, const ScoreOptions& options, SymbolScore& out)
    : chain_(chain), options_(options), out_(out) {}

void Collector::reject(std::string_view strategy, std::string_view reason, int count) {
    // Callers pass the same literals and names over and over, in runs: try the entry of the last
    // call, then compare addresses (this is called once per rejected leg pair), contents only
    // when that finds nothing.
    const auto same = [&](const LegCount& entry) {
        return entry.reason.data() == reason.data() && entry.strategy.data() == strategy.data() &&
               entry.reason.size() == reason.size() && entry.strategy.size() == strategy.size();
    };
    if (last_leg_count_ < leg_counts_.size() && same(leg_counts_[last_leg_count_])) {
        leg_counts_[last_leg_count_].count += count;
        return;
    }
    for (std::size_t i = 0; i < leg_counts_.size(); ++i) {
        if (same(leg_counts_[i])) {
            leg_counts_[i].count += count;
            last_leg_count_ = i;
            return;
        }
    }
    for (auto& entry : leg_counts_) {
        if (entry.reason == reason && entry.strategy == strategy) {
            entry.count += count;
            return;
        }
    }
    leg_counts_.push_back({strategy, reason, count});
}

void Collector::explain(std::string_view strategy, std::string trade, std::string verdict) {
    out_.explain.push_back({std::string(strategy), std::move(trade), std::move(verdict)});
}

void Collector::count(const Trade& trade, TradeReason reason,
                      const config::StrategyConfig& filters) {
    auto it = std::find_if(counts_.begin(), counts_.end(),
                           [&](const auto& entry) { return entry.first == trade.strategy; });
    if (it == counts_.end()) {
        counts_.push_back({trade.strategy, {}});
        it = counts_.end() - 1;
    }
    ++it->second[static_cast<std::size_t>(reason)];
    if (options_.explain) {
        explain(trade.strategy, describe_trade(trade),
                "dropped: " + describe_rejection(reason, trade, filters));
    }
}

bool Collector::precheck(const Trade& trade, const config::StrategyConfig& f) {
    ++enumerated_;
    if (auto reason = rejection_before_pop(trade, f)) {
        count(trade, *reason, f);
        return false;
    }
    return true;
}

bool Collector::offer(const Trade& trade, const config::StrategyConfig& filters) {
    if (trade.pop < filters.min_pop) {
        count(trade, TradeReason::MinPop, filters);
        return false;
    }
    ++passed_;
    if (options_.explain) {
        explain(trade.strategy, describe_trade(trade),
                fmt::format("passed: score {:.4f}, pop {:.1f}%", trade.score, trade.pop * 100));
    }
    if (would_keep(trade.score)) {
        keep(trade);
    }
    return true;
}

void Collector::keep(const Trade& trade) {
    const auto worse = [](const Trade& a, const Trade& b) { return a.score > b.score; };
    const auto keep = static_cast<std::size_t>(std::max(options_.keep_per_symbol, 0));
    if (kept_.size() < keep) {
        kept_.push_back(trade);
        std::push_heap(kept_.begin(), kept_.end(), worse);
    } else {
        std::pop_heap(kept_.begin(), kept_.end(), worse);
        kept_.back() = trade;
        std::push_heap(kept_.begin(), kept_.end(), worse);
    }
}

void Collector::count_measured(
    std::string_view strategy,
    const std::array<std::int64_t, static_cast<int>(TradeReason::Count)>& rejected,
    std::int64_t measured, std::int64_t passed) {
    enumerated_ += measured;
    passed_ += passed;
    auto it = std::find_if(counts_.begin(), counts_.end(),
                           [&](const auto& entry) { return entry.first == strategy; });
    if (it == counts_.end()) {
        counts_.push_back({strategy, {}});
        it = counts_.end() - 1;
    }
    for (std::size_t i = 0; i < rejected.size(); ++i) {
        it->second[i] += rejected[i];
    }
}

void Collector::finish() {
    for (const auto& [strategy, counts] : counts_) {
        for (std::size_t i = 0; i < counts.size(); ++i) {
            if (counts[i] > 0) {
                out_.rejections[fmt::format("{}:{}", strategy,
                                            reason_name(static_cast<TradeReason>(i)))] +=
                    static_cast<int>(counts[i]);
            }
        }
    }
    counts_.clear();
    for (const auto& entry : leg_counts_) {
        out_.rejections[fmt::format("{}:{}", entry.strategy, entry.reason)] +=
            static_cast<int>(entry.count);
    }
    leg_counts_.clear();
    out_.enumerated += enumerated_;
    out_.passed += passed_;
    enumerated_ = passed_ = 0;
    std::vector<Trade> best = kept_;
    std::sort(best.begin(), best.end(),
              [](const Trade& a, const Trade& b) { return a.score > b.score; });
    for (const auto& trade : best) {
        out_.candidates.push_back(materialise(chain_, trade));
    }
    kept_.clear();
}

} // namespace screener::strategy
