#include "screener/pricing/black_scholes.hpp"
#include "screener/pricing/probability.hpp"
#include "screener/pricing/volatility.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

using namespace screener;
using namespace screener::pricing;

namespace {

Date d(const char* iso) {
    return parse_date_or_throw(iso, "test date");
}

Bar bar(double open, double high, double low, double close) {
    Bar b;
    b.open = open;
    b.high = high;
    b.low = low;
    b.close = close;
    b.adjusted_close = close;
    return b;
}

OptionContract contract(Date expiration, OptionType type, double strike, std::optional<double> iv) {
    OptionContract c;
    c.expiration = expiration;
    c.type = type;
    c.strike = strike;
    c.iv = iv;
    return c;
}

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

} // namespace

TEST_CASE("historical_volatility on a hand-computed series", "[stats]") {
    // Log returns of 100, 102, 99, 101, 100.5, 103: sample std dev x sqrt(252), computed by hand.
    const std::vector<double> closes{100, 102, 99, 101, 100.5, 103};
    const auto hv = historical_volatility(closes, 5);
    REQUIRE(hv);
    CHECK(*hv == Approx(0.36692111830263047).epsilon(1e-12));
    // Only the last `window` returns count: prepending a crash changes nothing.
    std::vector<double> longer{10, 50};
    longer.insert(longer.end(), closes.begin(), closes.end());
    CHECK(*historical_volatility(longer, 5) == Approx(*hv).epsilon(1e-12));
    CHECK_FALSE(historical_volatility(closes, 6));
}

TEST_CASE("Parkinson volatility on a hand-computed series", "[stats]") {
    // ln(H/L) = 0.02 and 0.04: sigma^2 = 252 (0.0004 + 0.0016) / (4 ln2 * 2).
    const std::vector<Bar> exact{bar(100, 100 * std::exp(0.02), 100, 100),
                                 bar(100, 100 * std::exp(0.04), 100, 100)};
    const double expected = std::sqrt(252 * 0.002 / (8 * std::log(2.0)));
    CHECK(*parkinson_volatility(exact, 2) == Approx(expected).epsilon(1e-12));
    CHECK(expected == Approx(0.30147933).epsilon(1e-7));

    const std::vector<Bar> bars{bar(999, 999, 1, 999), // outside the window
                                bar(100, 102, 98, 101), bar(101, 101.5, 99.5, 100),
                                bar(100, 104, 100, 103)};
    CHECK(*parkinson_volatility(bars, 3) == Approx(0.32724731286086756).epsilon(1e-12));
    CHECK_FALSE(parkinson_volatility(bars, 5));
    std::vector<Bar> broken = bars;
    broken.back().low = 0;
    CHECK_FALSE(parkinson_volatility(broken, 3));
    broken.back() = bar(100, 99, 101, 100); // high below low
    CHECK_FALSE(parkinson_volatility(broken, 3));
}

TEST_CASE("Yang-Zhang volatility on a hand-computed series", "[stats]") {
    const std::vector<Bar> bars{bar(100, 101, 99, 100), bar(100.5, 102, 100, 101.5),
                                bar(101, 101.8, 99.6, 100.2), bar(99.8, 101, 99, 100.9)};
    // k = 0.34 / (1.34 + 4/2) = 0.1017964; overnight, open-to-close and Rogers-Satchell terms
    // computed by hand from the three sessions after the first bar.
    const auto yz = yang_zhang_volatility(bars, 3);
    REQUIRE(yz);
    CHECK(*yz == Approx(0.2230523392138937).epsilon(1e-12));
    CHECK_FALSE(yang_zhang_volatility(bars, 4)); // needs window + 1 bars

    // A 2:1 split after the first two bars: raw prices halve, adjusted closes do not. The
    // adjustment keeps the split from looking like a -69% overnight gap.
    std::vector<Bar> split = bars;
    for (std::size_t i = 0; i < 2; ++i) {
        split[i].open *= 2;
        split[i].high *= 2;
        split[i].low *= 2;
        split[i].close *= 2;
    }
    CHECK(*yang_zhang_volatility(split, 3) == Approx(*yz).epsilon(1e-12));
    std::vector<Bar> unadjusted = split;
    for (auto& b : unadjusted) {
        b.adjusted_close = 0; // no adjustment information
    }
    CHECK(*yang_zhang_volatility(unadjusted, 3) > 2 * *yz);
}

