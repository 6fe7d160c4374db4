// Accuracy of the normalised-Black pricing kernel and of implied_vol (Let's Be Rational).
#include "screener/pricing/black_scholes.hpp"
#include "screener/pricing/implied_vol.hpp"
#include "support/pricing_grid.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <utility>
#include <vector>

using namespace screener::pricing;

namespace {

constexpr double k_eps = std::numeric_limits<double>::epsilon();
const double k_nan = std::numeric_limits<double>::quiet_NaN();

double rel_diff(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

using Grid = testing::PricingGrid;
const auto make_grid = testing::make_pricing_grid;

} // namespace

TEST_CASE("deep out-of-the-money prices match 80-digit references", "[pricing][iv]") {
    // spot 1, r = q = 0, t = 1: strike = e^{-x}; references from mpmath at 80 digits on the
    // exact double strike. They span every evaluation region of the normalised Black function.
    struct Row {
        double strike, sigma, price;
    };
    const Row rows[] = {
        {22026.465794806718, 1.0, 9.8127058268469499976e-23},
        {22026.465794806718, 2.0, 9.9402028161181514089e-6},
        {22026.465794806718, 0.5, 9.8551206108501414048e-89},
        {148.4131591025766, 0.3, 2.4655161885115457048e-63},
        {2.718281828459045, 0.2, 1.7546333318962378576e-8},
        {1.6487212707001282, 1.2, 0.31774709935114566997},
        {1.010050167084168, 0.001, 7.5120257223664365288e-28},
        {20.085536923187668, 0.6, 1.3782794341813669801e-7},
        {2980.9579870417283, 1.1, 1.2132744731165379628e-12},
        {485165195.4097903, 3.0, 4.2247546167694100939e-8},
        {1.3498588075760032, 0.02, 5.6369986145916137232e-54},
        {403.4287934927351, 4.0, 0.5976131925873851192},
        {2.718281828459045, 6.0, 0.99560097993866096469},
    };
    for (const auto& row : rows) {
        const double call = bs_price(OptionType::Call, 1.0, row.strike, 1.0, 0.0, 0.0, row.sigma);
        INFO("strike " << row.strike << " sigma " << row.sigma);
        // Tolerance: a few ulps, times the sensitivity of b to the unavoidable rounding of
        // x = ln(F/K) (d ln b / dx ~ |x|/s^2 for an out-of-the-money option).
        const double x = std::abs(std::log(row.strike));
        const double tol = 8 * k_eps * (1 + x * (x / (row.sigma * row.sigma) + 1));
        CHECK(call > 0);
        CHECK(rel_diff(call, row.price) < tol);
        // The same option as a put on the reciprocal strike (b_put(x) = b_call(-x)).
        const double put = bs_price(OptionType::Put, row.strike, 1.0, 1.0, 0.0, 0.0, row.sigma);
        CHECK(rel_diff(put, row.price) < tol);
    }
    // So deep that the value underflows: zero, never negative.
    CHECK(bs_price(OptionType::Call, 1.0, 7.38905609893065, 1.0, 0.0, 0.0, 0.05) == 0.0);
    CHECK(bs_price(OptionType::Put, 100, 1, 0.02, 0, 0, 0.2) == 0.0);
}

TEST_CASE("Greeks match central differences of the price", "[pricing][iv]") {
    struct Case {
        OptionType type;
        double s, k, t, r, q, v;
    };
    const Case cases[] = {
        {OptionType::Call, 100, 95, 0.5, 0.03, 0.01, 0.25},
        {OptionType::Put, 100, 95, 0.5, 0.03, 0.01, 0.25},
        {OptionType::Call, 100, 140, 0.25, 0.05, 0.02, 0.4},
        {OptionType::Put, 100, 60, 1.5, 0.01, 0.03, 0.35},
        {OptionType::Call, 50, 30, 2.0, 0.04, 0.0, 0.2},
        {OptionType::Put, 430, 405, 0.08333333333333333, 0.07, 0.05, 0.20}, // Haug theta row
        {OptionType::Call, 100, 100, 30.0 / 365, -0.01, 0.02, 1.5},
    };
    for (const auto& c : cases) {
        const auto price = [&](double s, double t, double r, double q, double v) {
            return bs_price(c.type, s, c.k, t, r, q, v);
        };
        const auto g = bs_greeks(c.type, c.s, c.k, c.t, c.r, c.q, c.v);
        INFO("type " << (c.type == OptionType::Call ? "call" : "put") << " S " << c.s << " K "
                     << c.k << " t " << c.t);
        CHECK(g.price == price(c.s, c.t, c.r, c.q, c.v));
        const double ds = 1e-5 * c.s, dt = 1e-5 * c.t, dr = 1e-5, dv = 1e-5;
        const double delta =
            (price(c.s + ds, c.t, c.r, c.q, c.v) - price(c.s - ds, c.t, c.r, c.q, c.v)) / (2 * ds);
        const double gamma_step = 1e-3 * c.s;
        const double gamma =
            (price(c.s + gamma_step, c.t, c.r, c.q, c.v) - 2 * price(c.s, c.t, c.r, c.q, c.v) +
             price(c.s - gamma_step, c.t, c.r, c.q, c.v)) /
            (gamma_step * gamma_step);
        // theta is the calendar decay: minus the derivative in time to maturity.
        const double theta =
            -(price(c.s, c.t + dt, c.r, c.q, c.v) - price(c.s, c.t - dt, c.r, c.q, c.v)) / (2 * dt);
        const double vega =
            (price(c.s, c.t, c.r, c.q, c.v + dv) - price(c.s, c.t, c.r, c.q, c.v - dv)) / (2 * dv);
        const double rho =
            (price(c.s, c.t, c.r + dr, c.q, c.v) - price(c.s, c.t, c.r - dr, c.q, c.v)) / (2 * dr);
        CHECK(g.delta == Approx(delta).epsilon(1e-7).margin(1e-9));
        CHECK(g.gamma == Approx(gamma).epsilon(1e-5).margin(1e-9));
        CHECK(g.theta == Approx(theta).epsilon(1e-6).margin(1e-7));
        CHECK(g.vega == Approx(vega).epsilon(1e-7).margin(1e-8));
        CHECK(g.rho == Approx(rho).epsilon(1e-7).margin(1e-8));
    }
    // Sign convention of the fixture: Haug's put (430, 405, q 5%, r 7%, 1 month, 20%) decays at
    // -31.1924 per year.
    const auto haug = bs_greeks(OptionType::Put, 430, 405, 0.08333333333333333, 0.07, 0.05, 0.2);
    CHECK(haug.theta == Approx(-31.1924).margin(1e-4));
}

TEST_CASE("prices are monotone in volatility and strike and satisfy parity", "[pricing][iv]") {
    const double s = 100, t = 0.75, r = 0.04, q = 0.015;
    for (const double k : {40.0, 80.0, 100.0, 125.0, 300.0}) {
        double last_call = -1, last_put = -1;
        for (int j = 0; j <= 200; ++j) {
            const double v = 0.01 * std::pow(500.0, j / 200.0);
            const double call = bs_price(OptionType::Call, s, k, t, r, q, v);
            const double put = bs_price(OptionType::Put, s, k, t, r, q, v);
            INFO("K " << k << " sigma " << v);
            CHECK(call >= last_call);
            CHECK(put >= last_put);
            CHECK(call - put ==
                  Approx(s * std::exp(-q * t) - k * std::exp(-r * t)).margin(1e-12 * s));
            last_call = call;
            last_put = put;
        }
    }
    for (const double v : {0.05, 0.3, 2.0}) {
        double last_call = 1e300, last_put = -1;
        for (int i = 0; i <= 300; ++i) {
            const double k = 20.0 * std::pow(25.0, i / 300.0);
            const double call = bs_price(OptionType::Call, s, k, t, r, q, v);
            const double put = bs_price(OptionType::Put, s, k, t, r, q, v);
            INFO("K " << k << " sigma " << v);
            CHECK(call <= last_call);
            CHECK(put >= last_put);
            CHECK(call >= 0);
            last_call = call;
            last_put = put;
        }
    }
    // Limits: expiry and zero volatility give the discounted intrinsic value of the forward.
    CHECK(bs_price(OptionType::Call, s, 90, t, r, q, 0.0) ==
          Approx(s * std::exp(-q * t) - 90 * std::exp(-r * t)).epsilon(1e-14));
    CHECK(bs_price(OptionType::Put, s, 90, t, r, q, 0.0) == 0.0);
    CHECK(bs_price(OptionType::Put, s, 110, 0.0, r, q, 0.3) == Approx(10.0).epsilon(1e-14));
    for (const double bad : {-1.0, k_nan}) {
        CHECK(std::isnan(bs_price(OptionType::Call, bad, 100, t, r, q, 0.2)));
        CHECK(std::isnan(bs_price(OptionType::Call, 100, bad, t, r, q, 0.2)));
        CHECK(std::isnan(bs_price(OptionType::Call, 100, 100, bad, r, q, 0.2)));
        CHECK(std::isnan(bs_price(OptionType::Put, 100, 100, t, r, q, bad)));
        CHECK(std::isnan(bs_greeks(OptionType::Put, 100, 100, t, r, q, bad).delta));
    }
    CHECK(std::isnan(bs_price(OptionType::Put, 100, 100, t, k_nan, q, 0.2)));
}

TEST_CASE("implied vol round trip on the README grid is accurate to the price's rounding",
          "[pricing][iv]") {
    const Grid g = make_grid();
    const std::size_t n = g.type.size();
    REQUIRE(n == 37392);
    std::size_t well_posed = 0, failures = 0;
    double max_rel = 0, max_rel_good = 0, max_ratio = 0; // max_rel_good: conditioning <= 1e-15
    for (std::size_t i = 0; i < n; ++i) {
        // Well-posed: the price pins the vol to 1e-8. Prices below DBL_MIN carry fewer than 53
        // bits, so their rounding is the subnormal spacing, not eps * price.
        const double rounding = k_eps * g.price[i] + std::numeric_limits<double>::denorm_min();
        const double conditioning = rounding / (g.vega[i] * g.sigma[i]);
        if (!(g.price[i] > 0) || !(g.vega[i] > 0) || conditioning > 1e-8) {
            continue;
        }
        ++well_posed;
        const double iv =
            implied_vol(g.type[i], g.price[i], g.spot[i], g.strike[i], g.t[i], g.r[i], g.q[i]);
        const double rel = std::abs(iv - g.sigma[i]) / g.sigma[i];
        const double attainable = conditioning + 2 * k_eps;
        if (!std::isfinite(iv) || rel > 10 * attainable) {
            ++failures;
            if (failures <= 5) {
                WARN("type " << static_cast<int>(g.type[i]) << " K " << g.strike[i] << " t "
                             << g.t[i] << " sigma " << g.sigma[i] << " iv " << iv);
            }
        }
        max_rel = std::max(max_rel, rel);
        if (conditioning <= 1e-15) { // well-conditioned: the price pins the vol to ~eps
            max_rel_good = std::max(max_rel_good, rel);
        }
        max_ratio = std::max(max_ratio, rel / attainable);
    }
    CHECK(well_posed > 28000);
    CHECK(failures == 0);
    CHECK(max_rel_good < 1e-14);
    CHECK(max_ratio < 10);
    WARN("well-posed " << well_posed << ", max relative error " << max_rel << " (well-conditioned "
                       << max_rel_good << "), worst " << max_ratio << "x attainable");
}

TEST_CASE("batch entry points reproduce the scalar ones", "[pricing][iv]") {
    const Grid g = make_grid();
    const std::size_t n = g.type.size();
    std::vector<double> batch(n);
    implied_vol_batch(g.type, g.price, g.spot, g.strike, g.t, g.r, g.q, batch);
    std::size_t iv_mismatches = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double iv =
            implied_vol(g.type[i], g.price[i], g.spot[i], g.strike[i], g.t[i], g.r[i], g.q[i]);
        if (!(std::isnan(iv) && std::isnan(batch[i])) && iv != batch[i]) {
            ++iv_mismatches;
        }
    }
    CHECK(iv_mismatches == 0);

