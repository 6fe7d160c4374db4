// Strategy engine tests: expected values derived from docs/strategies.md with independent
// arithmetic (own N(x), breakevens, PoP, max loss), never from the engine's helpers.
#include "screener/core/calendar.hpp"
#include "screener/strategy/strategy.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <rapidjson/document.h>
#include <set>
#include <sstream>
#include <tuple>

using namespace screener;
using namespace screener::strategy;

namespace {

const Date k_as_of = *parse_date("2026-11-20");
const Date k_exp = *parse_date("2026-12-18");

double ncdf(double x) {
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
}
double t_years() {
    return years_to_expiry(market_close_unix(k_as_of), k_exp);
}
int dte() {
    return days_between(k_as_of, k_exp);
}
// P(S_T > B), lognormal, drift mu.
double p_above(double s, double b, double iv, double mu) {
    const double t = t_years();
    return ncdf((std::log(s / b) + (mu - iv * iv / 2) * t) / (iv * std::sqrt(t)));
}

OptionContract opt(OptionType type, double k, double bid, double ask, double iv, double delta,
                   double oi = 1000) {
    OptionContract c;
    std::ostringstream s;
    s << "TEST" << (type == OptionType::Put ? "P" : "C") << k;
    c.option_symbol = s.str();
    c.underlying = "TEST";
    c.type = type;
    c.strike = k;
    c.expiration = k_exp;
    c.dte = dte();
    c.updated = 0;
    c.bid = bid;
    c.ask = ask;
    c.mid = (bid + ask) / 2;
    c.iv = iv;
    c.delta = delta;
    c.open_interest = oi;
    c.volume = 100;
    c.underlying_price = 100.0;
    return c;
}

SymbolContext ctx() {
    SymbolContext c;
    c.symbol = "TEST";
    c.as_of = k_as_of;
    c.spot = 100.0;
    c.risk_free_rate = 0.04;
    c.hv60 = 0.25;
    c.hv20 = 0.25;
    return c;
}

config::StrategyConfig loose() {
    config::StrategyConfig s;
    s.dte_min = 1;
    s.dte_max = 365;
    s.delta_min = 0.01;
    s.delta_max = 0.99;
    s.otm_pct_min = -1;
    s.otm_pct_max = 1;
    s.min_bid = 0.0;
    s.max_spread_pct = 2.0;
    s.min_open_interest = 0;
    s.width_min = 0.5;
    s.width_max = 100;
    s.min_annualized_return = -1e9;
    return s;
}

config::ProfileConfig profile_with(std::initializer_list<std::string> names) {
    config::ProfileConfig p;
    p.name = "test";
    for (const auto& n : names)
        p.strategies[n] = loose();
    return p;
}

OptionChain chain_of(std::vector<OptionContract> cs) {
    OptionChain ch;
    ch.underlying = "TEST";
    ch.contracts = std::move(cs);
    return ch;
}

// A small chain: puts 90, 95, 100; calls 100, 105, 112.
OptionChain small_chain() {
    return chain_of({
        opt(OptionType::Put, 90, 0.40, 0.50, 0.30, -0.12),
        opt(OptionType::Put, 95, 1.00, 1.20, 0.27, -0.25),
        opt(OptionType::Put, 100, 2.60, 2.90, 0.25, -0.47),
        opt(OptionType::Call, 100, 3.00, 3.30, 0.24, 0.53),
        opt(OptionType::Call, 105, 1.10, 1.30, 0.23, 0.28),
        opt(OptionType::Call, 112, 0.20, 0.30, 0.26, 0.07),
    });
}

double sell(double bid, double ask, double k = 0.5) {
    return (bid + ask) / 2 - k * (ask - bid) / 2;
}
double buy(double bid, double ask, double k = 0.5) {
    return (bid + ask) / 2 + k * (ask - bid) / 2;
}

const Candidate* find(const SymbolScore& s, const std::string& strategy,
                      std::vector<double> strikes) {
    for (const auto& c : s.candidates) {
        if (c.strategy != strategy)
            continue;
        std::vector<double> ks;
        for (const auto& l : c.legs)
            if (!l.is_stock)
                ks.push_back(l.strike);
        auto a = ks, b = strikes;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        if (a == b)
            return &c;
    }
    return nullptr;
}

SymbolScore run(const config::ProfileConfig& p, const OptionChain& ch, SymbolContext c = ctx(),
                bool prune = true, bool explain = false) {
    ScoreOptions o;
    o.keep_per_symbol = 100000;
    o.prune = prune;
    o.explain = explain;
    return score_symbol(c, ch, p, o);
}

bool has_flag(const Candidate& c, const std::string& f) {
    return std::find(c.flags.begin(), c.flags.end(), f) != c.flags.end();
}

void check_returns(const Candidate& c, double credit, double collateral) {
    REQUIRE(c.return_on_capital.has_value());
    CHECK(*c.return_on_capital == Approx(credit / collateral).epsilon(1e-6));
    REQUIRE(c.return_on_capital_annualized.has_value());
    CHECK(*c.return_on_capital_annualized ==
          Approx(credit / collateral * 365.0 / dte()).epsilon(1e-6));
}

} // namespace

