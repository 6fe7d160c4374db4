// Config loading: the shipped file, strict validation with file:line:column messages, ${VAR}
// expansion, key files and path resolution.

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

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

const EnvLookup k_no_env = env_of({});
const fs::path k_base = "/srv/screener/conf";

Config parse(const std::string& yaml, const EnvLookup& env = k_no_env) {
    return parse_config(yaml, "test.yaml", k_base, env);
}

// The ConfigError message of parsing `yaml`; fails the test when there is none or when the
// message is not a single line.
std::string error_of(const std::string& yaml, const EnvLookup& env = k_no_env,
                     const fs::path& base = k_base) {
    try {
        parse_config(yaml, "test.yaml", base, env);
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        CHECK(message.find('\n') == std::string::npos);
        return message;
    }
    FAIL("expected a ConfigError for:\n" << yaml);
    return {};
}

// A valid config; tests append to or replace parts of it. Line numbers matter in some tests.
const std::string k_head = "data_dir: data\n"
                           "profiles:\n"
                           "  p:\n"
                           "    universe:\n"
                           "      source: exchange\n"
                           "    strategies:\n"
                           "      cash_secured_put:\n";

// A fresh directory per test, removed afterwards.
using TempDir = screener::testing::TempDir;

constexpr fs::perms k_mode_600 = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms k_mode_644 = k_mode_600 | fs::perms::group_read | fs::perms::others_read;

} // namespace

TEST_CASE("the shipped config/screener.yaml loads", "[config]") {
    const fs::path source = SCREENER_SOURCE_DIR;
    const Config config = load_config(source / "config" / "screener.yaml", k_no_env);

    const fs::path root = fs::path(source).lexically_normal();
    const fs::path root_clean = root.has_filename() ? root : root.parent_path();
    CHECK(config.source_file == root_clean / "config" / "screener.yaml");
    CHECK(config.data_dir == root_clean / "data");
    CHECK(config.database == root_clean / "data" / "screener.db");
    CHECK(config.providers.sample_path == root_clean / "data" / "sample");
    CHECK(config.logging.format == "auto");
    CHECK(config.logging.file.empty());
    CHECK(config.risk_free_rate == Approx(0.045));
    CHECK(config.providers.universe == std::vector<std::string>{"sample"});
    CHECK(config.providers.chains == std::vector<std::string>{"sample"});
    CHECK(config.providers.eodhd.base_url == "https://eodhd.com/api");
    CHECK(config.providers.marketdata.base_url == "https://api.marketdata.app");
    CHECK(config.providers.eodhd.api_key.empty());

    const ProfileConfig& daily = config.profile("daily");
    CHECK(daily.universe.source == UniverseSource::Exchange);
    CHECK(daily.prefilter.min_price == 10);
    CHECK(daily.prefilter.max_price == 1500);
    CHECK(daily.prefilter.min_avg_volume == 1'000'000);
    CHECK(daily.prefilter.min_market_cap == 2e9);
    CHECK(daily.earnings == EarningsPolicy::Flag);
    CHECK(daily.top_n == 20);
    CHECK(daily.max_per_symbol == 2);
    CHECK(daily.max_per_sector == 5);
    CHECK(daily.fill_k == Approx(0.5));
    CHECK(daily.holdings.empty());
    REQUIRE(daily.strategies.size() == 5);
    for (const char* name : {"cash_secured_put", "covered_call", "bull_put_spread",
                             "bear_call_spread", "iron_condor"}) {
        CHECK(daily.strategies.count(name) == 1);
    }
    for (const char* name : {"bull_put_spread", "bear_call_spread", "iron_condor"}) {
        const StrategyConfig& s = daily.strategies.at(name);
        CHECK(s.dte_min == 7);
        CHECK(s.dte_max == 60);
        CHECK(s.delta_min == Approx(0.15));
        CHECK(s.delta_max == Approx(0.35));
        CHECK(s.width_min == 1);
        CHECK(s.width_max == 10);
        CHECK(s.min_open_interest == 100);
        CHECK(s.max_spread_pct == Approx(0.15));
        CHECK(s.min_bid == Approx(0.10));
        CHECK(s.min_credit == Approx(0.20));
        CHECK(s.min_pop == Approx(0.5));
    }
    const StrategyConfig& csp = daily.strategies.at("cash_secured_put");
    CHECK(csp.dte_min == 7);
    CHECK(csp.dte_max == 60);
    CHECK(csp.delta_min == Approx(0.15));
    CHECK(csp.delta_max == Approx(0.35));
    CHECK(csp.min_open_interest == 100);
    CHECK(csp.max_spread_pct == Approx(0.15));
    CHECK(csp.min_bid == Approx(0.10));

    const ProfileConfig& premarket = config.profile("premarket");
    CHECK(premarket.universe.source == UniverseSource::List);
    CHECK(premarket.universe.symbols ==
          std::vector<std::string>{"AAPL", "MSFT", "NVDA", "AMZN", "TSLA", "META", "SPY", "QQQ"});
    CHECK(premarket.top_n == 10);
    REQUIRE(premarket.strategies.size() == 1);
    CHECK(premarket.strategies.at("cash_secured_put").dte_min == 5);
    CHECK(premarket.strategies.at("cash_secured_put").dte_max == 21);

    const ProfileConfig& weekly = config.profile("weekly");
    CHECK(weekly.top_n == 40);
    CHECK(weekly.strategies.size() == 7);
    CHECK(weekly.strategies.at("covered_call").dte_max == 90);
    CHECK(weekly.strategies.at("iron_condor").width_max == 10);
    CHECK(weekly.strategies.at("long_call").dte_min == 30);
    CHECK(weekly.strategies.at("long_put").dte_max == 90);
    CHECK(weekly.strategies.at("long_put").delta_min == Approx(0.30));
    CHECK(weekly.strategies.at("long_put").delta_max == Approx(0.60));

    const ProfileConfig& tasty = config.profile("tasty45");
    CHECK(tasty.preset == "tasty45");
    CHECK(tasty.earnings == EarningsPolicy::Exclude);
    REQUIRE(tasty.iv_rank_min.has_value());
    CHECK(*tasty.iv_rank_min == 50);
    CHECK(tasty.prefilter.min_market_cap == 2e9);
    CHECK(tasty.strategies.size() == 4);
    CHECK(tasty.strategies.at("iron_condor").dte_min == 35);

    CHECK(config.sectors_file == root_clean / "config" / "sectors.csv");
    CHECK(config.sectors.size() == 40);
    CHECK(config.sectors.at("AAPL") == "Information Technology");
    CHECK(config.sectors.at("SPY") == "ETF");

    // The vendor keys come from the environment.
    const Config with_keys =
        load_config(source / "config" / "screener.yaml",
                    env_of({{"EODHD_API_KEY", "eod-key"}, {"MARKETDATA_TOKEN", "md-key"}}));
    CHECK(with_keys.providers.eodhd.api_key == "eod-key");
    CHECK(with_keys.providers.marketdata.api_key == "md-key");

    // AI is off in the sample (no key is present); the model in use has a price.
    CHECK_FALSE(config.ai.enabled);
    CHECK(config.ai.api_key.empty());
    CHECK(config.ai.prices.count(config.ai.model) == 1);
}

