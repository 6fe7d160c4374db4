// The vendor probes `screener health` sends, against the fake vendor server: the right request
// with each vendor's credentials, judged by ops::check_vendor_probe.
#include "screener/config/config.hpp"
#include "screener/ops/health.hpp"
#include "screener/providers/probe.hpp"
#include "support/fake_vendor.hpp"

#include <catch2/catch.hpp>

using namespace screener;
using namespace screener::testing;
using Clock = std::chrono::system_clock;

namespace {

config::Config vendor_config(const FakeVendor& fake, const std::string& eodhd_key,
                             const std::string& marketdata_key) {
    const std::string yaml = "data_dir: /tmp/unused\n"
                             "providers:\n"
                             "  routing: {universe: eodhd, history: [eodhd, marketdata], "
                             "chains: marketdata, earnings: eodhd}\n"
                             "  eodhd: {base_url: " +
                             fake.eodhd_base_url() +
                             ", api_key: '${EODHD_KEY:-}', daily_credit_budget: 1000, "
                             "marketplace_daily_credit_budget: 500}\n"
                             "  marketdata: {base_url: " +
                             fake.marketdata_base_url() +
                             ", api_key: '${MD_KEY:-}'}\n"
                             "profiles:\n  daily:\n    universe: {source: list, symbols: [AAPL]}\n"
                             "    strategies: {cash_secured_put: {}}\n";
    return config::parse_config(yaml, "test.yaml", "/tmp",
                                [=](const std::string& name) -> std::optional<std::string> {
                                    if (name == "EODHD_KEY") {
                                        return eodhd_key;
                                    }
                                    if (name == "MD_KEY") {
                                        return marketdata_key;
                                    }
                                    return std::nullopt;
                                });
}

ops::VendorProbe as_probe(providers::LiveVendorCheck check) {
    return {check.vendor, check.has_key, std::move(check.probe), {}};
}

} // namespace

TEST_CASE("health probes reach each routed vendor with its credentials", "[providers][health]") {
    MarketConfig market;
    market.symbols = 2;
    market.extra_symbols = {"AAPL"};
    FakeVendorOptions options;
    options.eodhd.token = "eod-token";
    options.marketdata.token = "md-token";
    FakeVendor fake(market, options);
    fake.start();
    auto http = net::make_curl_client();
    const auto now = Clock::now();

    const auto config = vendor_config(fake, "eod-token", "md-token");
    auto checks = providers::live_vendor_checks(config, now, std::chrono::seconds(10));
    REQUIRE(checks.size() == 2);
    CHECK(checks[0].vendor == "eodhd");
    CHECK(checks[0].has_key);
    REQUIRE(checks[0].pools.size() == 2);
    CHECK(checks[0].pools[0].name == "eodhd");
    CHECK(checks[0].pools[0].daily_credit_budget == 1000);
    CHECK(checks[0].pools[1].name == "eodhd_marketplace");
    CHECK(checks[0].pools[1].daily_credit_budget == 500);
    CHECK(checks[1].vendor == "marketdata");
    REQUIRE(checks[1].pools.size() == 1);
    CHECK(checks[1].pools[0].day_start <= now);
    CHECK(now - checks[1].pools[0].day_start < std::chrono::hours(24));

    config::HealthConfig thresholds;
    thresholds.response_time_warning_ms = 60000; // no timing in tests
    thresholds.response_time_critical_ms = 60000;
    for (auto& check : checks) {
        const auto result = ops::check_vendor_probe(as_probe(check), *http, thresholds);
        INFO(check.vendor << ": " << result.summary);
        CHECK(result.status == ops::HealthStatus::Ok);
    }
    const auto requests = fake.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].path == "/api/internal-user");
    CHECK(requests[0].status == 200);
    CHECK(requests[1].path == "/v1/stocks/quotes/AAPL/");
    CHECK(requests[1].status == 200);

    // Wrong keys: refused, critical.
    const auto wrong = vendor_config(fake, "bad", "bad");
    for (auto& check : providers::live_vendor_checks(wrong, now, std::chrono::seconds(10))) {
        const auto result = ops::check_vendor_probe(as_probe(check), *http, thresholds);
        INFO(check.vendor << ": " << result.summary);
        CHECK(result.status == ops::HealthStatus::Critical);
        CHECK(result.summary.find("refused the key") != std::string::npos);
    }

    // No keys: the config check names them.
    const auto keyless = vendor_config(fake, "", "");
    std::vector<ops::VendorProbe> probes;
    for (auto& check : providers::live_vendor_checks(keyless, now, std::chrono::seconds(10))) {
        CHECK_FALSE(check.has_key);
        probes.push_back(as_probe(std::move(check)));
    }
    const auto result = ops::check_config(keyless, probes);
    CHECK(result.status == ops::HealthStatus::Critical);
    CHECK(result.summary == "eodhd has no API key, marketdata has no API key");
}

TEST_CASE("the sample provider needs no probe", "[providers][health]") {
    const auto config = config::parse_config(
        "data_dir: /tmp/unused\nprofiles:\n  daily:\n    universe: {source: list, symbols: "
        "[AAPL]}\n    strategies: {cash_secured_put: {}}\n",
        "test.yaml", "/tmp", [](const std::string&) { return std::optional<std::string>(); });
    CHECK(providers::live_vendor_checks(config, Clock::now(), std::chrono::seconds(1)).empty());
}