TEST_CASE("cash-secured put, hand computed", "[strategy][csp]") {
    auto s = run(profile_with({"cash_secured_put"}), small_chain());
    const Candidate* c = find(s, "cash_secured_put", {95});
    REQUIRE(c);
    const double f = sell(1.00, 1.20);
    CHECK(c->is_credit);
    CHECK(c->fill_price == Approx(f).epsilon(1e-9));
    REQUIRE(c->breakevens.size() == 1);
    CHECK(c->breakevens[0] == Approx(95 - f));
    CHECK(c->pop == Approx(p_above(100, 95 - f, 0.27, 0.04)).epsilon(1e-6));
    REQUIRE(c->max_profit);
    CHECK(*c->max_profit == Approx(f));
    REQUIRE(c->max_loss);
    CHECK(*c->max_loss == Approx(95 - f));
    check_returns(*c, f, 95);
    CHECK(c->dte == dte());
}

TEST_CASE("bull put and bear call spreads, hand computed", "[strategy][vertical]") {
    auto s = run(profile_with({"bull_put_spread", "bear_call_spread"}), small_chain());
    const Candidate* bp = find(s, "bull_put_spread", {95, 90});
    REQUIRE(bp);
    const double c1 = sell(1.00, 1.20) - buy(0.40, 0.50);
    CHECK(bp->fill_price == Approx(c1));
    REQUIRE(bp->breakevens.size() == 1);
    CHECK(bp->breakevens[0] == Approx(95 - c1));
    CHECK(bp->pop == Approx(p_above(100, 95 - c1, 0.27, 0.04)).epsilon(1e-6));
    CHECK(*bp->max_profit == Approx(c1));
    CHECK(*bp->max_loss == Approx(5 - c1));
    check_returns(*bp, c1, 5 - c1);
    REQUIRE(bp->return_on_risk);
    CHECK(*bp->return_on_risk == Approx(c1 / (5 - c1)));

    const Candidate* bc = find(s, "bear_call_spread", {105, 112});
    REQUIRE(bc);
    const double c2 = sell(1.10, 1.30) - buy(0.20, 0.30);
    CHECK(bc->fill_price == Approx(c2));
    CHECK(bc->breakevens[0] == Approx(105 + c2));
    CHECK(bc->pop == Approx(1 - p_above(100, 105 + c2, 0.23, 0.04)).epsilon(1e-6));
    CHECK(*bc->max_loss == Approx(7 - c2));
    check_returns(*bc, c2, 7 - c2);
    CHECK(*bc->return_on_risk == Approx(c2 / (7 - c2)));
}

TEST_CASE("iron condor with unequal wings: max loss = wider wing - credit", "[strategy][condor]") {
    auto s = run(profile_with({"iron_condor"}), small_chain());
    const Candidate* c = find(s, "iron_condor", {90, 95, 105, 112});
    REQUIRE(c);
    const double cp = sell(1.00, 1.20) - buy(0.40, 0.50);
    const double cc = sell(1.10, 1.30) - buy(0.20, 0.30);
    const double cr = cp + cc;
    CHECK(c->fill_price == Approx(cr));
    REQUIRE(c->breakevens.size() == 2);
    auto be = c->breakevens;
    std::sort(be.begin(), be.end());
    CHECK(be[0] == Approx(95 - cr));
    CHECK(be[1] == Approx(105 + cr));
    const double pop = p_above(100, 95 - cr, 0.27, 0.04) - p_above(100, 105 + cr, 0.23, 0.04);
    CHECK(c->pop == Approx(pop).epsilon(1e-6));
    CHECK(*c->max_profit == Approx(cr));
    REQUIRE(c->max_loss);
    CHECK(*c->max_loss == Approx(7 - cr)); // not 5 + 7 - cr
    check_returns(*c, cr, 7 - cr);
    CHECK(*c->return_on_risk == Approx(cr / (7 - cr)));
}

