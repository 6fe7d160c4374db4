#pragma once
// The pricing notes' grid, shared by tests/unit/pricing_iv_test.cpp and bench/pricing_bench.cpp:
// ln(F/K) in [-1, 1] (41 values) x 19 maturities from 1 day to 3 years x 24 vols from 5% to 300%
// (geometric) x call/put = 37,392 points, spot 100, r 3%, q 1%, priced with bs_greeks.

#include "screener/pricing/black_scholes.hpp"

#include <cmath>
#include <vector>

namespace screener::pricing::testing {

struct PricingGrid {
    std::vector<OptionType> type;
    std::vector<double> spot, strike, t, r, q, sigma, price, vega;
    std::size_t size() const { return type.size(); }
};

inline PricingGrid make_pricing_grid() {
    PricingGrid g;
    const double spot = 100, r = 0.03, q = 0.01;
    std::vector<double> maturities;
    for (const double days : {1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 91, 120, 182, 273}) {
        maturities.push_back(days / 365.0);
    }
    for (const double years : {1.0, 1.5, 2.0, 3.0}) {
        maturities.push_back(years);
    }
    for (const double t : maturities) {
        const double forward = spot * std::exp((r - q) * t);
        for (int i = 0; i < 41; ++i) {
            const double strike = forward * std::exp(1.0 - i * 0.05); // ln(F/K) = -1 + i/20
            for (int j = 0; j < 24; ++j) {
                const double sigma = 0.05 * std::pow(60.0, j / 23.0);
                for (const auto type : {OptionType::Call, OptionType::Put}) {
                    const auto greeks = bs_greeks(type, spot, strike, t, r, q, sigma);
                    g.type.push_back(type);
                    g.spot.push_back(spot);
                    g.strike.push_back(strike);
                    g.t.push_back(t);
                    g.r.push_back(r);
                    g.q.push_back(q);
                    g.sigma.push_back(sigma);
                    g.price.push_back(greeks.price);
                    g.vega.push_back(greeks.vega);
                }
            }
        }
    }
    return g;
}

} // namespace screener::pricing::testing
