// Config loading of the strategy filters, the profile's scoring / quality / sector keys,
// holdings, presets and the sectors file.

#include "screener/config/config.hpp"
#include "screener/core/error.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace screener;
using namespace screener::config;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using TempDir = screener::testing::TempDir;

const EnvLookup k_no_env = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
};

Config parse(const std::string& yaml, const fs::path& base = "/srv/screener/conf") {
    return parse_config(yaml, "test.yaml", base, k_no_env);
}

std::string error_of(const std::string& yaml, const fs::path& base = "/srv/screener/conf") {
    try {
        parse(yaml, base);
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        CHECK(message.find('\n') == std::string::npos);
        return message;
    }
    FAIL("expected a ConfigError for:\n" << yaml);
    return {};
}

// Strategy keys go on line 8 (column 9), profile keys after a strategy on line 8 (column 5).
const std::string k_head = "data_dir: data\n"
                           "profiles:\n"
                           "  p:\n"
                           "    universe:\n"
                           "      source: exchange\n"
                           "    strategies:\n"
                           "      cash_secured_put:\n";

// Profile keys before `strategies` (lines 6.. column 5).
const std::string k_profile_head = "data_dir: data\n"
                                   "profiles:\n"
                                   "  p:\n"
                                   "    universe:\n"
                                   "      source: exchange\n";

} // namespace

TEST_CASE("known_strategies lists the seven strategies in display order", "[config]") {
    CHECK(known_strategies() == std::vector<std::string>{"cash_secured_put", "covered_call",
                                                         "bull_put_spread", "bear_call_spread",
                                                         "iron_condor", "long_call", "long_put"});
    CHECK(known_presets() == std::vector<std::string>{"wheel", "tasty45"});
}

TEST_CASE("every strategy key is parsed", "[config][strategy]") {
    const Config config = parse(k_head + "        enabled: false\n"
                                         "        dte_min: 10\n"
                                         "        dte_max: 50\n"
                                         "        delta_min: 0.2\n"
                                         "        delta_max: 0.3\n"
                                         "        otm_pct_min: -0.05\n"
                                         "        otm_pct_max: 0.2\n"
                                         "        min_bid: 0.15\n"
                                         "        max_spread_pct: 0.1\n"
                                         "        min_open_interest: 250\n"
                                         "        min_volume: 10\n"
                                         "        width_min: 2\n"
                                         "        width_max: 5\n"
                                         "        min_credit: 0.3\n"
                                         "        min_pop: 0.65\n"
                                         "        min_annualized_return: 0.12\n"
                                         "        max_loss: 450\n"
                                         "        buy_write: false\n"
                                         "      long_put: {}\n");
    const auto& s = config.profile("p").strategies.at("cash_secured_put");
    CHECK_FALSE(s.enabled);
    CHECK(s.dte_min == 10);
    CHECK(s.dte_max == 50);
    CHECK(s.delta_min == Approx(0.2));
    CHECK(s.delta_max == Approx(0.3));
    CHECK(s.otm_pct_min == Approx(-0.05));
    CHECK(s.otm_pct_max == Approx(0.2));
    CHECK(s.min_bid == Approx(0.15));
    CHECK(s.max_spread_pct == Approx(0.1));
    CHECK(s.min_open_interest == 250);
    CHECK(s.min_volume == 10);
    CHECK(s.width_min == 2);
    CHECK(s.width_max == 5);
    CHECK(s.min_credit == Approx(0.3));
    CHECK(s.min_pop == Approx(0.65));
    CHECK(s.min_annualized_return == Approx(0.12));
    REQUIRE(s.max_loss.has_value());
    CHECK(*s.max_loss == 450);
    CHECK_FALSE(s.buy_write);
    const auto& plain = config.profile("p").strategies.at("long_put");
    CHECK_FALSE(plain.max_loss.has_value());
    CHECK(plain.buy_write);
    CHECK(plain.width_min == StrategyConfig{}.width_min);
}

