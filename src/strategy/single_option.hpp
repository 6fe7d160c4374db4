#pragma once
// Enumeration shared by the one-option strategies (cash-secured put, covered call, long call,
// long put): every option of the right type in the DTE window that passes the short-leg filters
// (for long options: the bought leg's) becomes one trade measured by `measure`.

#include "engine.hpp"

#include <fmt/format.h>

namespace screener::strategy {

template <typename Measure>
void enumerate_single(const PreparedChain& chain, const config::StrategyConfig& f, Collector& out,
                      std::string_view name, OptionType type, Measure&& measure) {
    for (const Expiry& e : chain.expiries) {
        if (const char* reason = expiry_rejection(chain, e, f)) {
            const auto& quotes = type == OptionType::Put ? e.puts : e.calls;
            out.reject(name, reason, static_cast<int>(quotes.size()));
            if (out.explaining()) {
                out.explain(name, format_date(e.expiration), std::string("dropped: ") + reason);
            }
            continue;
        }
        for (const LegQuote& q : type == OptionType::Put ? e.puts : e.calls) {
            if (const char* reason = short_leg_rejection(chain, q, type, f)) {
                out.reject(name, reason);
                if (out.explaining()) {
                    out.explain(name,
                                fmt::format("{} {:g}{}", format_date(e.expiration), q.strike,
                                            type == OptionType::Put ? "P" : "C"),
                                std::string("dropped: ") + reason);
                }
                continue;
            }
            Trade trade;
            trade.strategy = name;
            trade.expiry = &e;
            measure(e, q, trade);
            set_annualised_return(trade);
            if (!out.precheck(trade, f)) {
                continue;
            }
            finish_trade(chain, trade);
            out.offer(trade, f);
        }
    }
}

} // namespace screener::strategy