TEST_CASE("covered call buy-write: static vs if-called return", "[strategy][covered]") {
    auto s = run(profile_with({"covered_call"}), small_chain());
    const Candidate* c = find(s, "covered_call", {105});
    REQUIRE(c);
    REQUIRE(c->legs.size() == 2);
    CHECK(c->legs[0].is_stock);
    const double f = sell(1.10, 1.30);
    CHECK(c->fill_price == Approx(f));
    CHECK(c->breakevens[0] == Approx(100 - f));
    CHECK(c->pop == Approx(p_above(100, 100 - f, 0.23, 0.04)).epsilon(1e-6));
    CHECK(*c->max_profit == Approx(105 - 100 + f));
    CHECK(*c->max_loss == Approx(100 - f));
    check_returns(*c, f, 100);
    rapidjson::Document d;
    d.Parse(c->metrics_json.c_str());
    REQUIRE(!d.HasParseError());
    REQUIRE(d.HasMember("if_called_return"));
    CHECK(d["if_called_return"].GetDouble() == Approx((105 - 100 + f) / 100).epsilon(1e-6));
    CHECK_FALSE(has_flag(*c, "held_lot"));
}

TEST_CASE("covered call on a held lot", "[strategy][covered]") {
    auto c0 = ctx();
    c0.holding = config::HoldingLot{"TEST", 100, 80.0};
    auto s = run(profile_with({"covered_call"}), small_chain(), c0);
    const Candidate* c = find(s, "covered_call", {105});
    REQUIRE(c);
    CHECK(has_flag(*c, "held_lot"));
    const double f = sell(1.10, 1.30);
    CHECK(c->fill_price == Approx(f));
    check_returns(*c, f, 100);
}

TEST_CASE("long call and long put, hand computed", "[strategy][long]") {
    auto s = run(profile_with({"long_call", "long_put"}), small_chain());
    const Candidate* lc = find(s, "long_call", {105});
    REQUIRE(lc);
    const double d = buy(1.10, 1.30);
    CHECK_FALSE(lc->is_credit);
    CHECK(lc->fill_price == Approx(d));
    CHECK(lc->breakevens[0] == Approx(105 + d));
    CHECK(lc->pop == Approx(p_above(100, 105 + d, 0.23, 0.04)).epsilon(1e-6));
    CHECK_FALSE(lc->max_profit.has_value());
    CHECK(*lc->max_loss == Approx(d));
    CHECK_FALSE(lc->return_on_capital.has_value());

    const Candidate* lp = find(s, "long_put", {95});
    REQUIRE(lp);
    const double d2 = buy(1.00, 1.20);
    CHECK(lp->fill_price == Approx(d2));
    CHECK(lp->breakevens[0] == Approx(95 - d2));
    CHECK(lp->pop == Approx(1 - p_above(100, 95 - d2, 0.27, 0.04)).epsilon(1e-6));
    CHECK(*lp->max_profit == Approx(95 - d2));
    CHECK(*lp->max_loss == Approx(d2));
}