TEST_CASE("strategy range errors point at the key", "[config][strategy]") {
    const std::string at = "test.yaml:8:";
    const std::string key = "profiles.p.strategies.cash_secured_put.";
    CHECK(error_of(k_head + "        otm_pct_min: 5\n") ==
          at + "22: " + key +
              "otm_pct_min: must be between -1 and 1 (a fraction of spot: 0.05 is 5%), got '5'");
    CHECK(error_of(k_head + "        otm_pct_max: -1.5\n") ==
          at + "22: " + key +
              "otm_pct_max: must be between -1 and 1 (a fraction of spot: 0.05 is 5%), got "
              "'-1.5'");
    CHECK(error_of(k_head + "        otm_pct_min: 0.3\n        otm_pct_max: 0.1\n") ==
          at + "22: " + key + "otm_pct_min: otm_pct_min '0.3' is greater than otm_pct_max '0.1'");
    CHECK(error_of(k_head + "        width_min: -1\n") ==
          at + "20: " + key + "width_min: must be at least 0, got '-1'");
    CHECK(error_of(k_head + "        width_max: 0\n") ==
          at + "20: " + key + "width_max: must be above 0 (USD between strikes), got '0'");
    CHECK(error_of(k_head + "        width_min: 12\n") ==
          at + "20: " + key +
              "width_min: width_min '12' is greater than width_max 10 (the default)");
    CHECK(error_of(k_head + "        min_pop: 65\n") ==
          at + "18: " + key +
              "min_pop: must be between 0 and 1 (a probability: 0.5 is 50%), got '65'");
    CHECK(error_of(k_head + "        max_loss: 0\n") ==
          at + "19: " + key + "max_loss: must be above 0 (USD per share), got '0'");
    CHECK(error_of(k_head + "        min_credit: -0.1\n") ==
          at + "21: " + key + "min_credit: must be at least 0, got '-0.1'");
    CHECK(error_of(k_head + "        min_volume: -3\n") ==
          at + "21: " + key + "min_volume: must be at least 0, got '-3'");
    CHECK(error_of(k_head + "        min_annualized_return: -0.1\n") ==
          at + "32: " + key + "min_annualized_return: must be at least 0, got '-0.1'");
    CHECK(error_of(k_head + "        delta_min: -0.1\n") ==
          at + "20: " + key + "delta_min: must be between 0 and 1 (an absolute delta), got '-0.1'");
    CHECK(error_of(k_head + "        buy_write: yes please\n") ==
          at + "20: " + key + "buy_write: expected true or false, got 'yes please'");
    CHECK(error_of(k_head + "        max_los: 3\n") ==
          at + "9: " + key + "max_los: unknown key 'max_los' (did you mean 'max_loss'?)");
}

TEST_CASE("every new profile key is parsed", "[config][profile]") {
    const Config config = parse(k_profile_head + "    max_per_sector: 4\n"
                                                 "    fill_k: 0.25\n"
                                                 "    pop_drift: zero\n"
                                                 "    real_world_vol: hv20\n"
                                                 "    real_world_drift: 0.07\n"
                                                 "    iv_rank_min: 30\n"
                                                 "    iv_rank_max: 90\n"
                                                 "    iv_rank_min_observations: 120\n"
                                                 "    sectors_include: [Energy, Financials]\n"
                                                 "    sectors_exclude: [ETF]\n"
                                                 "    max_rejected_fraction: 0.3\n"
                                                 "    max_quote_age_hours: 12\n"
                                                 "    weights:\n"
                                                 "      excess_return: 0.8\n"
                                                 "      pop: 0.1\n"
                                                 "      iv_rank: -0.2\n"
                                                 "      annualized_return: 0.3\n"
                                                 "    holdings:\n"
                                                 "      - {symbol: aapl, shares: 200, "
                                                 "cost_basis: 172.5}\n"
                                                 "      - symbol: ' ko '\n"
                                                 "        shares: 150\n"
                                                 "    strategies:\n"
                                                 "      covered_call:\n");
    const ProfileConfig& p = config.profile("p");
    CHECK(p.preset.empty());
    CHECK(p.max_per_sector == 4);
    CHECK(p.fill_k == Approx(0.25));
    CHECK(p.pop_drift == PopDrift::Zero);
    CHECK(p.real_world_vol == "hv20");
    REQUIRE(p.real_world_drift.has_value());
    CHECK(*p.real_world_drift == Approx(0.07));
    REQUIRE(p.iv_rank_min.has_value());
    REQUIRE(p.iv_rank_max.has_value());
    CHECK(*p.iv_rank_min == 30);
    CHECK(*p.iv_rank_max == 90);
    CHECK(p.iv_rank_min_observations == 120);
    CHECK(p.sectors_include == std::vector<std::string>{"Energy", "Financials"});
    CHECK(p.sectors_exclude == std::vector<std::string>{"ETF"});
    CHECK(p.max_rejected_fraction == Approx(0.3));
    CHECK(p.max_quote_age_hours == 12);
    CHECK(p.weights.excess_return == Approx(0.8));
    CHECK(p.weights.pop == Approx(0.1));
    CHECK(p.weights.iv_rank == Approx(-0.2));
    CHECK(p.weights.annualized_return == Approx(0.3));
    REQUIRE(p.holdings.size() == 2);
    CHECK(p.holdings[0].symbol == "AAPL");
    CHECK(p.holdings[0].shares == 200);
    CHECK(p.holdings[0].cost_basis == Approx(172.5));
    CHECK(p.holdings[1].symbol == "KO");
    CHECK(p.holdings[1].shares == 150);
    CHECK(p.holdings[1].cost_basis == 0);
}