TEST_CASE("a minimal config gets the documented defaults", "[config]") {
    const Config config = parse(k_head);
    CHECK(config.data_dir == "/srv/screener/conf/data");
    CHECK(config.database == "/srv/screener/conf/data/screener.db");
    CHECK(config.logging.level == "info");
    CHECK(config.logging.format == "json");
    CHECK(config.providers.sample_path == "/srv/screener/conf/data/sample");
    CHECK(config.providers.eodhd.base_url == "https://eodhd.com/api");
    CHECK(config.providers.eodhd_exchange == "US");
    const ProfileConfig& p = config.profile("p");
    CHECK(p.name == "p");
    CHECK(p.top_n == 20);
    // A listed strategy without keys takes the struct defaults; an unlisted one is absent.
    REQUIRE(p.strategies.count("cash_secured_put") == 1);
    const StrategyConfig defaults;
    CHECK(p.strategies.at("cash_secured_put").delta_max == defaults.delta_max);
    CHECK(p.strategies.at("cash_secured_put").enabled);
    CHECK(p.strategies.count("covered_call") == 0);
}

TEST_CASE("strategy keys absent from a profile fall back to the defaults", "[config]") {
    const Config config = parse(k_head + "        dte_max: 30\n"
                                         "        enabled: false\n"
                                         "      covered_call:\n"
                                         "        min_bid: 0.25\n");
    const auto& strategies = config.profile("p").strategies;
    CHECK(strategies.at("cash_secured_put").dte_max == 30);
    CHECK_FALSE(strategies.at("cash_secured_put").enabled);
    CHECK(strategies.at("cash_secured_put").dte_min == StrategyConfig{}.dte_min);
    CHECK(strategies.at("covered_call").min_bid == Approx(0.25));
    CHECK(strategies.at("covered_call").max_spread_pct == StrategyConfig{}.max_spread_pct);
}

TEST_CASE("a misspelt key points at the key and suggests the right one", "[config]") {
    // max_sprad_pct sits on line 8, indented by 8 spaces: column 9.
    CHECK(error_of(k_head + "        max_sprad_pct: 0.1\n") ==
          "test.yaml:8:9: profiles.p.strategies.cash_secured_put.max_sprad_pct: unknown key "
          "'max_sprad_pct' (did you mean 'max_spread_pct'?)");
    CHECK(error_of("datadir: x\n" + k_head.substr(k_head.find('\n') + 1)) ==
          "test.yaml:1:1: datadir: unknown key 'datadir' (did you mean 'data_dir'?)");
    // Nothing close: the known keys are listed instead.
    CHECK_THAT(error_of(k_head + "logging:\n  colour: true\n"),
               Contains("test.yaml:9:3: logging.colour: unknown key 'colour' (known: level, "
                        "format, file)"));
}

TEST_CASE("an unknown strategy is refused with a suggestion", "[config]") {
    CHECK(error_of(k_head + "      covered_calls:\n") ==
          "test.yaml:8:7: profiles.p.strategies.covered_calls: unknown strategy 'covered_calls' "
          "(did you mean 'covered_call'?)");
}

