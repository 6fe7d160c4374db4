#include "engine.hpp"

#include <algorithm>
#include <set>

namespace screener::strategy {

// Defined one per strategy file; adding a strategy is one file plus one line below (and its
// name in config::known_strategies()).
const Strategy& cash_secured_put_strategy();
const Strategy& covered_call_strategy();
const Strategy& bull_put_spread_strategy();
const Strategy& bear_call_spread_strategy();
const Strategy& iron_condor_strategy();
const Strategy& long_call_strategy();
const Strategy& long_put_strategy();

const std::vector<const Strategy*>& strategy_table() {
    static const std::vector<const Strategy*> table = {
        &cash_secured_put_strategy(), &covered_call_strategy(), &bull_put_spread_strategy(),
        &bear_call_spread_strategy(), &iron_condor_strategy(),  &long_call_strategy(),
        &long_put_strategy(),
    };
    return table;
}

std::vector<std::string> strategy_names() {
    std::vector<std::string> names;
    for (const Strategy* s : strategy_table()) {
        names.emplace_back(s->name());
    }
    return names;
}

namespace {

// Why the whole symbol is out before any trade is formed, or nullptr.
const char* symbol_rejection(const SymbolContext& ctx, const config::ProfileConfig& profile) {
    if (ctx.spot < profile.prefilter.min_price || ctx.spot > profile.prefilter.max_price) {
        return "price";
    }
    const auto listed = [&](const std::vector<std::string>& sectors) {
        return std::find(sectors.begin(), sectors.end(), ctx.sector) != sectors.end();
    };
    if ((!profile.sectors_include.empty() &&
         (ctx.sector.empty() || !listed(profile.sectors_include))) ||
        (!ctx.sector.empty() && listed(profile.sectors_exclude))) {
        return "sector";
    }
    if (profile.iv_rank_min || profile.iv_rank_max) {
        // An unknown IV rank cannot show that it is in range.
        if (!ctx.iv_rank || *ctx.iv_rank < profile.iv_rank_min.value_or(0) ||
            *ctx.iv_rank > profile.iv_rank_max.value_or(100)) {
            return "iv_rank";
        }
    }
    return nullptr;
}

} // namespace

SymbolScore score_symbol(const SymbolContext& context, const OptionChain& vendor_chain,
                         const config::ProfileConfig& profile, const ScoreOptions& options) {
    SymbolScore out;
    PreparedChain prepared = prepare_chain(context, profile, vendor_chain, out.quality);
    for (const auto& [reason, count] : out.quality.rejections) {
        out.rejections[reason] += count;
    }
    if (!out.quality.rankable) {
        out.symbol_rejection = "quality";
        return out;
    }
    if (const char* reason = symbol_rejection(context, profile)) {
        out.symbol_rejection = reason;
        ++out.rejections[std::string("symbol:") + reason];
        return out;
    }
    Collector collector(prepared, options, out);
    for (const Strategy* strategy : strategy_table()) {
        const auto it = profile.strategies.find(std::string(strategy->name()));
        if (it == profile.strategies.end() || !it->second.enabled) {
            continue;
        }
        mark_legs(prepared, it->second);
        strategy->enumerate(prepared, it->second, collector);
    }
    collector.finish();
    return out;
}

std::vector<Candidate> rank_candidates(std::vector<Candidate> candidates, int top_n,
                                       int max_per_symbol, int max_per_sector) {
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        if (a.pop != b.pop) {
            return a.pop > b.pop;
        }
        if (a.symbol != b.symbol) {
            return a.symbol < b.symbol;
        }
        if (a.strategy != b.strategy) {
            return a.strategy < b.strategy;
        }
        if (a.expiration != b.expiration) {
            return a.expiration < b.expiration;
        }
        return a.strike < b.strike;
    });
    std::vector<Candidate> ranked;
    std::map<std::string, int> per_symbol, per_sector;
    for (auto& candidate : candidates) {
        if (static_cast<int>(ranked.size()) >= top_n) {
            break;
        }
        if (per_symbol[candidate.symbol] >= max_per_symbol) {
            continue;
        }
        if (max_per_sector > 0 && !candidate.sector.empty() &&
            per_sector[candidate.sector] >= max_per_sector) {
            continue;
        }
        ++per_symbol[candidate.symbol];
        if (!candidate.sector.empty()) {
            ++per_sector[candidate.sector];
        }
        candidate.rank = static_cast<int>(ranked.size()) + 1;
        ranked.push_back(std::move(candidate));
    }
    return ranked;
}

} // namespace screener::strategy