TEST_CASE("atm_iv interpolates in strike and averages call and put", "[stats]") {
    const Date exp = d("2026-02-06");
    OptionChain chain;
    chain.contracts = {
        contract(exp, OptionType::Call, 95, 0.36),
        contract(exp, OptionType::Put, 95, 0.38),
        contract(exp, OptionType::Call, 100, 0.30),
        contract(exp, OptionType::Put, 100, 0.32),
        contract(exp, OptionType::Call, 105, 0.28),
        contract(exp, OptionType::Put, 105, 0.0),
        contract(exp, OptionType::Put, 105, std::nullopt),
        contract(exp, OptionType::Call, 110, 0.27),
    };
    // Strike 100: (0.30 + 0.32)/2 = 0.31; strike 105: only the call is usable, 0.28.
    CHECK(*atm_iv(chain, exp, 101) == Approx(0.8 * 0.31 + 0.2 * 0.28).epsilon(1e-12));
    CHECK(*atm_iv(chain, exp, 100) == Approx(0.31).epsilon(1e-12));
    CHECK_FALSE(atm_iv(chain, exp, 90));  // spot below every strike
    CHECK_FALSE(atm_iv(chain, exp, 111)); // above every strike
    CHECK_FALSE(atm_iv(chain, d("2026-02-13"), 100));
}

TEST_CASE("atm_iv_30d interpolates total variance between the bracketing expirations", "[stats]") {
    const Date as_of = d("2026-01-02");
    const Date front = d("2026-01-25"); // 23 days
    const Date back = d("2026-02-08");  // 37 days
    OptionChain chain;
    chain.contracts = {
        // Front: 0.304 at spot 101.
        contract(front, OptionType::Call, 100, 0.30),
        contract(front, OptionType::Put, 100, 0.32),
        contract(front, OptionType::Call, 105, 0.28),
        contract(front, OptionType::Put, 105, -1.0), // vendor sentinel, ignored
        contract(front, OptionType::Call, 95, 50.0), // absurd IV, ignored
        // Back: 0.8 x 0.26 + 0.2 x 0.24 = 0.256 at spot 101.
        contract(back, OptionType::Call, 100, 0.25),
        contract(back, OptionType::Put, 100, 0.27),
        contract(back, OptionType::Call, 105, 0.24),
        contract(back, OptionType::Put, 105, 0.24),
        // Already expired and far-dated rows must not be used.
        contract(d("2026-01-02"), OptionType::Call, 100, 0.90),
        contract(d("2026-01-02"), OptionType::Call, 105, 0.90),
        contract(d("2027-01-15"), OptionType::Call, 100, 0.10),
        contract(d("2027-01-15"), OptionType::Call, 105, 0.10),
    };
    // w1 = 0.304^2 x 23, w2 = 0.256^2 x 37, w30 = w1 + (w2 - w1) x 7/14, IV30 = sqrt(w30 / 30).
    const double w1 = 0.304 * 0.304 * 23;
    const double w2 = 0.256 * 0.256 * 37;
    const double by_hand = std::sqrt((w1 + (w2 - w1) * 0.5) / 30);
    const auto iv30 = atm_iv_30d(chain, 101, as_of);
    REQUIRE(iv30);
    CHECK(*iv30 == Approx(by_hand).epsilon(1e-12));
    CHECK(*iv30 == Approx(0.27539063164893607).epsilon(1e-12));
    // Interpolating the vols linearly would give 0.28; total variance gives less here.
    CHECK(*iv30 < 0.28);

    // An expiration exactly 30 days out is used as it is.
    OptionChain exact = chain;
    const Date day30 = d("2026-02-01");
    exact.contracts.push_back(contract(day30, OptionType::Call, 100, 0.40));
    exact.contracts.push_back(contract(day30, OptionType::Call, 105, 0.40));
    CHECK(*atm_iv_30d(exact, 101, as_of) == Approx(0.40).epsilon(1e-12));

    CHECK_FALSE(atm_iv_30d(chain, 0, as_of));
    CHECK_FALSE(atm_iv_30d(OptionChain{}, 101, as_of));
}

TEST_CASE("atm_iv_30d uses a lone expiration only within 7..60 days", "[stats]") {
    const Date as_of = d("2026-01-02");
    const auto single = [&](int days) {
        OptionChain chain;
        const Date exp = add_days(as_of, days);
        chain.contracts = {contract(exp, OptionType::Call, 100, 0.25),
                           contract(exp, OptionType::Put, 100, 0.25),
                           contract(exp, OptionType::Call, 110, 0.21)};
        return atm_iv_30d(chain, 105, as_of);
    };
    CHECK(*single(45) == Approx(0.23).epsilon(1e-12));
    CHECK(*single(60) == Approx(0.23).epsilon(1e-12));
    CHECK(*single(7) == Approx(0.23).epsilon(1e-12));
    CHECK_FALSE(single(61));
    CHECK_FALSE(single(6));
    CHECK_FALSE(single(0));
}