TEST_CASE("new profile keys default as documented", "[config][profile]") {
    const Config config = parse(k_head);
    const ProfileConfig& p = config.profile("p");
    const ProfileConfig defaults;
    CHECK(p.max_per_sector == 0);
    CHECK(p.fill_k == Approx(0.5));
    CHECK(p.pop_drift == PopDrift::RiskNeutral);
    CHECK(p.real_world_vol == "hv60");
    CHECK_FALSE(p.real_world_drift.has_value());
    CHECK_FALSE(p.iv_rank_min.has_value());
    CHECK_FALSE(p.iv_rank_max.has_value());
    CHECK(p.sectors_include.empty());
    CHECK(p.sectors_exclude.empty());
    CHECK(p.max_rejected_fraction == defaults.max_rejected_fraction);
    CHECK(p.max_quote_age_hours == defaults.max_quote_age_hours);
    CHECK(p.weights.excess_return == 1.0);
    CHECK(p.weights.pop == 0.0);
    CHECK(p.holdings.empty());
}

TEST_CASE("profile range and choice errors point at the key", "[config][profile]") {
    const std::string at = "test.yaml:8:";
    CHECK(error_of(k_head + "    fill_k: 1.5\n") ==
          at + "13: profiles.p.fill_k: must be between 0 and 1 (0: the mid, 1: the natural "
               "bid/ask), got '1.5'");
    CHECK(error_of(k_head + "    max_per_sector: -1\n") ==
          at + "21: profiles.p.max_per_sector: must be at least 0, got '-1'");
    CHECK(error_of(k_head + "    pop_drift: neutral\n") ==
          at + "16: profiles.p.pop_drift: must be one of risk_neutral, zero; got 'neutral'");
    CHECK(error_of(k_head + "    pop_drift: zeros\n") ==
          at + "16: profiles.p.pop_drift: must be one of risk_neutral, zero; got 'zeros' (did "
               "you mean 'zero'?)");
    CHECK(error_of(k_head + "    real_world_vol: hv30\n") ==
          at + "21: profiles.p.real_world_vol: must be one of hv20, hv60; got 'hv30' (did you "
               "mean 'hv20'?)");
    CHECK(error_of(k_head + "    real_world_drift: 7\n") ==
          at + "23: profiles.p.real_world_drift: must be between -1 and 1 (an annual fraction: "
               "0.07 is 7%), got '7'");
    CHECK(error_of(k_head + "    iv_rank_min: 120\n") ==
          at + "18: profiles.p.iv_rank_min: must be between 0 and 100 (IV rank is 0..100), got "
               "'120'");
    CHECK(error_of(k_head + "    iv_rank_min: 60\n    iv_rank_max: 40\n") ==
          at + "18: profiles.p.iv_rank_min: iv_rank_min '60' is greater than iv_rank_max '40'");
    CHECK(error_of(k_head + "    max_rejected_fraction: 50\n") ==
          at + "28: profiles.p.max_rejected_fraction: must be between 0 and 1 (0.5 is 50%), got "
               "'50'");
    CHECK(error_of(k_head + "    max_quote_age_hours: 0\n") ==
          at + "26: profiles.p.max_quote_age_hours: must be above 0 (hours), got '0'");
    CHECK(error_of(k_head + "    weights:\n      pops: 1\n") ==
          "test.yaml:9:7: profiles.p.weights.pops: unknown score component 'pops' (did you mean "
          "'pop'?)");
    CHECK(error_of(k_head + "    weights:\n      pop: high\n") ==
          "test.yaml:9:12: profiles.p.weights.pop: expected a number, got 'high'");
    CHECK(error_of(k_head + "    sectors_include: Energy\n") ==
          at + "22: profiles.p.sectors_include: expected a list of sector names, got a single "
               "value");
    CHECK(error_of(k_head + "    sectors_include: [Energy, Energy]\n") ==
          at + "31: profiles.p.sectors_include[1]: 'Energy' is listed twice");
    CHECK(error_of(k_head + "    sectors_include: [Energy]\n    sectors_exclude: [Energy]\n") ==
          "test.yaml:9:22: profiles.p.sectors_exclude: 'Energy' is in both sectors_include and "
          "sectors_exclude");
}