TEST_CASE("values of the wrong type are refused", "[config]") {
    SECTION("string where a number is expected") {
        CHECK(error_of(k_head + "        min_bid: ten cents\n") ==
              "test.yaml:8:18: profiles.p.strategies.cash_secured_put.min_bid: expected a "
              "number, got 'ten cents'");
    }
    SECTION("list where a mapping is expected") {
        CHECK(error_of(k_head + "    prefilter: [1, 2]\n") ==
              "test.yaml:8:16: profiles.p.prefilter: expected a mapping of keys, got a list");
    }
    SECTION("mapping where a number is expected") {
        CHECK_THAT(error_of(k_head + "    top_n: {a: 1}\n"),
                   StartsWith("test.yaml:8:12: profiles.p.top_n: expected a whole number, got a "
                              "mapping"));
    }
    SECTION("non-integer for an integer key") {
        CHECK(error_of(k_head + "        dte_min: 7.5\n") ==
              "test.yaml:8:18: profiles.p.strategies.cash_secured_put.dte_min: expected a whole "
              "number, got '7.5'");
        CHECK_THAT(error_of(k_head + "    top_n: 99999999999\n"), Contains("too large"));
    }
    SECTION("bool keys take true or false only") {
        CHECK(error_of(k_head + "        enabled: yes\n") ==
              "test.yaml:8:18: profiles.p.strategies.cash_secured_put.enabled: expected true or "
              "false, got 'yes'");
        CHECK_THAT(error_of(k_head + "        enabled: 1\n"), Contains("expected true or false"));
    }
    SECTION("not-a-number and infinity are not numbers") {
        CHECK_THAT(error_of(k_head + "        min_bid: .nan\n"), Contains("expected a number"));
        CHECK_THAT(error_of(k_head + "        min_bid: inf\n"), Contains("expected a number"));
    }
    SECTION("the top level must be a mapping") {
        CHECK_THAT(error_of("- a\n- b\n"), StartsWith("test.yaml:1:1: (top level): expected a "
                                                      "mapping"));
        CHECK_THAT(error_of("# only comments\n"), Contains("holds no settings"));
    }
}

TEST_CASE("missing required keys point at the parent mapping", "[config]") {
    CHECK(error_of("profiles:\n  p:\n    strategies:\n      covered_call:\n") ==
          "test.yaml:1:1: data_dir: required key is missing");
    CHECK(error_of("data_dir: x\n") == "test.yaml:1:1: profiles: required key is missing");
    CHECK(error_of("data_dir: x\nprofiles: {}\n") ==
          "test.yaml:2:11: profiles: must define at least one profile");
    CHECK(error_of("data_dir: x\nprofiles:\n  p:\n    top_n: 3\n") ==
          "test.yaml:4:5: profiles.p.universe: required key is missing");
    CHECK(error_of("data_dir: x\nprofiles:\n  p:\n    universe: {source: list, symbols: [A]}\n") ==
          "test.yaml:4:5: profiles.p.strategies: required key is missing (or set a preset: "
          "wheel, tasty45)");
    CHECK(error_of("data_dir: x\nprofiles:\n  p:\n    universe: {symbols: [A]}\n") ==
          "test.yaml:4:15: profiles.p.universe.source: required key is missing");
    // symbols is required with source: list; the universe mapping starts at line 5 column 7.
    CHECK(error_of("data_dir: x\nprofiles:\n  p:\n    universe:\n      source: list\n"
                   "    strategies:\n      covered_call:\n") ==
          "test.yaml:5:7: profiles.p.universe.symbols: required when source is list");
    CHECK_THAT(error_of("data_dir:\n" + k_head.substr(k_head.find('\n') + 1)),
               StartsWith("test.yaml:1:1: data_dir: must not be empty"));
}

TEST_CASE("enum values outside their set are refused", "[config]") {
    CHECK(error_of(k_head + "logging:\n  format: xml\n") ==
          "test.yaml:9:11: logging.format: must be one of json, text, auto; got 'xml'");
    CHECK(error_of(k_head + "logging:\n  level: warning\n") ==
          "test.yaml:9:10: logging.level: must be one of debug, info, warn, error; got "
          "'warning' (did you mean 'warn'?)");
    CHECK_THAT(error_of(k_head + "    earnings: skip\n"),
               StartsWith("test.yaml:8:15: profiles.p.earnings: must be one of exclude, flag, "
                          "ignore"));
    CHECK_THAT(error_of(k_head + "providers:\n  routing:\n    chains: eodhdd\n"),
               Contains("providers.routing.chains: must be one of sample, eodhd, marketdata; got "
                        "'eodhdd' (did you mean 'eodhd'?)"));
    CHECK_THAT(error_of("data_dir: x\nprofiles:\n  p:\n    universe:\n      source: nasdaq\n"
                        "    strategies:\n      covered_call:\n"),
               StartsWith("test.yaml:5:15: profiles.p.universe.source: must be one of exchange"));
}

