#include "screener/providers/reconcile.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <tuple>

namespace screener::providers {

namespace {

constexpr std::size_t k_max_details = 5;
constexpr double k_sample_band = 0.05; // strikes within 5% of spot

using ContractKey = std::tuple<int, int, double>; // type, days since epoch, strike

ContractKey key_of(const OptionContract& c) {
    return {c.type == OptionType::Call ? 1 : 0,
            static_cast<int>(std::chrono::sys_days(c.expiration).time_since_epoch().count()),
            std::round(c.strike * 1000.0) / 1000.0};
}

} // namespace

std::optional<ReconcileSample> reconcile_sample(const OptionChain& chain, double spot) {
    std::optional<Date> nearest;
    for (const auto& c : chain.contracts) {
        if (std::abs(c.strike / spot - 1.0) <= k_sample_band &&
            (!nearest || c.expiration < *nearest)) {
            nearest = c.expiration;
        }
    }
    if (!nearest || !(spot > 0)) {
        return std::nullopt;
    }
    return ReconcileSample{*nearest, std::floor(spot * (1 - k_sample_band)),
                           std::ceil(spot * (1 + k_sample_band))};
}

Reconciliation reconcile_chains(const std::string& symbol, const std::string& primary_vendor,
                                const OptionChain& primary, std::optional<double> primary_spot,
                                const std::string& secondary_vendor, const OptionChain& secondary,
                                std::optional<double> secondary_spot, double tolerance) {
    Reconciliation out;
    out.symbol = symbol;
    out.primary = primary_vendor;
    out.secondary = secondary_vendor;
    auto compare = [&](const std::string& what, std::optional<double> a, std::optional<double> b,
                       double floor) {
        if (!a || !b || !std::isfinite(*a) || !std::isfinite(*b)) {
            return;
        }
        ++out.values_compared;
        const double allowed = std::max(floor, tolerance * std::max(std::abs(*a), std::abs(*b)));
        if (std::abs(*a - *b) > allowed) {
            ++out.disagreements;
            if (out.details.size() < k_max_details) {
                out.details.push_back(fmt::format("{} {:g} vs {:g}", what, *a, *b));
            }
        }
    };
    compare("underlying price", primary_spot, secondary_spot, 0.0);

    std::map<ContractKey, const OptionContract*> theirs;
    for (const auto& c : secondary.contracts) {
        theirs.emplace(key_of(c), &c);
    }
    for (const auto& c : primary.contracts) {
        const auto it = theirs.find(key_of(c));
        if (it == theirs.end()) {
            continue;
        }
        const OptionContract& other = *it->second;
        ++out.contracts_compared;
        const std::string name = c.option_symbol.empty() ? other.option_symbol : c.option_symbol;
        compare(name + " bid", c.bid, other.bid, 0.02);
        compare(name + " ask", c.ask, other.ask, 0.02);
        compare(name + " open interest", c.open_interest, other.open_interest, 10.0);
        compare(name + " iv", c.iv, other.iv, 0.01);
    }
    if (out.contracts_compared == 0) {
        out.grade = 'F';
        out.details.insert(out.details.begin(), "no contract in common");
        return out;
    }
    const double share =
        out.values_compared > 0 ? static_cast<double>(out.disagreements) / out.values_compared : 0;
    out.grade = share == 0 ? 'A' : share <= 0.10 ? 'B' : share <= 0.25 ? 'C' : 'D';
    return out;
}

} // namespace screener::providers