TEST_CASE("data-quality gate counts reasons and blocks a bad chain", "[strategy][quality]") {
    auto ch = chain_of({
        opt(OptionType::Put, 90, 0.50, 0.40, 0.3, -0.1), // crossed
        opt(OptionType::Put, 91, 0.50, 0.50, 0.3, -0.1), // locked
        opt(OptionType::Put, 92, 0.00, 0.50, 0.3, -0.1), // zero bid
        opt(OptionType::Put, 93, 0.20, 3.00, 0.3, -0.1), // blown
        opt(OptionType::Put, 95, 1.00, 1.20, 0.27, -0.25),
    });
    auto s = run(profile_with({"cash_secured_put"}), ch);
    CHECK(s.quality.rejections["crossed"] == 1);
    CHECK(s.quality.rejections["locked"] == 1);
    CHECK(s.quality.rejections["zero_bid"] == 1);
    CHECK(s.quality.rejections["blown_spread"] == 1);
    CHECK_FALSE(s.quality.rankable);
    REQUIRE(s.symbol_rejection);
    CHECK(*s.symbol_rejection == "quality");
    CHECK(s.candidates.empty());

    auto stale = opt(OptionType::Put, 95, 1.0, 1.2, 0.27, -0.25);
    stale.updated = market_close_unix(k_as_of) - 40 * 3600;
    CHECK(quote_rejection(stale, market_close_unix(k_as_of), 36) ==
          std::optional<std::string>("stale_quote"));
    auto sent = opt(OptionType::Put, 95, 1.0, 1.2, -999, -0.25);
    sent.bid.reset();
    CHECK(quote_rejection(sent, market_close_unix(k_as_of), 36).has_value());

    auto mixed = small_chain();
    auto st = opt(OptionType::Put, 85, 0.2, 0.3, 0.3, -0.05);
    st.updated = market_close_unix(k_as_of) - 40 * 3600;
    mixed.contracts.push_back(st);
    auto si = opt(OptionType::Put, 80, 0.1, 0.2, -999, -0.03);
    si.bid.reset();
    mixed.contracts.push_back(si);
    auto s3 = run(profile_with({"cash_secured_put"}), mixed);
    CHECK(s3.quality.rejections["stale_quote"] == 1);
    CHECK(s3.quality.rejections.size() == 2);
    CHECK(s3.quality.rankable);
    CHECK_FALSE(s3.candidates.empty());

    auto sd = small_chain();
    sd.contracts[1].delta = -999;
    auto s2 = run(profile_with({"cash_secured_put"}), sd);
    CHECK(s2.quality.repairs["sentinel_greeks"] >= 1);
}

TEST_CASE("pruning keeps exactly the brute-force set", "[strategy][prune]") {
    int nonempty = 0;
    for (unsigned seed = 1; seed <= 30; ++seed) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<double> u(0, 1);
        std::vector<OptionContract> cs;
        for (double k = 80; k <= 120; k += 2.5) {
            if (u(rng) < 0.2)
                continue;
            for (auto type : {OptionType::Put, OptionType::Call}) {
                double iv = 0.2 + 0.2 * u(rng);
                double intrinsic =
                    type == OptionType::Put ? std::max(0.0, k - 100) : std::max(0.0, 100 - k);
                double tv = 4.0 * std::exp(-std::pow((k - 100) / 10, 2)) + 0.05;
                double mid = intrinsic + tv * (0.8 + 0.4 * u(rng));
                double half = mid * (0.02 + 0.08 * u(rng));
                double m = std::log(100 / k) / (iv * std::sqrt(t_years()));
                double delta = type == OptionType::Call ? ncdf(m) : ncdf(m) - 1;
                cs.push_back(opt(type, k, mid - half, mid + half, iv, delta));
            }
        }
        auto p = profile_with({"cash_secured_put", "covered_call", "bull_put_spread",
                               "bear_call_spread", "iron_condor", "long_call", "long_put"});
        for (auto& [name, sc] : p.strategies) {
            sc.min_credit = 0.3 + 0.5 * u(rng);
            sc.max_loss = 4 + 6 * u(rng);
            sc.min_pop = 0.3 + 0.3 * u(rng);
            sc.width_min = 2.5;
            sc.width_max = 5 + 5 * u(rng);
        }
        auto ch = chain_of(cs);
        auto a = run(p, ch, ctx(), true);
        auto b = run(p, ch, ctx(), false);
        auto key = [](const SymbolScore& s) {
            std::set<std::string> out;
            for (const auto& c : s.candidates) {
                std::ostringstream o;
                o << c.strategy << ' ' << format_date(c.expiration);
                for (const auto& l : c.legs)
                    o << ' ' << l.strike << (l.is_stock ? "S" : "");
                o << ' ' << std::llround(c.fill_price * 1e6);
                out.insert(o.str());
            }
            return out;
        };
        auto ka = key(a), kb = key(b);
        INFO("seed " << seed);
        CHECK(ka == kb);
        if (!ka.empty())
            ++nonempty;
    }
    CHECK(nonempty >= 20);
}