TEST_CASE("IV rank and IV percentile differ after a spike", "[stats]") {
    // One trading year: 125 days at 20%, 126 at 30%, one spike to 80%.
    std::vector<double> history(125, 0.20);
    history.insert(history.end(), 126, 0.30);
    history.push_back(0.80);
    const auto rank = iv_rank(history, 0.29, 200);
    const auto percentile = iv_percentile(history, 0.29, 200);
    REQUIRE(rank.status == IvStatStatus::Ok);
    REQUIRE(percentile.status == IvStatStatus::Ok);
    CHECK(rank.observations == 252);
    // Rank: (0.29 - 0.20) / (0.80 - 0.20) = 15. Percentile: 125 of 252 days were lower.
    CHECK(*rank.value == Approx(15.0).epsilon(1e-12));
    CHECK(*percentile.value == Approx(100.0 * 125 / 252).epsilon(1e-12));

    // Observations older than the 252-day lookback do not count.
    std::vector<double> older(10, 2.0);
    older.insert(older.end(), history.begin(), history.end());
    CHECK(*iv_rank(older, 0.29, 200).value == Approx(15.0).epsilon(1e-12));
    CHECK(iv_rank(older, 0.29, 200).observations == 252);
    // ...unless the lookback is widened.
    CHECK(*iv_rank(older, 0.29, 200, 262).value == Approx(5.0).epsilon(1e-12));

    // Percentile counts strictly lower days: equal to the 30% plateau, 125 are below.
    CHECK(*iv_percentile(history, 0.30, 200).value == Approx(100.0 * 125 / 252).epsilon(1e-12));
    // A new high or low: rank is 100 / 0 (current joins the range), percentile 100 / 0.
    CHECK(*iv_rank(history, 0.90, 200).value == Approx(100.0));
    CHECK(*iv_percentile(history, 0.90, 200).value == Approx(100.0));
    CHECK(*iv_rank(history, 0.10, 200).value == Approx(0.0));
    CHECK(*iv_percentile(history, 0.10, 200).value == Approx(0.0));
}

TEST_CASE("IV statistics report not enough history instead of a number", "[stats]") {
    const std::vector<double> short_history{0.2, 0.3, 0.25};
    const auto rank = iv_rank(short_history, 0.28, 20);
    const auto percentile = iv_percentile(short_history, 0.28, 20);
    CHECK(rank.status == IvStatStatus::NotEnoughHistory);
    CHECK_FALSE(rank.value);
    CHECK(rank.observations == 3);
    CHECK(percentile.status == IvStatStatus::NotEnoughHistory);
    CHECK_FALSE(percentile.value);
    // Missing days (0 or NaN) do not count towards the minimum.
    const std::vector<double> gappy{0.2, 0.0, k_nan, 0.3, -1.0};
    CHECK(iv_rank(gappy, 0.25, 3).status == IvStatStatus::NotEnoughHistory);
    CHECK(iv_rank(gappy, 0.25, 2).status == IvStatStatus::Ok);
    CHECK(*iv_rank(gappy, 0.25, 2).value == Approx(50.0));
    CHECK(iv_percentile(std::span<const double>{}, 0.25, 0).status ==
          IvStatStatus::NotEnoughHistory);
    CHECK(iv_rank(short_history, k_nan, 1).status == IvStatStatus::InvalidCurrent);
    CHECK(iv_percentile(short_history, 0.0, 1).status == IvStatStatus::InvalidCurrent);
}

TEST_CASE("flat IV history: rank undefined, percentile defined", "[stats]") {
    const std::vector<double> flat(252, 0.25);
    const auto rank = iv_rank(flat, 0.25, 100);
    CHECK(rank.status == IvStatStatus::FlatHistory);
    CHECK_FALSE(rank.value);
    CHECK(rank.observations == 252);
    const auto percentile = iv_percentile(flat, 0.25, 100);
    REQUIRE(percentile.status == IvStatStatus::Ok);
    CHECK(*percentile.value == 0.0);
    // A move off a flat history is a new extreme, so the range is no longer zero.
    CHECK(*iv_rank(flat, 0.30, 100).value == Approx(100.0));
    CHECK(*iv_percentile(flat, 0.30, 100).value == Approx(100.0));
}

