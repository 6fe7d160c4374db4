// The pieces the live vendor clients share (src/providers/live_vendor.*) and the failover chain,
// without a network: URL building, cache lifetimes, credit days, failover semantics.

#include "providers/live_vendor.hpp"
#include "screener/core/calendar.hpp"
#include "screener/core/error.hpp"
#include "screener/net/vendor_channel.hpp"
#include "screener/providers/failover_provider.hpp"
#include "screener/providers/reconcile.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <thread>

using namespace screener;
using namespace screener::providers;
using namespace std::chrono;

namespace {

system_clock::time_point new_york(int y, unsigned m, unsigned d, int hour, int minute) {
    const Date date{year{y}, month{m}, day{d}};
    return system_clock::time_point(seconds(new_york_to_unix(date, hour, minute)));
}

// A provider whose every call succeeds, or throws what it is told to.
class ScriptedProvider final : public Provider {
public:
    explicit ScriptedProvider(std::string name) : m_name(std::move(name)) {}
    std::string name() const override { return m_name; }
    std::vector<StockSnapshot> exchange_snapshot(Date) override {
        step();
        return {StockSnapshot{m_name, "US", "", Date{}, 0, 0, 0, 1, 1, 1, {}, {}, {}}};
    }
    std::vector<Bar> daily_history(const std::string&, Date, Date) override {
        step();
        return {Bar{}};
    }
    std::vector<Date> expirations(const std::string&) override {
        step();
        return {};
    }
    std::vector<StockQuote> quotes(const std::vector<std::string>&) override {
        step();
        return {};
    }
    OptionChain option_chain(const std::string& symbol, const ChainRequest&) override {
        step();
        return {m_name + ":" + symbol, {}};
    }
    std::vector<EarningsEvent> earnings_calendar(Date, Date) override {
        step();
        return {};
    }
    std::atomic<int> calls{0};
    std::atomic<bool> unavailable{false};
    std::atomic<bool> bad_data{false};

private:
    void step() {
        ++calls;
        if (unavailable) {
            throw net::VendorUnavailable(m_name + ": circuit open after 5 consecutive failures");
        }
        if (bad_data) {
            throw DataError(m_name + " /chain AAPL: ragged columns");
        }
    }
    std::string m_name;
};

} // namespace

TEST_CASE("query strings keep EODHD's bracket keys and percent-encode values", "[live]") {
    CHECK(url_encode("AAPL") == "AAPL");
    CHECK(url_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
    CHECK(query_string({{"filter[underlying_symbol]", "AAPL"}, {"page[limit]", "1000"}}) ==
          "filter[underlying_symbol]=AAPL&page[limit]=1000");
    CHECK(query_string({}) == "");
}

TEST_CASE("end-of-day data is cached until the next close, holidays skipped", "[live]") {
    // Friday 2026-11-27 (day after Thanksgiving) closes at 13:00 New York time.
    CHECK(next_market_close(new_york(2026, 11, 27, 6, 30)) == new_york(2026, 11, 27, 13, 0));
    // After that close: Monday 16:00.
    CHECK(next_market_close(new_york(2026, 11, 27, 13, 0)) == new_york(2026, 11, 30, 16, 0));
    // Thanksgiving itself is closed: the next close is Friday's early one.
    CHECK(next_market_close(new_york(2026, 11, 26, 9, 0)) == new_york(2026, 11, 27, 13, 0));
    // A Sunday.
    CHECK(next_market_close(new_york(2026, 11, 29, 10, 0)) == new_york(2026, 11, 30, 16, 0));
}

TEST_CASE("credit days: EODHD by UTC day, MarketData.app from 09:30 New York", "[live]") {
    const auto t = sys_days{2026y / November / 30} + 13h + 5min; // 08:05 New York (EST)
    CHECK(utc_day_start(t) == sys_days{2026y / November / 30});
    CHECK(new_york_0930_start(t) == new_york(2026, 11, 29, 9, 30));
    CHECK(new_york_0930_start(new_york(2026, 11, 30, 9, 30)) == new_york(2026, 11, 30, 9, 30));
    CHECK(new_york_0930_start(new_york(2026, 11, 30, 17, 0)) == new_york(2026, 11, 30, 9, 30));
}

TEST_CASE("failover: the backup serves once the primary is unavailable, and only then", "[live]") {
    ScriptedProvider primary("eodhd");
    ScriptedProvider backup("marketdata");
    std::vector<Failover> seen;
    FailoverProvider chains("chains", {&primary, &backup},
                            [&](const Failover& failover) { seen.push_back(failover); });
    ChainRequest request;
    CHECK(chains.option_chain("AAPL", request).underlying == "eodhd:AAPL");
    CHECK(chains.name() == "eodhd");

    // Bad data for one symbol is that symbol's problem, not a reason to switch.
    primary.bad_data = true;
    CHECK_THROWS_AS(chains.option_chain("MSFT", request), DataError);
    CHECK(seen.empty());
    primary.bad_data = false;

    primary.unavailable = true;
    CHECK(chains.option_chain("MSFT", request).underlying == "marketdata:MSFT");
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].role == "chains");
    CHECK(seen[0].from == "eodhd");
    CHECK(seen[0].to == "marketdata");
    CHECK(seen[0].reason == "eodhd: circuit open after 5 consecutive failures");
    CHECK(chains.name() == "marketdata");

    // Later calls go straight to the backup: the primary is not asked again.
    const int primary_calls = primary.calls;
    primary.unavailable = false;
    CHECK(chains.option_chain("KO", request).underlying == "marketdata:KO");
    CHECK(primary.calls == primary_calls);
    CHECK(seen.size() == 1);

    // With no backup left, the failure reaches the caller.
    backup.unavailable = true;
    CHECK_THROWS_AS(chains.option_chain("PEP", request), net::VendorUnavailable);
    CHECK(seen.size() == 1);
}