TEST_CASE("rank_candidates: order, caps, top_n, ranks", "[strategy][rank]") {
    std::vector<Candidate> v;
    auto mk = [&](std::string sym, std::string sector, double score) {
        Candidate c;
        c.symbol = sym;
        c.sector = sector;
        c.strategy = "cash_secured_put";
        c.score = score;
        c.strike = score;
        v.push_back(c);
    };
    mk("A", "Tech", 5);
    mk("A", "Tech", 4);
    mk("A", "Tech", 3);
    mk("B", "Tech", 2.5);
    mk("C", "Energy", 1);
    mk("D", "", 0.5);
    auto r = rank_candidates(v, 4, 2, 3);
    REQUIRE(r.size() == 4);
    CHECK(r[0].score == 5);
    CHECK(r[1].score == 4);
    CHECK(r[2].score == 2.5);
    CHECK(r[3].score == 1);
    for (int i = 0; i < 4; ++i)
        CHECK(r[i].rank == i + 1);
    auto r2 = rank_candidates(v, 10, 3, 2);
    REQUIRE(r2.size() == 4); // A,A (sector cap 2), C, D
    CHECK(r2[2].symbol == "C");
}

TEST_CASE("explain records dropped and kept verdicts", "[strategy][explain]") {
    auto p = profile_with({"cash_secured_put"});
    p.strategies["cash_secured_put"].min_pop = 0.8;
    auto s = run(p, small_chain(), ctx(), true, true);
    bool kept = false, dropped = false;
    for (const auto& e : s.explain) {
        if (e.verdict.rfind("kept", 0) == 0 || e.verdict.rfind("passed", 0) == 0)
            kept = true;
        if (e.verdict.rfind("dropped", 0) == 0)
            dropped = true;
    }
    for (const auto& e : s.explain)
        UNSCOPED_INFO(e.strategy << " " << e.trade << " " << e.verdict);
    CHECK(kept);
    CHECK(dropped);
}

TEST_CASE("early assignment flag", "[strategy][flags]") {
    auto ch = small_chain();
    ch.contracts.push_back(opt(OptionType::Call, 90, 10.10, 10.30, 0.25, 0.95));
    ch.contracts.push_back(opt(OptionType::Put, 115, 15.02, 15.10, 0.25, -0.97));
    auto c0 = ctx();
    c0.next_dividend = Dividend{*parse_date("2026-12-10"), 0.50};
    auto with = run(profile_with({"covered_call", "cash_secured_put"}), ch, c0);
    const Candidate* cc = find(with, "covered_call", {90});
    REQUIRE(cc);
    CHECK(has_flag(*cc, "early_assignment_risk"));
    auto without = run(profile_with({"covered_call", "cash_secured_put"}), ch, ctx());
    const Candidate* cc2 = find(without, "covered_call", {90});
    REQUIRE(cc2);
    CHECK_FALSE(has_flag(*cc2, "early_assignment_risk"));
    const Candidate* sp = find(without, "cash_secured_put", {115});
    REQUIRE(sp);
    CHECK(has_flag(*sp, "early_assignment_risk"));
    const Candidate* otm = find(without, "cash_secured_put", {95});
    REQUIRE(otm);
    CHECK_FALSE(has_flag(*otm, "early_assignment_risk"));
}

TEST_CASE("earnings policy exclude and flag", "[strategy][earnings]") {
    auto c0 = ctx();
    c0.next_earnings = k_exp; // on the expiration day counts
    auto p = profile_with({"cash_secured_put"});
    p.earnings = config::EarningsPolicy::Exclude;
    CHECK(run(p, small_chain(), c0).candidates.empty());
    p.earnings = config::EarningsPolicy::Flag;
    auto s = run(p, small_chain(), c0);
    REQUIRE_FALSE(s.candidates.empty());
    for (const auto& c : s.candidates)
        CHECK(has_flag(c, "earnings_before_expiry"));
    c0.next_earnings = add_days(k_exp, 1);
    p.earnings = config::EarningsPolicy::Exclude;
    CHECK_FALSE(run(p, small_chain(), c0).candidates.empty());
}