TEST_CASE("out-of-range values are refused", "[config]") {
    CHECK(error_of(k_head + "        delta_min: 0.4\n        delta_max: 0.3\n") ==
          "test.yaml:8:20: profiles.p.strategies.cash_secured_put.delta_min: delta_min '0.4' is "
          "greater than delta_max '0.3'");
    // Against a default: dte_max 5 < the default dte_min 7, reported where dte_max is set.
    CHECK(error_of(k_head + "        dte_max: 5\n") ==
          "test.yaml:8:18: profiles.p.strategies.cash_secured_put.dte_max: dte_min 7 (the "
          "default) is greater than dte_max '5'");
    CHECK_THAT(error_of(k_head + "        dte_min: -1\n"), Contains("must be at least 0"));
    CHECK_THAT(error_of(k_head + "        delta_max: 1.5\n"), Contains("must be between 0 and 1"));
    CHECK_THAT(error_of(k_head + "        max_spread_pct: 0\n"),
               Contains("cash_secured_put.max_spread_pct: must be a fraction"));
    CHECK_THAT(error_of(k_head + "        max_spread_pct: -0.1\n"), Contains("must be a fraction"));
    CHECK_THAT(error_of(k_head + "        max_spread_pct: 15\n"), Contains("0.15 is 15%"));
    CHECK_THAT(error_of(k_head + "        min_bid: -0.05\n"),
               Contains("min_bid: must be at least 0, got '-0.05'"));
    CHECK(error_of(k_head + "    top_n: 0\n") ==
          "test.yaml:8:12: profiles.p.top_n: must be at least 1, got '0'");
    CHECK_THAT(error_of(k_head + "    max_per_symbol: 0\n"), Contains("must be at least 1"));
    CHECK_THAT(error_of(k_head + "    history_days: 10\n"), Contains("must be at least 30"));
    CHECK_THAT(error_of(k_head + "    prefilter:\n      min_price: -5\n"),
               Contains("profiles.p.prefilter.min_price: must be at least 0"));
    CHECK_THAT(error_of(k_head + "    prefilter:\n      min_price: 50\n      max_price: 20\n"),
               Contains("min_price '50' is greater than max_price '20'"));
    CHECK_THAT(error_of(k_head + "market:\n  risk_free_rate: 4.5\n"),
               StartsWith("test.yaml:9:19: market.risk_free_rate: must be a fraction"));
}

TEST_CASE("expand_env expands references, defaults and $$", "[config][env]") {
    const EnvLookup env = env_of({{"HOME", "/home/u"}, {"EMPTY", ""}, {"N", "5"}});
    CHECK(expand_env("plain text", env) == "plain text");
    CHECK(expand_env("${HOME}/data", env) == "/home/u/data");
    CHECK(expand_env("${UNSET:-fallback}", env) == "fallback");
    CHECK(expand_env("${UNSET:-}", env).empty());
    CHECK(expand_env("${EMPTY:-used when empty}", env) == "used when empty");
    CHECK(expand_env("${EMPTY}", env).empty());
    CHECK(expand_env("${N:-9}", env) == "5");
    CHECK(expand_env("${UNSET:-${HOME}/x}", env) == "/home/u/x");
    // An unused default is not evaluated, so its unset variable does not matter.
    CHECK(expand_env("${N:-${ALSO_UNSET}}", env) == "5");
    CHECK(expand_env("cost $$5 and $$${N}", env) == "cost $5 and $5");
    CHECK(expand_env("$$HOME", env) == "$HOME");
    CHECK(expand_env("a $ b $5", env) == "a $ b $5");

    CHECK_THROWS_MATCHES(expand_env("${UNSET}", env), ConfigError,
                         Catch::Matchers::Message("environment variable 'UNSET' is not set (write "
                                                  "${UNSET:-default} to make it optional)"));
    CHECK_THROWS_WITH(expand_env("${HOME", env), Contains("unterminated"));
    CHECK_THROWS_WITH(expand_env("${UNSET:-abc", env), Contains("unterminated"));
    CHECK_THROWS_WITH(expand_env("${}", env), Contains("expected a name"));
    CHECK_THROWS_WITH(expand_env("${1X}", env), Contains("expected a name"));
    CHECK_THROWS_WITH(expand_env("${HOME-x}", env), Contains("expected '}' or ':-'"));
}

TEST_CASE("values are expanded before conversion", "[config][env]") {
    const EnvLookup env = env_of({{"TOP", "12"}, {"DATA", "/var/lib/screener"}, {"SYMS", "ibm,f"}});
    const Config config = parse("data_dir: ${DATA}\n"
                                "profiles:\n"
                                "  p:\n"
                                "    description: costs $$1\n"
                                "    top_n: ${TOP}\n"
                                "    max_per_symbol: ${PER_SYMBOL:-4}\n"
                                "    universe:\n"
                                "      source: ${SOURCE:-list}\n"
                                "      symbols: ${SYMS}\n"
                                "    strategies:\n"
                                "      covered_call:\n"
                                "        enabled: ${ENABLED:-true}\n",
                                env);
    CHECK(config.data_dir == "/var/lib/screener");
    const ProfileConfig& p = config.profile("p");
    CHECK(p.description == "costs $1");
    CHECK(p.top_n == 12);
    CHECK(p.max_per_symbol == 4);
    CHECK(p.universe.source == UniverseSource::List);
    CHECK(p.universe.symbols == std::vector<std::string>{"IBM", "F"});
    CHECK(p.strategies.at("covered_call").enabled);
}

TEST_CASE("an unset variable is an error naming it, and values never leak", "[config][env]") {
    CHECK(error_of(k_head + "    top_n: ${TOP_N}\n") ==
          "test.yaml:8:12: profiles.p.top_n: environment variable 'TOP_N' is not set (write "
          "${TOP_N:-default} to make it optional)");

    const std::string secret = "s3cr3t-value-do-not-print";
    const EnvLookup env = env_of({{"SECRET", secret}});
    const std::string bad_number = error_of(k_head + "    top_n: ${SECRET}\n", env);
    CHECK_THAT(bad_number, Contains("profiles.p.top_n: expected a whole number, got '${SECRET}' "
                                    "(after expansion)"));
    CHECK(bad_number.find(secret) == std::string::npos);
    const std::string bad_enum = error_of(k_head + "logging:\n  level: ${SECRET}\n", env);
    CHECK(bad_enum.find(secret) == std::string::npos);
    const std::string bad_symbol =
        error_of("data_dir: x\nprofiles:\n  p:\n    universe:\n      source: list\n"
                 "      symbols: ${SECRET}\n    strategies:\n      covered_call:\n",
                 env);
    CHECK_THAT(bad_symbol, Contains("is not a ticker symbol"));
    CHECK(bad_symbol.find(secret) == std::string::npos);
    CHECK(bad_symbol.find("S3CR3T") == std::string::npos);
}