TEST_CASE("holdings are validated", "[config][profile]") {
    CHECK(error_of(k_head + "    holdings:\n      - {symbol: AAPL, shares: 50}\n") ==
          "test.yaml:9:32: profiles.p.holdings[0].shares: must be at least 100 (one contract "
          "covers 100 shares), got '50'");
    CHECK(error_of(k_head + "    holdings:\n      - {shares: 100}\n") ==
          "test.yaml:9:9: profiles.p.holdings[0].symbol: required key is missing");
    CHECK(error_of(k_head + "    holdings:\n      - {symbol: 'A B', shares: 100}\n") ==
          "test.yaml:9:18: profiles.p.holdings[0].symbol: 'A B' is not a ticker symbol (1-12 of "
          "A-Z, 0-9, '.', '-')");
    CHECK(error_of(k_head + "    holdings:\n      - {symbol: KO, shares: 100, cost_basis: -1}\n") ==
          "test.yaml:9:47: profiles.p.holdings[0].cost_basis: must be at least 0, got '-1'");
    CHECK(error_of(k_head + "    holdings:\n      - {symbol: KO, share: 100}\n") ==
          "test.yaml:9:22: profiles.p.holdings[0].share: unknown key 'share' (did you mean "
          "'shares'?)");
    CHECK(error_of(k_head + "    holdings:\n      - KO\n") ==
          "test.yaml:9:9: profiles.p.holdings[0]: expected a mapping with symbol, shares and "
          "cost_basis, got a single value");
    CHECK(error_of(k_head + "    holdings: KO\n") ==
          "test.yaml:8:15: profiles.p.holdings: expected a list of {symbol, shares, cost_basis}, "
          "got a single value");
    // An empty holdings key is no holdings.
    CHECK(parse(k_head + "    holdings:\n").profile("p").holdings.empty());
}