    std::vector<Greeks> greeks(n);
    bs_greeks_batch(g.type, g.spot, g.strike, g.t, g.r, g.q, g.sigma, greeks);
    std::size_t greek_mismatches = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto e =
            bs_greeks(g.type[i], g.spot[i], g.strike[i], g.t[i], g.r[i], g.q[i], g.sigma[i]);
        const auto& b = greeks[i];
        const double pairs[6][2] = {{b.price, e.price}, {b.delta, e.delta}, {b.gamma, e.gamma},
                                    {b.theta, e.theta}, {b.vega, e.vega},   {b.rho, e.rho}};
        for (const auto& p : pairs) {
            if (std::abs(p[0] - p[1]) > 1e-12 * std::abs(p[1])) {
                ++greek_mismatches;
            }
        }
    }
    CHECK(greek_mismatches == 0);
}

TEST_CASE("implied vol edge cases", "[pricing][iv]") {
    const double s = 100, t = 0.5, r = 0.03, q = 0.01;
    const double fwd_df = s * std::exp(-q * t);
    for (const double k : {70.0, 100.0, 130.0}) {
        const double kdf = k * std::exp(-r * t);
        INFO("K " << k);
        // Below intrinsic, at and above the upper bound: no volatility reproduces the price.
        const double call_intrinsic = std::max(fwd_df - kdf, 0.0);
        const double put_intrinsic = std::max(kdf - fwd_df, 0.0);
        CHECK(std::isnan(implied_vol(OptionType::Call, call_intrinsic - 1e-6, s, k, t, r, q)));
        CHECK(std::isnan(implied_vol(OptionType::Put, put_intrinsic - 1e-6, s, k, t, r, q)));
        CHECK(std::isnan(implied_vol(OptionType::Call, fwd_df, s, k, t, r, q)));
        CHECK(std::isnan(implied_vol(OptionType::Call, fwd_df * 1.01, s, k, t, r, q)));
        CHECK(std::isnan(implied_vol(OptionType::Put, kdf, s, k, t, r, q)));
        CHECK(std::isnan(implied_vol(OptionType::Put, kdf + 1, s, k, t, r, q)));
        // Just inside the upper bound there is a (large) volatility.
        const double high = implied_vol(OptionType::Call, fwd_df * (1 - 1e-6), s, k, t, r, q);
        CHECK(high > 3);
        CHECK(bs_price(OptionType::Call, s, k, t, r, q, high) ==
              Approx(fwd_df * (1 - 1e-6)).epsilon(1e-14));
    }
    // Exactly the intrinsic value: zero volatility (documented).
    CHECK(implied_vol(OptionType::Call, bs_price(OptionType::Call, s, 80, t, r, q, 0.0), s, 80, t,
                      r, q) == 0.0);
    CHECK(implied_vol(OptionType::Put, 0.0, s, 80, t, r, q) == 0.0);
    CHECK(std::isnan(implied_vol(OptionType::Put, -0.01, s, 80, t, r, q)));
    // t <= 0 and invalid inputs.
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, s, 100, 0.0, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, s, 100, -1.0, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, k_nan, s, 100, t, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, k_nan, 100, t, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, s, k_nan, t, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, s, 100, k_nan, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, s, 100, t, k_nan, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, -s, 100, t, r, q)));
    CHECK(std::isnan(implied_vol(OptionType::Call, 5, s, 0.0, t, r, q)));
    // Exactly at the money (F = K): the closed form branch.
    for (const double v : {0.001, 0.05, 0.2, 1.0, 4.0}) {
        const double atm = bs_price(OptionType::Call, 100, 100, 0.25, 0.02, 0.02, v);
        CHECK(implied_vol(OptionType::Call, atm, 100, 100, 0.25, 0.02, 0.02) ==
              Approx(v).epsilon(1e-14));
        CHECK(implied_vol(OptionType::Put, atm, 100, 100, 0.25, 0.02, 0.02) ==
              Approx(v).epsilon(1e-14));
    }
    // Tiny out-of-the-money price: a real volatility, not a silent zero.
    const double tiny = bs_price(OptionType::Call, 100, 400, 0.02, 0.0, 0.0, 0.3);
    REQUIRE(tiny > 0);
    REQUIRE(tiny < 1e-100);
    CHECK(implied_vol(OptionType::Call, tiny, 100, 400, 0.02, 0.0, 0.0) ==
          Approx(0.3).epsilon(1e-13));
}

