#pragma once
// Vendor reconciliation: with two vendors configured and providers.reconcile on, a sample of each
// symbol's contracts (the nearest expiration in the window, strikes within 5% of spot) is
// fetched from the second vendor and compared with the first: underlying price, bid, ask, open
// interest and IV. The grade says how far the vendors agree; a symbol graded C or worse is
// flagged on its candidates ("vendor_disagreement").

#include "screener/core/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace screener::providers {

struct Reconciliation {
    std::string symbol;
    std::string primary, secondary; // vendor names
    int contracts_compared = 0;     // contracts present at both vendors
    int values_compared = 0;        // fields compared over those contracts (+ underlying)
    int disagreements = 0;          // fields beyond tolerance
    char grade = 'F';               // A: none, B: <= 10%, C: <= 25%, D: more, F: nothing in common
    std::vector<std::string>
        details; // first few disagreements, e.g. "AAPL261218P00175000 bid 2.15 vs 2.60"
    bool flagged() const { return grade >= 'C'; }
};

// The sample to ask the second vendor for, from the first vendor's chain; nullopt when the chain
// has no contract near the money.
struct ReconcileSample {
    Date expiration{};
    double strike_min = 0, strike_max = 0;
};
std::optional<ReconcileSample> reconcile_sample(const OptionChain& chain, double spot);

// Compares the contracts both chains hold (matched by type, expiration and strike). `tolerance`
// is relative; small absolute floors keep penny options and thin open interest from counting as
// disagreements: prices $0.02, IV 0.01, open interest 10 contracts.
Reconciliation reconcile_chains(const std::string& symbol, const std::string& primary_vendor,
                                const OptionChain& primary, std::optional<double> primary_spot,
                                const std::string& secondary_vendor, const OptionChain& secondary,
                                std::optional<double> secondary_spot, double tolerance);

} // namespace screener::providers