TEST_CASE("presets set defaults the profile's keys override", "[config][preset]") {
    SECTION("wheel without strategies") {
        const Config config = parse(k_profile_head + "    preset: wheel\n");
        const ProfileConfig& p = config.profile("p");
        CHECK(p.preset == "wheel");
        CHECK(p.earnings == EarningsPolicy::Exclude);
        CHECK(p.max_per_symbol == 1);
        CHECK(p.weights.excess_return == Approx(0.5));
        CHECK(p.weights.annualized_return == Approx(0.5));
        CHECK(p.weights.pop == 0);
        CHECK(p.weights.iv_rank == 0);
        REQUIRE(p.strategies.size() == 2);
        for (const char* name : {"cash_secured_put", "covered_call"}) {
            const StrategyConfig& s = p.strategies.at(name);
            CHECK(s.dte_min == 7);
            CHECK(s.dte_max == 45);
            CHECK(s.delta_min == Approx(0.20));
            CHECK(s.delta_max == Approx(0.30));
            CHECK(s.min_open_interest == 100);
            CHECK(s.max_spread_pct == Approx(0.10));
            CHECK(s.min_bid == Approx(0.10));
            CHECK(s.min_annualized_return == Approx(0.10));
        }
    }
    SECTION("tasty45 without strategies") {
        const Config config = parse(k_profile_head + "    preset: tasty45\n");
        const ProfileConfig& p = config.profile("p");
        CHECK(p.earnings == EarningsPolicy::Exclude);
        REQUIRE(p.iv_rank_min.has_value());
        CHECK(*p.iv_rank_min == 50);
        CHECK(p.weights.excess_return == Approx(1.0));
        CHECK(p.weights.iv_rank == Approx(0.25));
        CHECK(p.weights.annualized_return == 0);
        REQUIRE(p.strategies.size() == 4);
        for (const char* name : {"bull_put_spread", "bear_call_spread", "iron_condor"}) {
            const StrategyConfig& s = p.strategies.at(name);
            CHECK(s.dte_min == 35);
            CHECK(s.dte_max == 55);
            CHECK(s.delta_min == Approx(0.16));
            CHECK(s.delta_max == Approx(0.30));
            CHECK(s.width_min == 1);
            CHECK(s.width_max == 10);
            CHECK(s.min_open_interest == 100);
            CHECK(s.max_spread_pct == Approx(0.15));
            CHECK(s.min_bid == Approx(0.10));
            CHECK(s.min_pop == Approx(0.50));
        }
        const StrategyConfig& csp = p.strategies.at("cash_secured_put");
        CHECK(csp.dte_min == 35);
        CHECK(csp.delta_min == Approx(0.16));
        CHECK(csp.min_pop == 0);
        CHECK(csp.width_min == StrategyConfig{}.width_min);
    }
    SECTION("profile keys and strategy keys override the preset key by key") {
        const Config config = parse(k_profile_head + "    preset: tasty45\n"
                                                     "    earnings: flag\n"
                                                     "    iv_rank_min: 30\n"
                                                     "    weights:\n"
                                                     "      pop: 0.5\n"
                                                     "    strategies:\n"
                                                     "      iron_condor:\n"
                                                     "        dte_max: 60\n"
                                                     "        enabled: false\n"
                                                     "      long_call:\n"
                                                     "        dte_min: 30\n");
        const ProfileConfig& p = config.profile("p");
        CHECK(p.earnings == EarningsPolicy::Flag);
        CHECK(*p.iv_rank_min == 30);
        // Weights override per component.
        CHECK(p.weights.pop == Approx(0.5));
        CHECK(p.weights.iv_rank == Approx(0.25));
        CHECK(p.weights.excess_return == Approx(1.0));
        REQUIRE(p.strategies.size() == 5);
        const StrategyConfig& condor = p.strategies.at("iron_condor");
        CHECK(condor.dte_max == 60);
        CHECK_FALSE(condor.enabled);
        CHECK(condor.dte_min == 35);
        CHECK(condor.min_pop == Approx(0.50));
        CHECK(condor.width_max == 10);
        // A strategy the preset does not define starts from the plain defaults.
        const StrategyConfig& call = p.strategies.at("long_call");
        CHECK(call.dte_min == 30);
        CHECK(call.dte_max == StrategyConfig{}.dte_max);
        CHECK(call.delta_min == StrategyConfig{}.delta_min);
        // Untouched preset strategies stay.
        CHECK(p.strategies.at("bull_put_spread").dte_min == 35);
    }
    SECTION("range checks see the preset's values") {
        CHECK(error_of(k_profile_head + "    preset: wheel\n"
                                        "    strategies:\n"
                                        "      covered_call:\n"
                                        "        dte_max: 5\n") ==
              "test.yaml:9:18: profiles.p.strategies.covered_call.dte_max: dte_min 7 (the "
              "default) is greater than dte_max '5'");
        CHECK_THAT(error_of(k_profile_head + "    preset: tasty45\n"
                                             "    iv_rank_max: 40\n"),
                   Contains("iv_rank_min 50 (the default) is greater than iv_rank_max '40'"));
    }
}