TEST_CASE("batch results stay within 4 ulps of the scalar ones off the grid too", "[pricing][iv]") {
    // Relative difference in units of eps; NaN must pair with NaN.
    const auto ulps = [](double a, double b) {
        if (std::isnan(a) || std::isnan(b)) {
            return std::isnan(a) && std::isnan(b) ? 0.0 : std::numeric_limits<double>::infinity();
        }
        if (a == b) {
            return 0.0;
        }
        return std::abs(a - b) / (k_eps * std::max(std::abs(b), DBL_MIN));
    };
    std::vector<OptionType> type;
    std::vector<double> price, spot, strike, t, r, q, sigma;
    const auto add = [&](OptionType ty, double s, double k, double tt, double rr, double qq,
                         double v) {
        type.push_back(ty);
        spot.push_back(s);
        strike.push_back(k);
        t.push_back(tt);
        r.push_back(rr);
        q.push_back(qq);
        sigma.push_back(v);
        price.push_back(bs_price(ty, s, k, tt, rr, qq, v));
    };
    // Deep OTM down to subnormal prices, near-ATM, long-dated high vol, tiny vols, both types.
    for (const double k : {1e-3, 0.2, 0.6, 0.97, 1.0, 1.03, 1.7, 5.0, 60.0, 2500.0}) {
        for (const double v : {1e-3, 0.02, 0.15, 0.6, 2.5, 9.0}) {
            for (const double tt : {1.0 / 365, 0.3, 4.0}) {
                add(OptionType::Call, 1.0, k, tt, 0.02, -0.01, v);
                add(OptionType::Put, 1.0, k, tt, -0.005, 0.03, v);
            }
        }
    }
    // Invalid and edge inputs.
    add(OptionType::Call, k_nan, 1.0, 1.0, 0.0, 0.0, 0.2);
    add(OptionType::Put, 1.0, 1.0, 0.0, 0.0, 0.0, 0.2);
    add(OptionType::Call, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0);
    price.back() = 0.6; // above nothing in particular: a solvable ATM price
    const std::size_t n = type.size();
    std::vector<double> batch(n);
    implied_vol_batch(type, price, spot, strike, t, r, q, batch);
    std::vector<Greeks> greeks(n);
    bs_greeks_batch(type, spot, strike, t, r, q, sigma, greeks);
    double worst_iv = 0, worst_greek = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double iv = implied_vol(type[i], price[i], spot[i], strike[i], t[i], r[i], q[i]);
        worst_iv = std::max(worst_iv, ulps(batch[i], iv));
        const auto e = bs_greeks(type[i], spot[i], strike[i], t[i], r[i], q[i], sigma[i]);
        const auto& b = greeks[i];
        for (const auto& p :
             {std::pair{b.price, e.price}, std::pair{b.delta, e.delta}, std::pair{b.gamma, e.gamma},
              std::pair{b.theta, e.theta}, std::pair{b.vega, e.vega}, std::pair{b.rho, e.rho}}) {
            worst_greek = std::max(worst_greek, ulps(p.first, p.second));
        }
    }
    CHECK(worst_iv <= 4);
    CHECK(worst_greek <= 4);
}