TEST_CASE("api keys come from the environment or an owner-only key file", "[config][secrets]") {
    TempDir dir;
    const std::string vendor_head = k_head + "providers:\n  eodhd:\n";

    SECTION("from ${VAR}, trimmed") {
        const Config config =
            parse(vendor_head + "    api_key: ${KEY}\n", env_of({{"KEY", "k1\n"}}));
        CHECK(config.providers.eodhd.api_key == "k1");
    }
    SECTION("a key file with mode 0600 is read and trimmed") {
        dir.write("secrets/eodhd.key", "  abc123 \n", k_mode_600);
        const Config config = parse_config(vendor_head + "    api_key_file: secrets/eodhd.key\n",
                                           "test.yaml", dir.path(), k_no_env);
        CHECK(config.providers.eodhd.api_key == "abc123");
    }
    SECTION("a key file readable by group or others is refused, naming file and mode") {
        const fs::path file = dir.write("eodhd.key", "abc123\n", k_mode_644);
        const std::string message =
            error_of(vendor_head + "    api_key_file: eodhd.key\n", k_no_env, dir.path());
        CHECK_THAT(message, StartsWith("test.yaml:10:19: providers.eodhd.api_key_file: key file '" +
                                       file.string() + "' has mode 0644"));
        CHECK(message.find("abc123") == std::string::npos);
        fs::permissions(file, fs::perms::owner_read | fs::perms::group_write);
        CHECK_THAT(error_of(vendor_head + "    api_key_file: eodhd.key\n", k_no_env, dir.path()),
                   Contains("has mode 0420"));
    }
    SECTION("a missing key file is refused") {
        CHECK_THAT(
            error_of(vendor_head + "    api_key_file: nope.key\n", k_no_env, dir.path()),
            Contains("key file '" + (dir.path() / "nope.key").string() + "' does not exist"));
    }
    SECTION("an empty key file is refused") {
        dir.write("empty.key", " \n", k_mode_600);
        CHECK_THAT(error_of(vendor_head + "    api_key_file: empty.key\n", k_no_env, dir.path()),
                   Contains("is empty"));
    }
    SECTION("api_key and api_key_file together are refused") {
        dir.write("eodhd.key", "abc123\n", k_mode_600);
        CHECK(error_of(vendor_head + "    api_key: ${KEY:-}\n    api_key_file: eodhd.key\n",
                       k_no_env, dir.path()) ==
              "test.yaml:11:5: providers.eodhd.api_key_file: set either api_key or api_key_file, "
              "not both");
    }
    SECTION("a literal key in the file is refused and not echoed") {
        const std::string message =
            error_of(k_head + "providers:\n  marketdata:\n    api_key: literal-key-xyz\n");
        CHECK_THAT(message, StartsWith("test.yaml:10:14: providers.marketdata.api_key: a literal "
                                       "API key is not accepted"));
        CHECK(message.find("literal-key-xyz") == std::string::npos);
    }
}

TEST_CASE("relative paths resolve against the config directory or data_dir", "[config][paths]") {
    const Config config = parse("data_dir: ../var/./data/\n"
                                "database: db/../screener.sqlite\n"
                                "logging:\n"
                                "  file: logs/screener.log\n"
                                "providers:\n"
                                "  sample:\n"
                                "    path: sample/../market\n"
                                "profiles:\n"
                                "  p:\n"
                                "    universe:\n"
                                "      source: file\n"
                                "      file: lists/watch.txt\n"
                                "    strategies:\n"
                                "      covered_call:\n");
    CHECK(config.data_dir == "/srv/screener/var/data");
    CHECK(config.database == "/srv/screener/var/data/screener.sqlite");
    CHECK(config.logging.file == "/srv/screener/var/data/logs/screener.log");
    CHECK(config.providers.sample_path == "/srv/screener/conf/market");
    CHECK(config.profile("p").universe.file == "/srv/screener/conf/lists/watch.txt");

    const Config absolute = parse("data_dir: /data\n"
                                  "database: /db/s.db\n" +
                                  k_head.substr(k_head.find('\n') + 1));
    CHECK(absolute.data_dir == "/data");
    CHECK(absolute.database == "/db/s.db");

    // load_config takes the directory of the file, even when given a relative path.
    TempDir dir;
    dir.write("conf/screener.yaml", k_head, k_mode_644);
    const fs::path previous = fs::current_path();
    fs::current_path(dir.path());
    Config loaded;
    CHECK_NOTHROW(loaded = load_config("conf/screener.yaml", k_no_env));
    fs::current_path(previous);
    CHECK(loaded.data_dir == dir.path() / "conf" / "data");
    CHECK(loaded.source_file == dir.path() / "conf" / "screener.yaml");
    CHECK(loaded.data_dir.is_absolute());
}

