#include "screener/strategy/strategy.hpp"

#include "screener/core/calendar.hpp"
#include "screener/pricing/implied_vol.hpp"

#include <algorithm>
#include <cmath>

namespace screener::strategy {

// Defined one per strategy file; adding a strategy is one file plus one line below.
const Strategy& cash_secured_put_strategy();
const Strategy& covered_call_strategy();

const std::map<std::string, const Strategy*>& strategy_table() {
    static const std::map<std::string, const Strategy*> table = {
        {"cash_secured_put", &cash_secured_put_strategy()},
        {"covered_call", &covered_call_strategy()},
    };
    return table;
}

std::optional<std::string> quote_rejection(const OptionContract& contract) {
    if (!contract.bid || !contract.ask || !std::isfinite(*contract.bid) ||
        !std::isfinite(*contract.ask)) {
        return "missing_quote";
    }
    if (*contract.ask < *contract.bid) {
        return "crossed";
    }
    if (*contract.bid <= 0) {
        return "zero_bid";
    }
    if (*contract.ask == *contract.bid) {
        return "locked";
    }
    if (!contract.iv || !(*contract.iv > 0) || !(*contract.iv < 10)) {
        return "missing_iv";
    }
    return std::nullopt;
}

OptionChain with_solved_iv(const SymbolContext& context, const OptionChain& vendor_chain) {
    OptionChain chain = vendor_chain;
    for (auto& c : chain.contracts) {
        const bool vendor_iv_usable = c.iv && *c.iv > 0 && *c.iv < 10;
        if (vendor_iv_usable || !c.bid || !c.ask || !(*c.bid > 0) || !(*c.ask > *c.bid)) {
            continue;
        }
        const double t = years_to_expiry(market_close_unix(context.as_of), c.expiration);
        const double iv = pricing::implied_vol(c.type, 0.5 * (*c.bid + *c.ask), context.spot,
                                               c.strike, t, context.risk_free_rate, 0.0);
        if (std::isfinite(iv) && iv > 0) {
            c.iv = iv;
            c.iv_solved = true;
        }
    }
    return chain;
}

SymbolScore score_symbol(const SymbolContext& context, const OptionChain& vendor_chain,
                         const config::ProfileConfig& profile) {
    const OptionChain chain = with_solved_iv(context, vendor_chain);
    SymbolScore out;
    out.contracts_seen = static_cast<int>(chain.contracts.size());
    for (const auto& contract : chain.contracts) {
        if (auto reason = quote_rejection(contract)) {
            ++out.rejections[*reason];
        }
    }
    for (const auto& [name, filters] : profile.strategies) {
        if (!filters.enabled) {
            continue;
        }
        const auto it = strategy_table().find(name);
        if (it != strategy_table().end()) {
            it->second->build(context, chain, filters, out);
        }
    }
    return out;
}

std::vector<Candidate> rank_candidates(std::vector<Candidate> candidates, int top_n,
                                       int max_per_symbol) {
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
        return a.strike < b.strike;
    });
    std::vector<Candidate> ranked;
    std::map<std::string, int> per_symbol;
    for (auto& candidate : candidates) {
        if (static_cast<int>(ranked.size()) >= top_n) {
            break;
        }
        if (++per_symbol[candidate.symbol] > max_per_symbol) {
            continue;
        }
        candidate.rank = static_cast<int>(ranked.size()) + 1;
        ranked.push_back(std::move(candidate));
    }
    return ranked;
}

} // namespace screener::strategy