TEST_CASE("prob_below is the complement of prob_above", "[probability]") {
    CHECK(prob_below(100, 94, 30.0 / 365, 0.05, 0.30) == Approx(1 - 0.7655280087).epsilon(1e-9));
    for (const double level : {60.0, 90.0, 100.0, 110.0, 160.0}) {
        for (const double mu : {-0.1, 0.0, 0.05}) {
            CHECK(prob_below(100, level, 0.25, mu, 0.3) + prob_above(100, level, 0.25, mu, 0.3) ==
                  Approx(1.0).epsilon(1e-12));
        }
    }
    // Far tail: computed directly, not as 1 - p (which would round to 0).
    CHECK(prob_below(100, 20, 0.1, 0.0, 0.2) > 0);
    CHECK(prob_below(100, 20, 0.1, 0.0, 0.2) < 1e-100);
    // Deterministic cases.
    CHECK(prob_below(100, 110, 0.0, 0.0, 0.2) == 1.0);
    CHECK(prob_below(100, 90, 0.0, 0.0, 0.2) == 0.0);
    CHECK(prob_below(100, 104, 1.0, 0.05, 0.0) == 0.0); // 100 e^0.05 = 105.1
    CHECK(std::isnan(prob_below(-1, 90, 0.1, 0.0, 0.2)));
    CHECK(std::isnan(prob_below(100, 90, -0.1, 0.0, 0.2)));
}

TEST_CASE("probability of touch: exact first-passage values", "[probability]") {
    // Hand values from the closed form.
    // Driftless log-price (mu = sigma^2 / 2): 2 N(-ln(1.1) / 0.1).
    CHECK(prob_touch(100, 110, 0.25, 0.02, 0.2) == Approx(0.3405384952145612).epsilon(1e-10));
    CHECK(prob_touch(100, 110, 0.25, 0.05, 0.2) == Approx(0.3652485155138274).epsilon(1e-10));
    CHECK(prob_touch(100, 90, 0.25, 0.05, 0.2) == Approx(0.26946186496770497).epsilon(1e-10));
    CHECK(prob_touch(100, 92, 45.0 / 365, 0.0, 0.3) == Approx(0.4465792855798193).epsilon(1e-10));
}

TEST_CASE("probability of touch is exactly twice P(ITM) without log drift", "[probability]") {
    const double sigma = 0.35;
    const double mu = sigma * sigma / 2; // nu = 0
    for (const double t : {7.0 / 365, 45.0 / 365, 1.0}) {
        CHECK(prob_touch(100, 115, t, mu, sigma) ==
              Approx(2 * prob_above(100, 115, t, mu, sigma)).epsilon(1e-12));
        CHECK(prob_touch(100, 85, t, mu, sigma) ==
              Approx(2 * prob_below(100, 85, t, mu, sigma)).epsilon(1e-12));
    }
    // With zero price drift the 2 x P(ITM) rule is only an approximation (here for a put).
    const double exact = prob_touch(100, 92, 45.0 / 365, 0.0, 0.3);
    const double rule = 2 * prob_below(100, 92, 45.0 / 365, 0.0, 0.3);
    CHECK(rule == Approx(2 * 0.2299834851876078).epsilon(1e-10));
    CHECK(exact != Approx(rule).epsilon(1e-3));
    CHECK(std::abs(exact - rule) < 0.02);
}