TEST_CASE("vectorised bs_greeks_batch matches the scalar kernel on random inputs and odd sizes",
          "[pricing][iv]") {
    // Deterministic pseudo-random options over every region of the normalised Black function
    // (deep OTM with underflowing prices, small and large sigma sqrt(t), ITM and OTM, both
    // types), a few invalid or degenerate rows, evaluated in batches whose sizes are not
    // multiples of the kernel's block or chunk sizes.
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    const auto uniform = [&state] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<double>(state >> 11) * 0x1.0p-53;
    };
    std::vector<OptionType> type;
    std::vector<double> spot, strike, t, r, q, sigma;
    for (int i = 0; i < 6000; ++i) {
        type.push_back(uniform() < 0.5 ? OptionType::Call : OptionType::Put);
        spot.push_back(100.0);
        strike.push_back(100.0 * std::exp(6.0 * uniform() - 3.0));
        t.push_back(std::exp(std::log(1.0 / 365) + uniform() * std::log(5.0 * 365)));
        r.push_back(-0.02 + 0.1 * uniform());
        q.push_back(-0.02 + 0.07 * uniform());
        sigma.push_back(std::exp(std::log(0.001) + uniform() * std::log(5000.0)));
    }
    // Degenerate (t = 0, sigma = 0, sigma = inf) and invalid rows in the middle of a block.
    t[37] = 0.0;
    sigma[38] = 0.0;
    spot[39] = k_nan;
    strike[40] = -1.0;
    r[41] = k_nan;
    sigma[42] = std::numeric_limits<double>::infinity();
    const std::size_t n = type.size();
    std::vector<Greeks> greeks(n);
    // Sub-batches of awkward sizes cover the tails of blocks and chunks.
    std::size_t begin = 0;
    for (const std::size_t len : {1u, 7u, 129u, 255u, 9u, 1000u}) {
        const std::size_t end = begin + len;
        bs_greeks_batch(std::span(type).subspan(begin, len), std::span(spot).subspan(begin, len),
                        std::span(strike).subspan(begin, len), std::span(t).subspan(begin, len),
                        std::span(r).subspan(begin, len), std::span(q).subspan(begin, len),
                        std::span(sigma).subspan(begin, len),
                        std::span(greeks).subspan(begin, len));
        begin = end;
    }
    const std::size_t rest = n - begin;
    bs_greeks_batch(std::span(type).subspan(begin), std::span(spot).subspan(begin),
                    std::span(strike).subspan(begin), std::span(t).subspan(begin),
                    std::span(r).subspan(begin), std::span(q).subspan(begin),
                    std::span(sigma).subspan(begin), std::span(greeks).subspan(begin, rest));
    const auto ulps = [](double a, double b, double magnitude) {
        if (std::isnan(a) || std::isnan(b)) {
            return std::isnan(a) && std::isnan(b) ? 0.0 : std::numeric_limits<double>::infinity();
        }
        return a == b ? 0.0 : std::abs(a - b) / (k_eps * std::max(magnitude, DBL_MIN));
    };
    double worst = 0, worst_theta = 0;
    std::size_t nan_rows = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto e = bs_greeks(type[i], spot[i], strike[i], t[i], r[i], q[i], sigma[i]);
        const auto& b = greeks[i];
        INFO("row " << i);
        nan_rows += std::isnan(e.price) ? 1 : 0;
        for (const auto& p :
             {std::pair{b.price, e.price}, std::pair{b.delta, e.delta}, std::pair{b.gamma, e.gamma},
              std::pair{b.vega, e.vega}, std::pair{b.rho, e.rho}}) {
            worst = std::max(worst, ulps(p.first, p.second, std::abs(p.second)));
        }
        // Theta is a sum of three terms that may cancel: compare against their magnitude.
        const double theta_terms = std::abs(e.vega * sigma[i] / (2 * t[i])) +
                                   std::abs(q[i] * spot[i] * e.delta) +
                                   std::abs(r[i] * e.rho / t[i]);
        worst_theta =
            std::max(worst_theta, ulps(b.theta, e.theta, std::max(std::abs(e.theta), theta_terms)));
    }
    CHECK(nan_rows == 3); // spot NaN, strike < 0, r NaN (t = 0, sigma = 0 or inf are valid)
    CHECK(worst <= 4);
    CHECK(worst_theta <= 4);
}