TEST_CASE("symbols are upper-cased and validated", "[config]") {
    const std::string head = "data_dir: x\nprofiles:\n  p:\n    universe:\n      source: list\n";
    const std::string tail = "    strategies:\n      covered_call:\n";
    const Config config = parse(head + "      symbols: [aapl, brk.b, BF-B]\n" + tail);
    CHECK(config.profile("p").universe.symbols ==
          std::vector<std::string>{"AAPL", "BRK.B", "BF-B"});
    CHECK(error_of(head + "      symbols: [AAPL, 'BAD$']\n" + tail) ==
          "test.yaml:6:23: profiles.p.universe.symbols[1]: 'BAD$' is not a ticker symbol (1-12 "
          "of A-Z, 0-9, '.', '-')");
    CHECK_THAT(error_of(head + "      symbols: [AAPL, aapl]\n" + tail),
               Contains("symbols[1]: 'AAPL' is listed twice"));
    CHECK_THAT(error_of(head + "      symbols: []\n" + tail),
               Contains("must list at least one symbol"));
    CHECK_THAT(error_of("data_dir: x\nprofiles:\n  p:\n    universe:\n      source: exchange\n"
                        "      symbols: [AAPL]\n" +
                        tail),
               Contains("only used when source is list"));
}

TEST_CASE("duplicate keys are refused and merge keys work", "[config]") {
    CHECK_THAT(error_of(k_head + "    top_n: 5\n    top_n: 6\n"),
               StartsWith("test.yaml:9:5: profiles.p.top_n: duplicate key 'top_n' (first set on "
                          "line 8)"));
    const Config config = parse("data_dir: x\n"
                                "profiles:\n"
                                "  a:\n"
                                "    universe: {source: exchange}\n"
                                "    strategies:\n"
                                "      covered_call: &cc\n"
                                "        dte_min: 3\n"
                                "        dte_max: 9\n"
                                "  b:\n"
                                "    universe: {source: exchange}\n"
                                "    strategies:\n"
                                "      covered_call:\n"
                                "        <<: *cc\n"
                                "        dte_max: 12\n");
    CHECK(config.profile("b").strategies.at("covered_call").dte_min == 3);
    CHECK(config.profile("b").strategies.at("covered_call").dte_max == 12);
}

TEST_CASE("an unknown profile names the known ones", "[config]") {
    const Config config = parse(k_head + "  other:\n    universe: {source: exchange}\n"
                                         "    strategies: {covered_call: {}}\n");
    CHECK_THROWS_MATCHES(config.profile("nope"), ConfigError,
                         Catch::Matchers::Message("unknown profile 'nope' (known: other, p)"));
    CHECK(config.profile("other").name == "other");
}

TEST_CASE("YAML syntax errors carry file, line and column", "[config]") {
    CHECK_THAT(error_of("data_dir: x\nprofiles: [a, b\nother: 1\n"),
               StartsWith("test.yaml:3:6: YAML syntax error: "));
    CHECK_THAT(error_of("data_dir: x\n  bad: indent: here\n"), StartsWith("test.yaml:2:"));
    CHECK_THAT(error_of(k_head + "---\ndata_dir: y\n"),
               Contains("only one YAML document is allowed"));
}

TEST_CASE("a missing or unreadable file is an error naming it", "[config]") {
    TempDir dir;
    const fs::path missing = dir.path() / "nope.yaml";
    CHECK_THROWS_MATCHES(
        load_config(missing, k_no_env), ConfigError,
        Catch::Matchers::Message(missing.string() + ": cannot read config file: no such file"));
    CHECK_THROWS_WITH(load_config(dir.path(), k_no_env), Contains("is a directory"));
}

TEST_CASE("closest_match suggests near misses only", "[config]") {
    const std::vector<std::string> keys = {"max_spread_pct", "min_bid", "dte_min", "dte_max"};
    CHECK(closest_match("max_sprad_pct", keys) == std::optional<std::string>("max_spread_pct"));
    CHECK(closest_match("MIN_BID", keys) == std::optional<std::string>("min_bid"));
    CHECK(closest_match("dte_mni", keys) == std::optional<std::string>("dte_min"));
    CHECK_FALSE(closest_match("colour", keys).has_value());
    CHECK(universe_source_name(UniverseSource::List) == "list");
    CHECK(earnings_policy_name(EarningsPolicy::Exclude) == "exclude");
}