TEST_CASE("failover: concurrent workers switch once", "[live]") {
    ScriptedProvider primary("eodhd");
    ScriptedProvider backup("marketdata");
    primary.unavailable = true;
    std::atomic<int> switches{0};
    FailoverProvider history("history", {&primary, &backup}, [&](const Failover&) { ++switches; });
    std::vector<std::thread> workers;
    std::atomic<int> served{0};
    for (int w = 0; w < 8; ++w) {
        workers.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                served += static_cast<int>(history.daily_history("X", Date{}, Date{}).size());
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    CHECK(served == 160);
    CHECK(switches == 1);
    CHECK(backup.calls == 160);
    CHECK(primary.calls <= 8); // only calls already on their way when it switched
}

namespace {

OptionContract quote(OptionType type, double strike, double bid, double ask, double oi, double iv) {
    OptionContract c;
    c.option_symbol = fmt::format("AAPL261218{}{:08d}", type == OptionType::Call ? 'C' : 'P',
                                  static_cast<int>(strike * 1000));
    c.underlying = "AAPL";
    c.expiration = Date{year{2026}, month{12}, day{18}};
    c.type = type;
    c.strike = strike;
    c.bid = bid;
    c.ask = ask;
    c.open_interest = oi;
    c.iv = iv;
    return c;
}

} // namespace

TEST_CASE("reconciliation: matching contracts compared field by field with floors", "[live]") {
    OptionChain ours{"AAPL",
                     {quote(OptionType::Put, 175, 2.15, 2.25, 1500, 0.284),
                      quote(OptionType::Put, 180, 3.40, 3.55, 900, 0.270),
                      quote(OptionType::Call, 185, 0.03, 0.05, 40, 0.250),
                      quote(OptionType::Call, 200, 0.50, 0.60, 100, 0.300)}};
    OptionChain theirs{"AAPL",
                       {quote(OptionType::Put, 175, 2.16, 2.24, 1510, 0.286), // agrees
                        quote(OptionType::Put, 180, 3.90, 4.20, 900, 0.270),  // bid, ask off
                        quote(OptionType::Call, 185, 0.04, 0.06, 45, 0.255),  // within floors
                        quote(OptionType::Call, 190, 1.0, 1.1, 10, 0.3)}};    // not in ours
    for (auto& c : theirs.contracts) {
        c.option_symbol.clear(); // matched by type, expiration and strike, not by name
    }
    const auto r =
        reconcile_chains("AAPL", "marketdata", ours, 182.50, "eodhd", theirs, 182.60, 0.05);
    CHECK(r.contracts_compared == 3);
    CHECK(r.values_compared == 1 + 3 * 4);
    CHECK(r.disagreements == 2);
    // 2 of 13 values: 15% -> C, flagged.
    CHECK(r.grade == 'C');
    CHECK(r.flagged());
    REQUIRE(r.details.size() == 2);
    CHECK(r.details[0] == "AAPL261218P00180000 bid 3.4 vs 3.9");
    CHECK(r.details[1] == "AAPL261218P00180000 ask 3.55 vs 4.2");

    const auto same = reconcile_chains("AAPL", "a", ours, 182.5, "b", ours, 182.5, 0.05);
    CHECK(same.grade == 'A');
    CHECK_FALSE(same.flagged());
    const auto spot_off = reconcile_chains("AAPL", "a", ours, 182.5, "b", ours, 195.0, 0.05);
    CHECK(spot_off.disagreements == 1);
    CHECK(spot_off.grade == 'B'); // 1 of 17
    CHECK(spot_off.details[0] == "underlying price 182.5 vs 195");
    const auto disjoint =
        reconcile_chains("AAPL", "a", ours, 182.5, "b", OptionChain{}, 182.5, 0.05);
    CHECK(disjoint.grade == 'F');
    CHECK(disjoint.flagged());
}

TEST_CASE("reconciliation sample: nearest expiration with a strike near the money", "[live]") {
    OptionChain chain{"AAPL",
                      {quote(OptionType::Put, 175, 2, 2.1, 1, 0.3),
                       quote(OptionType::Put, 120, 0.1, 0.2, 1, 0.5)}};
    chain.contracts[1].expiration = Date{year{2026}, month{12}, day{4}}; // earlier but far OTM
    const auto sample = reconcile_sample(chain, 180.0);
    REQUIRE(sample);
    CHECK(sample->expiration == Date{year{2026}, month{12}, day{18}});
    CHECK(sample->strike_min == 171);
    CHECK(sample->strike_max == 189);
    CHECK_FALSE(reconcile_sample(chain, 400.0));
}