TEST_CASE("bs_greeks_batch on option chains (shared t, r, q) matches the scalar kernel",
          "[pricing][iv]") {
    // The batch kernel evaluates the discount factors once per chunk when t, r and q are shared
    // (an option chain); a chain with extreme strikes and vols, one with an invalid row, and one
    // whose rates overflow the discount exponentials must still match bs_greeks.
    std::vector<OptionType> type;
    std::vector<double> spot, strike, t, r, q, sigma;
    const auto chain = [&](double tt, double rr, double qq, int rows) {
        for (int i = 0; i < rows; ++i) {
            type.push_back(i % 2 == 0 ? OptionType::Call : OptionType::Put);
            spot.push_back(100.0);
            strike.push_back(100.0 * std::exp(-4.0 + 8.0 * (i % 97) / 96.0));
            t.push_back(tt);
            r.push_back(rr);
            q.push_back(qq);
            sigma.push_back(0.002 * std::pow(2.0, (i * 7) % 23 * 0.5));
        }
    };
    chain(0.1, 0.03, 0.01, 256);
    chain(2.5, -0.01, 0.04, 128);
    chain(1.0, 0.02, 0.0, 128);
    strike[400] = k_nan;
    chain(0.5, 0.01, 0.02, 200); // a chain across chunks
    chain(10.0, 200.0, 0.0, 91); // e^{-rt} below the kernel's exponent range: scalar fallback
    const std::size_t n = type.size();
    std::vector<Greeks> greeks(n);
    bs_greeks_batch(type, spot, strike, t, r, q, sigma, greeks);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto e = bs_greeks(type[i], spot[i], strike[i], t[i], r[i], q[i], sigma[i]);
        const auto& b = greeks[i];
        INFO("row " << i);
        for (const auto& p :
             {std::pair{b.price, e.price}, std::pair{b.delta, e.delta}, std::pair{b.gamma, e.gamma},
              std::pair{b.theta, e.theta}, std::pair{b.vega, e.vega}, std::pair{b.rho, e.rho}}) {
            if (std::isnan(p.first) || std::isnan(p.second)) {
                CHECK((std::isnan(p.first) && std::isnan(p.second)));
            } else if (p.first != p.second) {
                worst = std::max(worst, std::abs(p.first - p.second) /
                                            (k_eps * std::max(std::abs(p.second), DBL_MIN)));
            }
        }
    }
    CHECK(worst <= 4);
}