TEST_CASE("retention and backup take documented defaults and are validated", "[config][ops]") {
    const Config defaults = parse(k_head);
    const RetentionConfig retention;
    CHECK(defaults.retention.runs_days == 90);
    CHECK(defaults.retention.iv_history_days == 400);
    CHECK(defaults.retention.grading_grace_days == retention.grading_grace_days);
    CHECK(defaults.backup.dir == "/srv/screener/conf/data/backups");
    CHECK(defaults.backup.max_age_hours == 26);
    CHECK(defaults.backup.retention_days == 14);

    const Config set = parse(k_head + "retention:\n  runs_days: 0\n  api_calls_days: 7\n"
                                      "  iv_history_days: 0\n  vacuum_min_free_fraction: 0.5\n"
                                      "backup:\n  dir: /var/backups/screener\n"
                                      "  max_age_hours: 30.5\n  retention_days: 7\n");
    CHECK(set.retention.runs_days == 0); // 0 keeps everything
    CHECK(set.retention.api_calls_days == 7);
    CHECK(set.retention.iv_history_days == 0);
    CHECK(set.retention.vacuum_min_free_fraction == 0.5);
    CHECK(set.backup.dir == "/var/backups/screener");
    CHECK(set.backup.max_age_hours == 30.5);
    CHECK(set.backup.retention_days == 7);
    // A relative backup dir resolves against the config file's directory, not data_dir.
    CHECK(parse(k_head + "backup:\n  dir: ../backups\n").backup.dir == "/srv/screener/backups");

    CHECK(error_of(k_head + "retention:\n  iv_history_days: 300\n") ==
          "test.yaml:9:20: retention.iv_history_days: must be 0 (keep all) or at least 366 (IV "
          "rank needs 252 sessions of history), got '300'");
    CHECK_THAT(error_of(k_head + "retention:\n  runs_days: -1\n"),
               Contains("retention.runs_days: must be at least 0"));
    CHECK_THAT(error_of(k_head + "retention:\n  vacuum_min_free_fraction: 20\n"),
               Contains("must be between 0 and 1 (0.2 is 20%)"));
    CHECK_THAT(error_of(k_head + "retention:\n  run_days: 5\n"),
               Contains("unknown key 'run_days' (did you mean 'runs_days'?)"));
    CHECK_THAT(error_of(k_head + "backup:\n  max_age_hours: 0\n"),
               Contains("backup.max_age_hours: must be greater than 0"));
    CHECK_THAT(error_of(k_head + "backup:\n  retention_days: 0\n"),
               Contains("backup.retention_days: must be at least 1"));
    CHECK_THAT(error_of(k_head + "backup:\n  max_age: 5\n"),
               Contains("did you mean 'max_age_hours'?"));
}

TEST_CASE("the ai section: defaults, key from ANTHROPIC_API_KEY, prices, validation",
          "[config][ai]") {
    const std::string prices = "  prices:\n"
                               "    claude-sonnet-5-5: {input: 2, output: 10, cache_write: 2.5, "
                               "cache_read: 0.2}\n";
    SECTION("absent: AI off with the documented defaults") {
        const Config config = parse(k_head);
        CHECK_FALSE(config.ai.enabled);
        CHECK(config.ai.base_url == "https://api.anthropic.com");
        CHECK(config.ai.anthropic_version == "2023-06-01");
        CHECK(config.ai.model == "claude-sonnet-5-5");
        CHECK(config.ai.top_k == 5);
        CHECK_FALSE(config.ai.temperature);
        CHECK(config.ai.api_key.empty());
        CHECK_FALSE(config.profile("p").ai_top_k);
    }
    SECTION("set: every key read, the key from the environment") {
        const Config config =
            parse(k_head +
                      "ai:\n  enabled: true\n  base_url: http://127.0.0.1:9/\n  model: "
                      "claude-sonnet-5-5\n  max_tokens: 1000\n  temperature: 0.3\n  top_k: 3\n"
                      "  daily_budget_usd: 2.5\n  anthropic_version: 2026-10-21\n" +
                      prices,
                  env_of({{"ANTHROPIC_API_KEY", "sk-ant-env-key\n"}}));
        CHECK(config.ai.enabled);
        CHECK(config.ai.base_url == "http://127.0.0.1:9");
        CHECK(config.ai.api_key == "sk-ant-env-key");
        CHECK(config.ai.max_tokens == 1000);
        CHECK(config.ai.temperature == 0.3);
        CHECK(config.ai.top_k == 3);
        CHECK(config.ai.daily_budget_usd == 2.5);
        CHECK(config.ai.anthropic_version == "2026-10-21");
        REQUIRE(config.ai.prices.count("claude-sonnet-5-5") == 1);
        const auto& p = config.ai.prices.at("claude-sonnet-5-5");
        CHECK(p.input == 2);
        CHECK(p.output == 10);
        CHECK(p.cache_write == 2.5);
        CHECK(p.cache_read == 0.2);
        CHECK_FALSE(p.cache_write_1h);
    }
    SECTION("a profile's ai_top_k") {
        const Config config = parse(k_head + "        dte_min: 7\n    ai_top_k: 2\n");
        CHECK(config.profile("p").ai_top_k == 2);
    }
    SECTION("mistakes are refused with their place") {
        CHECK_THAT(error_of(k_head + "ai:\n  enabeld: true\n"),
                   Contains("ai.enabeld: unknown key 'enabeld' (did you mean 'enabled'?)"));
        CHECK_THAT(error_of(k_head + "ai:\n  enabled: true\n  model: claude-opus-5-5\n" + prices),
                   Contains("ai.model: model 'claude-opus-5-5' has no entry in ai.prices"));
        CHECK_THAT(error_of(k_head + "ai:\n  api_key: sk-ant-literal\n"),
                   Contains("a literal API key is not accepted"));
        CHECK_THAT(error_of(k_head + "ai:\n  daily_budget_usd: 0\n"),
                   Contains("ai.daily_budget_usd: must be above 0"));
        CHECK_THAT(error_of(k_head + "ai:\n  temperature: 1.5\n"),
                   Contains("ai.temperature: must be between 0 and 1"));
        CHECK_THAT(error_of(k_head + "ai:\n  prices:\n    m: {input: 1}\n"),
                   Contains("ai.prices.m.output: required key is missing"));
        const std::string message = error_of(k_head + "ai:\n  api_key: sk-ant-literal\n");
        CHECK(message.find("sk-ant-literal") == std::string::npos);
    }
}

