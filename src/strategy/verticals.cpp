#include "verticals.hpp"

#include "condor_kernel.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace screener::strategy {
namespace {

std::string leg_text(const Expiry& e, const LegQuote& q, OptionType type) {
    return fmt::format("{} {:g}{}", format_date(e.expiration), q.strike,
                       type == OptionType::Put ? "P" : "C");
}

// Checks one (short, long) pair; returns the reason it is not a vertical, or nullptr.
const char* pair_rejection(const LegQuote& s, const LegQuote& l, const config::StrategyConfig& f,
                           double& credit, double& width) {
    width = std::abs(s.strike - l.strike);
    if (width < f.width_min || width > f.width_max) {
        return "width";
    }
    if (!l.leg_ok) {
        return "long_leg";
    }
    credit = s.sell_fill - l.buy_fill;
    if (!(credit > 0)) {
        return "no_credit";
    }
    if (!(credit < width)) {
        return "credit_exceeds_width"; // a riskless vertical: the quotes are wrong
    }
    return nullptr;
}

} // namespace

void credit_verticals(const PreparedChain& chain, const Expiry& e, OptionType type,
                      const config::StrategyConfig& f, double other_credit, std::string_view name,
                      Collector& out, std::vector<Vertical>& result) {
    const auto& quotes = type == OptionType::Put ? e.puts : e.calls;
    const bool put = type == OptionType::Put;
    const auto n = static_cast<std::ptrdiff_t>(quotes.size());
    for (std::ptrdiff_t i = 0; i < n; ++i) {
        const LegQuote& s = quotes[static_cast<std::size_t>(i)];
        const char* short_reason = short_leg_rejection(chain, s, type, f);
        // The window of long strikes: [K_s - hi, K_s - lo] for puts, [K_s + lo, K_s + hi] for
        // calls.
        double hi = f.width_max;
        if (out.pruning()) {
            if (short_reason) {
                out.reject(name, short_reason);
                if (out.explaining()) {
                    out.explain(name, leg_text(e, s, type),
                                std::string("dropped (short leg): ") + short_reason);
                }
                continue;
            }
            if (s.sell_fill + other_credit < f.min_credit) {
                out.reject(name, "min_credit");
                if (out.explaining()) {
                    out.explain(name, leg_text(e, s, type),
                                "dropped (short leg): min_credit: no long leg can leave enough "
                                "credit");
                }
                continue;
            }
            if (f.max_loss) {
                hi = std::min(hi, *f.max_loss + s.sell_fill + other_credit);
            }
        }
        std::ptrdiff_t begin = 0, end = n;
        if (out.pruning()) {
            const auto by_strike = [](const LegQuote& q, double k) { return q.strike < k; };
            // Padded by a hair so rounding never drops a strike pair_rejection would keep.
            const double pad = 1e-9 * (1.0 + s.strike);
            const double k_lo = (put ? s.strike - hi : s.strike + f.width_min) - pad;
            const double k_hi = (put ? s.strike - f.width_min : s.strike + hi) + pad;
            begin =
                std::lower_bound(quotes.begin(), quotes.end(), k_lo, by_strike) - quotes.begin();
            end = std::lower_bound(quotes.begin(), quotes.end(), std::nextafter(k_hi, k_hi + 1.0),
                                   by_strike) -
                  quotes.begin();
        }
        for (std::ptrdiff_t j = begin; j < end; ++j) {
            if (put ? j >= i : j <= i) {
                continue; // the long leg is further out of the money
            }
            const LegQuote& l = quotes[static_cast<std::size_t>(j)];
            double credit = 0, width = 0;
            const char* reason =
                short_reason ? short_reason : pair_rejection(s, l, f, credit, width);
            if (reason) {
                out.reject(name, reason);
                if (out.explaining()) {
                    out.explain(name, fmt::format("{}/{:g}", leg_text(e, s, type), l.strike),
                                std::string("dropped: ") + reason);
                }
                continue;
            }
            result.push_back({&s, &l, credit, s.mid - l.mid, width});
        }
    }
}

void enumerate_verticals(const PreparedChain& chain, const config::StrategyConfig& f,
                         Collector& out, std::string_view name, OptionType type) {
    std::vector<Vertical> verticals;
    std::vector<double> levels, sigmas, above;
    for (const Expiry& e : chain.expiries) {
        if (const char* reason = expiry_rejection(chain, e, f)) {
            out.reject(name, reason);
            if (out.explaining()) {
                out.explain(name, format_date(e.expiration), std::string("dropped: ") + reason);
            }
            continue;
        }
        verticals.clear();
        credit_verticals(chain, e, type, f, 0.0, name, out, verticals);
        // P(S_T > breakeven) of every vertical in one vectorised pass (prob_above's values);
        // those failing a precheck are not used.
        levels.clear();
        sigmas.clear();
        for (const Vertical& v : verticals) {
            levels.push_back(type == OptionType::Put ? v.short_leg->strike - v.credit
                                                     : v.short_leg->strike + v.credit);
            sigmas.push_back(v.short_leg->iv);
        }
        above.resize(verticals.size());
        prob_above_batch(chain.spot, chain.pop_drift, e.t, e.sqrt_t, levels.data(), sigmas.data(),
                         above.data(), verticals.size());
        for (std::size_t i = 0; i < verticals.size(); ++i) {
            const Vertical& v = verticals[i];
            Trade trade;
            trade.strategy = name;
            trade.expiry = &e;
            trade.legs[0] = {v.short_leg, type, Side::Sell};
            trade.legs[1] = {v.long_leg, type, Side::Buy};
            trade.leg_count = 2;
            trade.is_credit = true;
            trade.fill = v.credit;
            trade.mid_price = v.mid_credit;
            trade.max_profit = v.credit;
            trade.max_loss = v.width - v.credit;
            trade.collateral = trade.max_loss;
            trade.collateral_basis = "max loss (width - credit: the margin net of the credit)";
            trade.roc = v.credit / trade.max_loss;
            trade.ror = trade.roc;
            set_annualised_return(trade);
            if (!out.precheck(trade, f)) {
                continue;
            }
            trade.breakevens[0] = levels[i];
            trade.breakeven_count = 1;
            trade.pop = type == OptionType::Put ? above[i] : 1.0 - above[i];
            finish_trade(chain, trade);
            out.offer(trade, f);
        }
    }
}

} // namespace screener::strategy