TEST_CASE("implied_vol_batch equals implied_vol bit for bit on random chains", "[pricing][iv]") {
    // The batch evaluates b in vector code that must round exactly like the scalar evaluation:
    // wide moneyness (regions I to IV), 1 day to 10 years, vols 0.1% to 800%, negative rates,
    // prices nudged off the model and one ulp down, runs of shared (t, r, q) as in a chain.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const std::size_t n = 20000;
    std::vector<OptionType> type(n);
    std::vector<double> price(n), spot(n, 100.0), strike(n), t(n), r(n), q(n), batch(n);
    for (std::size_t i = 0; i < n; ++i) {
        type[i] = unit(rng) < 0.5 ? OptionType::Call : OptionType::Put;
        strike[i] = 100.0 * std::exp((unit(rng) - 0.5) * (i % 5 == 0 ? 12.0 : 3.0));
        t[i] = std::exp(std::log(1.0 / 365) + unit(rng) * std::log(3650.0));
        r[i] = (unit(rng) - 0.3) * 0.1;
        q[i] = (unit(rng) - 0.3) * 0.05;
        if (i % 3 != 0 && i > 0) {
            t[i] = t[i - 1];
            r[i] = r[i - 1];
            q[i] = q[i - 1];
        }
        const double vol = std::exp(std::log(0.001) + unit(rng) * std::log(8000.0));
        price[i] = bs_price(type[i], spot[i], strike[i], t[i], r[i], q[i], vol);
        if (i % 97 == 0) {
            price[i] *= 1.0 + (unit(rng) - 0.5) * 1e-3;
        }
        if (i % 1001 == 0) {
            price[i] = std::nextafter(price[i], 0.0);
        }
    }
    implied_vol_batch(type, price, spot, strike, t, r, q, batch);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double iv = implied_vol(type[i], price[i], spot[i], strike[i], t[i], r[i], q[i]);
        if (!(std::isnan(iv) && std::isnan(batch[i])) && iv != batch[i]) {
            ++mismatches;
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("implied_vol_batch equals implied_vol bit for bit on edge cases in every lane",
          "[pricing][iv]") {
    // Rows the batch's vector normalisation and lockstep solver must treat exactly like the
    // scalar path: invalid inputs, answers known before solving, the at-the-money closed form,
    // underflowing and near-bound prices, tiny and huge times and moneyness. Each goes into
    // every position of batches of 1 to 17 otherwise ordinary options.
    struct Row {
        OptionType type;
        double price, spot, strike, t, r, q;
    };
    const double inf = std::numeric_limits<double>::infinity();
    const double call_atm = bs_price(OptionType::Call, 100, 100, 0.5, 0.02, 0.02, 0.3);
    const double put_itm = bs_price(OptionType::Put, 100, 130, 0.25, 0.03, 0.01, 0.4);
    const double intrinsic_put = 130 * std::exp(-0.03 * 0.25) - 100 * std::exp(-0.01 * 0.25);
    const std::vector<Row> edges = {
        {OptionType::Call, k_nan, 100, 100, 0.5, 0.02, 0.01},
        {OptionType::Call, -1.0, 100, 100, 0.5, 0.02, 0.01},
        {OptionType::Call, 0.0, 100, 100, 0.5, 0.02, 0.01},
        {OptionType::Put, 5.0, 100, 100, 0.0, 0.02, 0.01},
        {OptionType::Put, 5.0, 100, 100, -1.0, 0.02, 0.01},
        {OptionType::Put, 5.0, 0.0, 100, 0.5, 0.02, 0.01},
        {OptionType::Put, 5.0, 100, k_nan, 0.5, 0.02, 0.01},
        {OptionType::Call, 5.0, inf, 100, 0.5, 0.02, 0.01},
        {OptionType::Call, 5.0, 100, 100, 0.5, inf, 0.01},
        {OptionType::Call, call_atm, 100, 100, 0.5, 0.02, 0.02}, // x == 0 exactly
        {OptionType::Put, put_itm, 100, 130, 0.25, 0.03, 0.01},
        {OptionType::Put, intrinsic_put, 100, 130, 0.25, 0.03, 0.01},
        {OptionType::Put, std::nextafter(intrinsic_put, 0.0), 100, 130, 0.25, 0.03, 0.01},
        {OptionType::Call, 100 * std::exp(-0.01 * 0.5), 100, 100, 0.5, 0.02, 0.01}, // bound
        {OptionType::Call, std::nextafter(100 * std::exp(-0.01 * 0.5), 0.0), 100, 100, 0.5, 0.02,
         0.01},
        {OptionType::Call, 99.0, 100, 100, 0.5, 0.02, 0.01}, // sigma huge
        {OptionType::Call, 1e-300, 100, 400, 0.1, 0.02, 0.01},
        {OptionType::Call, 4e-320, 100, 400, 0.1, 0.02, 0.01}, // subnormal price
        {OptionType::Put, 1e-12, 100, 20, 1e-6, 0.02, 0.01},
        {OptionType::Call, bs_price(OptionType::Call, 100, 1e-9, 2.0, 0.05, -0.01, 0.6), 100, 1e-9,
         2.0, 0.05, -0.01},
        {OptionType::Put, bs_price(OptionType::Put, 100, 5e8, 30.0, 0.05, 0.0, 2.5), 100, 5e8, 30.0,
         0.05, 0.0},
        {OptionType::Call, bs_price(OptionType::Call, 100, 100.000001, 1e-7, 0.0, 0.0, 0.2), 100,
         100.000001, 1e-7, 0.0, 0.0},
        // ln(F/K) = -1100: beyond the tangent-point table, b(s_l) and b(s_u) are evaluated.
        {OptionType::Call,
         bs_price(OptionType::Call, 1e300 * std::exp(-500.0), 1e300, 1000.0, 0.0, 0.6, 1.2),
         1e300 * std::exp(-500.0), 1e300, 1000.0, 0.0, 0.6},
        {OptionType::Put,
         bs_price(OptionType::Put, 1e300 * std::exp(-500.0), 1e300, 1000.0, 0.0, 0.6, 1.4),
         1e300 * std::exp(-500.0), 1e300, 1000.0, 0.0, 0.6},
    };
    std::size_t compared = 0, mismatches = 0;
    for (const Row& edge : edges) {
        for (std::size_t size = 1; size <= 17; ++size) {
            for (std::size_t at = 0; at < size; at += (size > 9 ? 4 : 1)) {
                std::vector<OptionType> type(size, OptionType::Put);
                std::vector<double> price(size), spot(size, 100.0), strike(size), t(size, 0.3),
                    r(size, 0.03), q(size, 0.01), batch(size);
                for (std::size_t i = 0; i < size; ++i) {
                    strike[i] = 80.0 + 3.0 * static_cast<double>(i);
                    price[i] = bs_price(type[i], spot[i], strike[i], t[i], r[i], q[i],
                                        0.2 + 0.01 * static_cast<double>(i));
                }
                type[at] = edge.type;
                price[at] = edge.price;
                spot[at] = edge.spot;
                strike[at] = edge.strike;
                t[at] = edge.t;
                r[at] = edge.r;
                q[at] = edge.q;
                implied_vol_batch(type, price, spot, strike, t, r, q, batch);
                for (std::size_t i = 0; i < size; ++i) {
                    const double iv =
                        implied_vol(type[i], price[i], spot[i], strike[i], t[i], r[i], q[i]);
                    ++compared;
                    if (!(std::isnan(iv) && std::isnan(batch[i])) && iv != batch[i]) {
                        ++mismatches;
                        UNSCOPED_INFO("edge price " << edge.price << " strike " << edge.strike
                                                    << " size " << size << " at " << at << " lane "
                                                    << i << ": " << iv << " vs " << batch[i]);
                    }
                }
            }
        }
    }
    CHECK(compared > 2000);
    CHECK(mismatches == 0);
}

TEST_CASE("implied vol beyond the tangent-point table's range of ln(F/K)", "[pricing][iv]") {
    // ln(F/K) = ln(S/K) + (r - q) t = -500 - 600: the guesses evaluate b at the tangent points
    // instead of taking it from the table (|ln(F/K)| < 1022). Out-of-the-money calls (the puts'
    // time value is far below an ulp of their price here).
    const double spot = 1e300 * std::exp(-500.0);
    for (const double vol : {0.9, 1.2, 1.5}) {
        const double price = bs_price(OptionType::Call, spot, 1e300, 1000.0, 0.0, 0.6, vol);
        REQUIRE(price > 0);
        const double iv = implied_vol(OptionType::Call, price, spot, 1e300, 1000.0, 0.0, 0.6);
        INFO("vol " << vol << " price " << price << " iv " << iv);
        CHECK(std::abs(iv - vol) <= 1e-9 * vol);
    }
}