TEST_CASE("health, alerts, pings, metrics and backup sections: defaults", "[config][ops]") {
    const Config config = parse(k_head);
    CHECK(config.health.cpu_warning_pct == 80);
    CHECK(config.health.cpu_critical_pct == 95);
    CHECK(config.health.memory_warning_pct == 85);
    CHECK(config.health.memory_critical_pct == 95);
    CHECK(config.health.disk_warning_pct == 90);
    CHECK(config.health.error_rate_warning_pct == 5);
    CHECK(config.health.response_time_warning_ms == 5000);
    CHECK_FALSE(config.health.check_backup);
    CHECK(config.alerts.cooldown_s == 300);
    CHECK(config.alerts.repeat_interval_s == 14400);
    CHECK(config.alerts.webhooks.empty());
    CHECK(config.pings.urls.empty());
    CHECK(config.pings.on_degraded == "success");
    CHECK(config.metrics.textfile.empty());
    CHECK(config.backup.dir == k_base / "data" / "backups");
    CHECK(config.backup.max_age_hours == 26);
    CHECK(config.backup.retention_days == 14);
}

TEST_CASE("health, alerts, pings, metrics and backup sections: values and paths", "[config][ops]") {
    const Config config = parse(k_head + "health:\n"
                                         "  cpu_warning_pct: 70\n"
                                         "  disk_critical_pct: 99\n"
                                         "  last_scan_warning_hours: 30\n"
                                         "alerts:\n"
                                         "  cooldown_s: 600\n"
                                         "  webhooks:\n"
                                         "    - {url: '${SLACK_URL}', format: slack}\n"
                                         "    - {url: '${DISCORD_URL:-}', format: discord}\n"
                                         "    - url: https://example.org/hook\n"
                                         "pings:\n"
                                         "  urls:\n"
                                         "    scan: https://hc-ping.com/uuid-1/\n"
                                         "    health: '${HC_HEALTH:-}'\n"
                                         "  on_degraded: log\n"
                                         "metrics:\n"
                                         "  textfile: /var/lib/node-exporter/screener.prom\n"
                                         "backup:\n"
                                         "  dir: ../backups\n"
                                         "  max_age_hours: 30\n",
                                env_of({{"SLACK_URL", "https://hooks.slack.com/services/T/B/x"}}));
    CHECK(config.health.cpu_warning_pct == 70);
    CHECK(config.health.disk_critical_pct == 99);
    CHECK(config.health.last_scan_warning_hours == 30);
    CHECK(config.health.check_backup); // a backup: section turns the check on
    CHECK(config.alerts.cooldown_s == 600);
    REQUIRE(config.alerts.webhooks.size() == 2); // the empty Discord URL is dropped
    CHECK(config.alerts.webhooks[0].url == "https://hooks.slack.com/services/T/B/x");
    CHECK(config.alerts.webhooks[0].format == "slack");
    CHECK(config.alerts.webhooks[1].format == "json");
    CHECK(config.pings.urls ==
          std::map<std::string, std::string>{{"scan", "https://hc-ping.com/uuid-1"}});
    CHECK(config.pings.on_degraded == "log");
    CHECK(config.metrics.textfile == "/var/lib/node-exporter/screener.prom");
    CHECK(config.backup.dir == "/srv/screener/backups");
    CHECK(config.backup.max_age_hours == 30);
}

TEST_CASE("health, alerts, pings, metrics and backup sections: bad values", "[config][ops]") {
    CHECK_THAT(error_of(k_head + "health:\n  cpu_warnin_pct: 70\n"),
               Contains("health.cpu_warnin_pct: unknown key") &&
                   Contains("did you mean 'cpu_warning_pct'"));
    CHECK_THAT(error_of(k_head + "health:\n  cpu_warning_pct: 96\n"),
               Contains("health.cpu_warning_pct: cpu_warning_pct '96' is greater than "
                        "cpu_critical_pct 95 (the default)"));
    CHECK_THAT(error_of(k_head + "health:\n  disk_warning_pct: 120\n"),
               Contains("health.disk_warning_pct: must be between 0 and 100"));
    CHECK_THAT(error_of(k_head + "health:\n  cpu_sample_ms: 5000\n"),
               Contains("health.cpu_sample_ms: must be between 10 and 900"));
    CHECK_THAT(error_of(k_head + "alerts:\n  webhooks:\n    - {url: x, format: slack}\n"),
               StartsWith("test.yaml:10:") &&
                   Contains("alerts.webhooks[0].url: expected an http:// or https:// URL"));
    CHECK_THAT(
        error_of(k_head + "alerts:\n  webhooks:\n    - {url: 'http://h/x', format: teams}\n"),
        Contains("alerts.webhooks[0].format: must be one of slack, discord, json"));
    CHECK_THAT(error_of(k_head + "pings:\n  urls:\n    scna: http://h/x\n"),
               Contains("pings.urls.scna: unknown command 'scna'") &&
                   Contains("did you mean 'scan'"));
    CHECK_THAT(error_of(k_head + "pings:\n  on_degraded: page\n"),
               Contains("pings.on_degraded: must be one of success, log, fail"));
    CHECK_THAT(error_of(k_head + "metrics:\n  textfile: screener.txt\n"),
               Contains("metrics.textfile: must end in .prom"));
    CHECK_THAT(error_of(k_head + "backup:\n  retention_days: 0\n"),
               Contains("backup.retention_days: must be at least 1"));
    // A secret URL from the environment is never echoed.
    const std::string message = error_of(k_head + "alerts:\n  webhooks:\n    - url: ${HOOK}\n",
                                         env_of({{"HOOK", "ftp://secret-token"}}));
    CHECK(message.find("secret-token") == std::string::npos);
}