TEST_CASE("presets: unknown names and the strategies requirement", "[config][preset]") {
    CHECK(error_of(k_profile_head + "    preset: tasty\n") ==
          "test.yaml:6:13: profiles.p.preset: must be one of wheel, tasty45; got 'tasty' (did "
          "you mean 'tasty45'?)");
    CHECK(error_of(k_profile_head + "    preset: wheels\n") ==
          "test.yaml:6:13: profiles.p.preset: must be one of wheel, tasty45; got 'wheels' (did "
          "you mean 'wheel'?)");
    CHECK_THAT(error_of(k_profile_head + "    preset: iron\n"),
               StartsWith("test.yaml:6:13: profiles.p.preset: must be one of wheel, tasty45; got "
                          "'iron'"));
    CHECK_THROWS_AS(preset_defaults("nope"), ConfigError);
    CHECK_THROWS_WITH(preset_defaults("whel"), Contains("did you mean 'wheel'?"));
    CHECK(preset_defaults("").strategies.empty());
    // Without a preset, strategies stays required and non-empty.
    CHECK(error_of(k_profile_head) ==
          "test.yaml:4:5: profiles.p.strategies: required key is missing (or set a preset: "
          "wheel, tasty45)");
    CHECK_THAT(error_of(k_profile_head + "    strategies: {}\n"),
               Contains("profiles.p.strategies: must list at least one strategy"));
    // With one, an empty strategies mapping keeps the preset's.
    CHECK(parse(k_profile_head + "    preset: wheel\n    strategies: {}\n")
              .profile("p")
              .strategies.size() == 2);
}

TEST_CASE("market.sectors_file loads SYMBOL,Sector lines", "[config][sectors]") {
    TempDir dir;
    const std::string head = "data_dir: data\nmarket:\n  sectors_file: sectors.csv\n";
    const std::string tail = "profiles:\n  p:\n    universe: {source: exchange}\n"
                             "    strategies: {cash_secured_put: {}}\n";

    SECTION("a valid file") {
        dir.write("sectors.csv", "# comment\n"
                                 "\n"
                                 "aapl, Information Technology\r\n"
                                 "  XOM,Energy   # trailing comment\n"
                                 "SPY,ETF\n");
        const Config config = parse(head + tail, dir.path());
        CHECK(config.sectors_file == dir.path() / "sectors.csv");
        CHECK(config.sectors ==
              std::map<std::string, std::string>{
                  {"AAPL", "Information Technology"}, {"XOM", "Energy"}, {"SPY", "ETF"}});
        // Profile sector lists are checked against the file's sector names.
        CHECK(error_of(head + tail + "    sectors_include: [Energy, Enrgy]\n", dir.path()) ==
              "test.yaml:8:31: profiles.p.sectors_include[1]: 'Enrgy' is not a sector of "
              "market.sectors_file (did you mean 'Energy'?)");
        CHECK(parse(head + tail + "    sectors_exclude: [ETF]\n", dir.path())
                  .profile("p")
                  .sectors_exclude == std::vector<std::string>{"ETF"});
    }
    SECTION("a header line is allowed") {
        dir.write("sectors.csv", "symbol,sector\nKO,Consumer Staples\n");
        CHECK(parse(head + tail, dir.path()).sectors.at("KO") == "Consumer Staples");
    }
    SECTION("errors name the file and line") {
        const std::string file = (dir.path() / "sectors.csv").string();
        dir.write("sectors.csv", "# c\nAAPL Information Technology\n");
        CHECK(error_of(head + tail, dir.path()) ==
              file + ":2: expected SYMBOL,Sector, got 'AAPL Information Technology'");
        dir.write("sectors.csv", "AAPL,Tech,Hardware\n");
        CHECK(error_of(head + tail, dir.path()) ==
              file + ":1: expected SYMBOL,Sector (one comma), got 'AAPL,Tech,Hardware'");
        dir.write("sectors.csv", "\nA B,Energy\n");
        CHECK(error_of(head + tail, dir.path()) ==
              file + ":2: 'A B' is not a ticker symbol (1-12 of A-Z, 0-9, '.', '-')");
        dir.write("sectors.csv", "XOM,\n");
        CHECK(error_of(head + tail, dir.path()) == file + ":1: the sector of XOM is empty");
        dir.write("sectors.csv", "XOM,Energy\n\nxom,Energy\n");
        CHECK(error_of(head + tail, dir.path()) ==
              file + ":3: XOM is listed twice (first on line 1)");
    }
    SECTION("a missing file points at the key") {
        CHECK(error_of(head + tail, dir.path()) ==
              "test.yaml:3:17: market.sectors_file: sectors file '" +
                  (dir.path() / "sectors.csv").string() + "' does not exist");
    }
    SECTION("no sectors_file: no sectors, and any sector name is accepted") {
        const Config config = parse("data_dir: data\n" + tail + "    sectors_include: [Tech]\n");
        CHECK(config.sectors_file.empty());
        CHECK(config.sectors.empty());
        CHECK(config.profile("p").sectors_include == std::vector<std::string>{"Tech"});
    }
}