TEST_CASE("probability of touch: symmetry and bounds", "[probability]") {
    const double sigma = 0.25;
    const double t = 0.4;
    for (const double mu : {-0.08, 0.0, 0.03, 0.12}) {
        // Mirror: an upper barrier at S x m with log drift nu equals a lower barrier at S / m
        // with log drift -nu (price drift sigma^2 - mu).
        CHECK(prob_touch(100, 120, t, mu, sigma) ==
              Approx(prob_touch(100, 100.0 / 1.2, t, sigma * sigma - mu, sigma)).epsilon(1e-12));
        // Touching is at least as likely as finishing beyond the level.
        CHECK(prob_touch(100, 120, t, mu, sigma) >= prob_above(100, 120, t, mu, sigma));
        CHECK(prob_touch(100, 80, t, mu, sigma) >= prob_below(100, 80, t, mu, sigma));
        // Further levels are touched less often; longer horizons more often.
        CHECK(prob_touch(100, 130, t, mu, sigma) < prob_touch(100, 120, t, mu, sigma));
        CHECK(prob_touch(100, 120, 2 * t, mu, sigma) > prob_touch(100, 120, t, mu, sigma));
    }
    CHECK(prob_touch(100, 100, 0.1, 0.0, 0.2) == 1.0);
    CHECK(prob_touch(100, 101, 0.0, 0.0, 0.2) == 0.0);
    // Zero volatility: the path is deterministic, 100 e^{mu t}.
    CHECK(prob_touch(100, 105, 1.0, 0.1, 0.0) == 1.0);
    CHECK(prob_touch(100, 105, 0.25, 0.1, 0.0) == 0.0);
    CHECK(prob_touch(100, 95, 1.0, 0.1, 0.0) == 0.0);
    CHECK(std::isnan(prob_touch(100, 0, 0.1, 0.0, 0.2)));
}

TEST_CASE("probability of touch stays finite when the reflection factor overflows",
          "[probability]") {
    // Tiny sigma, drift carrying the price exactly to the level: exp(2 nu b / sigma^2) =
    // exp(20000) overflows a double, while the true probability is 1/2 (direct term) plus a
    // reflected term of about phi(200) e^20000 / 200 = 1 / (200 sqrt(2 pi)).
    const double sigma = 0.001;
    const double mu = 0.1 + sigma * sigma / 2; // nu = 0.1
    const double p = prob_touch(100, 100 * std::exp(0.1), 1.0, mu, sigma);
    REQUIRE(std::isfinite(p));
    CHECK(p == Approx(0.5 + 1 / (200 * std::sqrt(2 * std::numbers::pi))).epsilon(1e-6));
    CHECK(prob_touch(100, 100 * std::exp(0.05), 1.0, mu, sigma) == Approx(1.0));
    CHECK(prob_touch(100, 100 * std::exp(0.15), 1.0, mu, sigma) == Approx(0.0).margin(1e-12));
}

TEST_CASE("expected move from IV and from the straddle", "[probability]") {
    CHECK(expected_move_from_iv(100, 0.2, 0.25) == Approx(10.0).epsilon(1e-12));
    CHECK(expected_move_from_iv(250, 0.4, 30.0 / 365) ==
          Approx(250 * 0.4 * std::sqrt(30.0 / 365)).epsilon(1e-12));
    CHECK(expected_move_from_iv(100, 0.2, 0.0) == 0.0);
    // Straddle = sqrt(2/pi) x 1 sigma move, so the 1 sigma move is 1.2533 x straddle.
    CHECK(expected_move_from_straddle(std::sqrt(2 / std::numbers::pi) * 10.0) ==
          Approx(10.0).epsilon(1e-12));
    CHECK(expected_move_from_straddle(8.0) == Approx(10.0265).epsilon(1e-5));
    // A zero-rate ATM straddle priced by Black-Scholes, 2 S (2 N(sigma sqrt t / 2) - 1), maps
    // back to within 0.1% of S sigma sqrt t.
    const double straddle = 2 * 100 * (2 * norm_cdf(0.05) - 1);
    CHECK(straddle == Approx(7.975522335348995).epsilon(1e-12));
    CHECK(expected_move_from_straddle(straddle) ==
          Approx(expected_move_from_iv(100, 0.2, 0.25)).epsilon(1e-3));
    CHECK(std::isnan(expected_move_from_straddle(-1)));
    CHECK(std::isnan(expected_move_from_iv(100, -0.2, 0.25)));
}

TEST_CASE("strike distance in standard deviations", "[probability]") {
    CHECK(strike_distance_sd(100, 110, 0.2, 0.25) == Approx(0.9531017980432493).epsilon(1e-12));
    CHECK(strike_distance_sd(100, 90, 0.2, 0.25) == Approx(-1.0536051565782627).epsilon(1e-12));
    CHECK(strike_distance_sd(100, 100, 0.2, 0.25) == 0.0);
    // Log distance: 125 and 80 are the same number of sigmas from 100, on opposite sides.
    CHECK(strike_distance_sd(100, 125, 0.3, 0.5) ==
          Approx(-strike_distance_sd(100, 80, 0.3, 0.5)).epsilon(1e-12));
    CHECK(std::isnan(strike_distance_sd(100, 110, 0.0, 0.25)));
    CHECK(std::isnan(strike_distance_sd(100, 110, 0.2, 0.0)));
}