TEST_CASE("CSP PoP falls as the short strike rises", "[strategy][property]") {
    std::vector<OptionContract> cs;
    const double t = t_years(), r = 0.04, iv = 0.25;
    for (double k = 85; k <= 100; k += 2.5) {
        double d1 = (std::log(100 / k) + (r + iv * iv / 2) * t) / (iv * std::sqrt(t));
        double d2 = d1 - iv * std::sqrt(t);
        double put = k * std::exp(-r * t) * ncdf(-d2) - 100 * ncdf(-d1);
        cs.push_back(opt(OptionType::Put, k, put * 0.97, put * 1.03, iv, ncdf(d1) - 1));
    }
    auto s = run(profile_with({"cash_secured_put"}), chain_of(cs));
    std::vector<std::pair<double, double>> kp;
    for (const auto& c : s.candidates)
        kp.push_back({c.strike, c.pop});
    std::sort(kp.begin(), kp.end());
    REQUIRE(kp.size() >= 5);
    for (size_t i = 1; i < kp.size(); ++i)
        CHECK(kp[i].second < kp[i - 1].second);
}

TEST_CASE("no candidate violates a filter", "[strategy][property]") {
    std::size_t total = 0;
    for (unsigned seed = 100; seed < 120; ++seed) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<double> u(0, 1);
        std::vector<OptionContract> cs;
        for (double k = 80; k <= 120; k += 2.5)
            for (auto type : {OptionType::Put, OptionType::Call}) {
                double iv = 0.2 + 0.2 * u(rng);
                double intr =
                    type == OptionType::Put ? std::max(0.0, k - 100) : std::max(0.0, 100 - k);
                double mid = intr + (4.0 * std::exp(-std::pow((k - 100) / 10, 2)) + 0.05) *
                                        (0.8 + 0.4 * u(rng));
                double half = mid * (0.02 + 0.12 * u(rng));
                double m = std::log(100 / k) / (iv * std::sqrt(t_years()));
                double delta = type == OptionType::Call ? ncdf(m) : ncdf(m) - 1;
                cs.push_back(opt(type, k, mid - half, mid + half, iv, delta, 50 + 400 * u(rng)));
            }
        auto p = profile_with({"cash_secured_put", "covered_call", "bull_put_spread",
                               "bear_call_spread", "iron_condor", "long_call", "long_put"});
        for (auto& [name, sc] : p.strategies) {
            sc.delta_min = 0.05 + 0.15 * u(rng);
            sc.delta_max = sc.delta_min + 0.3;
            sc.max_spread_pct = 0.1 + 0.15 * u(rng);
            sc.min_open_interest = 100 + 100 * u(rng);
            sc.min_bid = 0.1;
            sc.min_credit = 0.2 * u(rng);
            sc.min_pop = 0.3 * u(rng);
            sc.max_loss = 5 + 100 * u(rng);
            sc.width_min = 2.5;
            sc.width_max = 7.5;
        }
        auto s = run(p, chain_of(cs));
        total += s.candidates.size();
        INFO("seed " << seed);
        for (const auto& c : s.candidates) {
            const auto& f = p.strategies.at(c.strategy);
            INFO(c.strategy << " " << c.strike);
            CHECK(c.fill_price > 0);
            CHECK(c.pop >= f.min_pop - 1e-12);
            if (c.is_credit)
                CHECK(c.fill_price >= f.min_credit - 1e-12);
            if (c.max_loss)
                CHECK(*c.max_loss <= *f.max_loss + 1e-9);
            for (const auto& l : c.legs) {
                if (l.is_stock)
                    continue;
                CHECK((l.ask - l.bid) / l.mid <= f.max_spread_pct + 1e-9);
                bool driving =
                    l.quantity < 0 || c.strategy == "long_call" || c.strategy == "long_put";
                if (driving) {
                    CHECK(std::abs(l.delta) >= f.delta_min - 1e-12);
                    CHECK(std::abs(l.delta) <= f.delta_max + 1e-12);
                    CHECK(l.bid >= f.min_bid - 1e-12);
                }
            }
            CHECK(c.open_interest >= f.min_open_interest);
            if (c.legs.size() >= 2 && c.strategy != "covered_call") {
                std::vector<double> ks;
                for (const auto& l : c.legs)
                    ks.push_back(l.strike);
                std::sort(ks.begin(), ks.end());
                double wp = ks[1] - ks[0];
                double wc = ks.back() - ks[ks.size() - 2];
                CHECK(wp >= f.width_min - 1e-9);
                CHECK(wp <= f.width_max + 1e-9);
                CHECK(wc >= f.width_min - 1e-9);
                CHECK(wc <= f.width_max + 1e-9);
            }
        }
    }
    CHECK(total >= 100); // not vacuous
}
