#include "screener/pricing/black_scholes.hpp"
#include "screener/pricing/volatility.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace screener::pricing;

namespace {

struct ReferenceRow {
    OptionType type;
    double s, k, q, r, t, v;
    std::string value, delta, gamma, theta, vega, rho;
    int line;
};

std::vector<std::string> split_csv_prefix(const std::string& line, int fields) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream in(line);
    while (static_cast<int>(out.size()) < fields && std::getline(in, cell, ',')) {
        out.push_back(cell);
    }
    return out;
}

std::vector<ReferenceRow> load_reference() {
    std::ifstream file(SCREENER_FIXTURES_DIR "/pricing/reference_haug.csv");
    REQUIRE(file);
    std::string line;
    std::getline(file, line); // header
    std::vector<ReferenceRow> rows;
    int number = 1;
    while (std::getline(file, line)) {
        ++number;
        const auto f = split_csv_prefix(line, 13);
        REQUIRE(f.size() == 13);
        rows.push_back({f[0] == "call" ? OptionType::Call : OptionType::Put, std::stod(f[1]),
                        std::stod(f[2]), std::stod(f[3]), std::stod(f[4]), std::stod(f[5]),
                        std::stod(f[6]), f[7], f[8], f[9], f[10], f[11], f[12], number});
    }
    return rows;
}

} // namespace

TEST_CASE("prices and Greeks match Haug's reference values to 1e-4", "[pricing]") {
    const auto rows = load_reference();
    REQUIRE(rows.size() == 50);
    int checked = 0;
    for (const auto& row : rows) {
        const auto g = bs_greeks(row.type, row.s, row.k, row.t, row.r, row.q, row.v);
        INFO("reference_haug.csv line " << row.line);
        const std::pair<const std::string*, double> expected[] = {
            {&row.value, g.price}, {&row.delta, g.delta}, {&row.gamma, g.gamma},
            {&row.theta, g.theta}, {&row.vega, g.vega},   {&row.rho, g.rho}};
        for (const auto& [text, computed] : expected) {
            if (!text->empty()) {
                CHECK(computed == Approx(std::stod(*text)).margin(1e-4));
                ++checked;
            }
        }
    }
    CHECK(checked >= 49);
}

TEST_CASE("put-call parity and limits", "[pricing]") {
    const double s = 100, k = 95, t = 0.5, r = 0.03, q = 0.01, v = 0.25;
    const double call = bs_price(OptionType::Call, s, k, t, r, q, v);
    const double put = bs_price(OptionType::Put, s, k, t, r, q, v);
    CHECK(call - put == Approx(s * std::exp(-q * t) - k * std::exp(-r * t)).margin(1e-12));
    // At expiry the price is the intrinsic value, never negative.
    CHECK(bs_price(OptionType::Call, 100, 95, 0, r, q, v) == Approx(5.0));
    CHECK(bs_price(OptionType::Put, 100, 95, 0, r, q, v) == 0.0);
    CHECK(bs_price(OptionType::Put, 100, 40, 0.02, 0, 0, 0.2) >= 0.0);
    CHECK(std::isnan(bs_price(OptionType::Call, -1, 95, t, r, q, v)));
}

TEST_CASE("probability above a level is N(d2)", "[pricing]") {
    // Hand-computed: S=100, L=94, t=30/365, mu=0.05, sigma=0.30 -> N(0.72420) = 0.765528.
    CHECK(prob_above(100, 94, 30.0 / 365, 0.05, 0.30) == Approx(0.7655280087).epsilon(1e-9));
    CHECK(prob_above(100, 100, 1.0, 0.0, 0.2) == Approx(norm_cdf(-0.1)));
    CHECK(prob_above(100, 90, 0.0, 0.0, 0.2) == 1.0);
    CHECK(prob_above(100, 110, 0.0, 0.0, 0.2) == 0.0);
}

TEST_CASE("historical volatility of a known series", "[pricing]") {
    // Log returns alternate +a, -a: sample variance a^2 * n / (n - 1).
    const double a = 0.01;
    std::vector<double> closes{100.0};
    for (int i = 0; i < 20; ++i) {
        closes.push_back(closes.back() * std::exp(i % 2 == 0 ? a : -a));
    }
    const auto hv = historical_volatility(closes, 20);
    REQUIRE(hv);
    CHECK(*hv == Approx(a * std::sqrt(20.0 / 19.0) * std::sqrt(252.0)).epsilon(1e-12));
    CHECK_FALSE(historical_volatility(closes, 21));
    closes[5] = 0;
    CHECK_FALSE(historical_volatility(closes, 20));
}
