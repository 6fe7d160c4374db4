#pragma once
// A fake market-data vendor: one HTTP server on 127.0.0.1 that answers EODHD (/api/...) and
// MarketData.app (/v1/...) requests in the vendors' documented formats (vendors notes sections 1
// and 2; copies of the examples in tests/fixtures/vendors/) from a simulated, seed-deterministic
// market. For unit tests (in process) and tools/fake_vendor.cpp (standalone, for benchmarks).
//
// Besides serving data it behaves like a vendor under load: auth, per-vendor rate limits (token
// buckets -> 429 + Retry-After), a concurrency cap, fixed latency, credit accounting per the
// vendors' cost tables, and scripted faults. Every request is recorded (tokens removed) so tests
// can assert on what a client actually sent. Usage and fault syntax: docs/testing.md.

#include "screener/core/date.hpp"
#include "screener/core/types.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace screener::testing {

enum class Vendor { Eodhd, MarketData };
const char* to_string(Vendor vendor);

// ---------------------------------------------------------------------------------------------
// Simulated market

struct MarketConfig {
    int symbols = 20;       // SYM0001..SYMnnnn
    std::uint64_t seed = 1; // same seed -> byte-identical responses
    Date as_of{std::chrono::year{2026}, std::chrono::November, std::chrono::day{20}};
    std::vector<std::string> extra_symbols; // real-looking tickers ("AAPL"), simulated the same way
    int history_days = 260;                 // trading days of daily bars ending at as_of
    int strikes_each_side = 15;             // strikes per expiration = 2 * this + 1
    int expiration_window_days = 90;        // weekly Friday expirations in (as_of, as_of + this]
    double rate = 0.04;                     // continuous risk-free rate of every option price
};

struct SimEarnings {
    Date report_date{};
    Date fiscal_period_end{};
    std::string timing;                     // "BeforeMarket" / "AfterMarket"
    std::optional<double> actual, estimate; // actual is missing for future reports
};

// One option quote. Greeks are Black-Scholes at `iv` in the pricing module's units (theta per
// year, vega and rho per 1.00); each vendor format rescales them as that vendor does.
struct SimOption {
    std::string contract; // OCC-style: SYM0001261218C00105000
    Date expiration{};
    OptionType type = OptionType::Call;
    double strike = 0;
    int dte = 0;
    double bid = 0, ask = 0, mid = 0;
    std::optional<double> last; // none when the contract never traded
    long long open_interest = 0, volume = 0;
    double iv = 0, delta = 0, gamma = 0, theta = 0, vega = 0, rho = 0, theoretical = 0;
};

struct SimSymbol {
    std::string code; // without exchange suffix
    std::string name;
    double sigma = 0;          // realised volatility of the simulated path
    double iv_base = 0;        // at-the-money implied volatility level
    double dividend_yield = 0; // continuous
    double shares = 0;         // shares outstanding, for the market cap
    double beta = 1;
    std::vector<Bar> history;          // oldest first, ends at the last trading day <= as_of
    std::vector<SimEarnings> earnings; // oldest first; empty for symbols without coverage

    double last() const { return history.back().close; }
    double market_cap() const { return last() * shares; }
};

class FakeMarket {
public:
    explicit FakeMarket(const MarketConfig& config);

    const MarketConfig& config() const { return m_config; }
    const std::vector<SimSymbol>& symbols() const { return m_symbols; }
    // By code, with or without a ".US" suffix; nullptr when unknown.
    const SimSymbol* find(std::string_view code) const;
    // Last trading day <= as_of (the date of every symbol's last bar).
    Date last_session() const;
    // Weekly Friday expirations after as_of, ascending.
    std::vector<Date> expirations() const;
    // Every contract of `symbol` (expiration, then strike, call before put). Generated on demand,
    // deterministic per symbol.
    std::vector<SimOption> chain(const SimSymbol& symbol) const;

private:
    MarketConfig m_config;
    std::vector<SimSymbol> m_symbols;
    std::map<std::string, std::size_t, std::less<>> m_index; // code -> position in m_symbols
};

// ---------------------------------------------------------------------------------------------
// Vendor behaviour

struct RateLimit {
    double per_second = 0; // 0 = no limit; each is a token bucket of that capacity
    double per_minute = 0;
};

struct VendorBehaviour {
    std::string token;
    RateLimit rate_limit;
    int max_concurrent = 0;               // 0 = unlimited; more in flight -> 429
    std::chrono::milliseconds latency{0}; // added to every response
};

struct FakeVendorOptions {
    VendorBehaviour eodhd{"eodhd-test-token", {}, 0, {}};
    VendorBehaviour marketdata{"marketdata-test-token", {}, 0, {}};
    int marketdata_203_every = 0; // every k-th MarketData success answers 203; 0 = never
    long long marketdata_daily_credits = 100000; // X-Api-Ratelimit-Limit; exhausted -> 429
    int eodhd_max_page_limit = 1000;             // marketplace page[limit] cap (422 above it)
};

enum class FaultKind {
    TooManyRequests, // 429 + Retry-After, the vendor's rate-limit body
    ServerError,     // 500
    BadGatewayHtml,  // 502 with nginx's HTML page (EODHD maintenance)
    Unavailable,     // 503
    Slow,            // sleeps `delay`, then answers normally (to trip a client timeout)
    Reset,           // headers with Content-Length, no body, connection closed
    Truncated,       // headers with Content-Length, half the body, connection closed
    MalformedJson,   // 200 with the body cut in half
    NaFields,        // 200 with every JSON number replaced by "NA" (EODHD real-time quirk)
    RaggedArrays,    // 200 with one columnar array one element longer (MarketData; object bodies)
    Unauthorized,    // 401 text/html "Unauthenticated"
    EmptyBody,       // 200 with an empty body
};
const char* to_string(FaultKind kind);

// Applies to requests of `vendor` whose path matches `path` — a prefix, or a regular expression
// (ECMAScript, searched in the path) when it starts with '^' — and, when `symbol` is set, whose
// symbol (path segment without ".US", filter[underlying_symbol], symbols=, s=) is `symbol`.
// The first `count` matching requests get the fault; count < 0 = every one. Faults are checked
// after auth, concurrency cap and rate limit, in the order added; one fault per request.
struct Fault {
    Vendor vendor = Vendor::MarketData;
    std::string path;
    FaultKind kind = FaultKind::ServerError;
    int count = -1;
    std::string symbol;
    int retry_after_seconds = 1;           // TooManyRequests
    std::chrono::milliseconds delay{3000}; // Slow
};

// "VENDOR:PATH:KIND[:COUNT[:SYMBOL]]", e.g. "marketdata:/v1/options/chain/SYM0003/:500:2".
// VENDOR eodhd|marketdata; KIND 429|500|502|503|slow|reset|truncate|malformed|na|ragged|401|
// empty; COUNT a number or "always" (the default). Throws std::invalid_argument.
Fault parse_fault(std::string_view spec);

// ---------------------------------------------------------------------------------------------
// Accounting

struct RequestRecord {
    std::chrono::steady_clock::time_point arrival;
    Vendor vendor = Vendor::Eodhd;
    std::string path;
    std::vector<std::pair<std::string, std::string>> params; // api_token / token removed
    int status = 0;    // status sent (also for Reset/Truncated, whose body never completes)
    int in_flight = 0; // this vendor's requests in flight at arrival, this one included
    long long credits = 0;
    std::string fault; // to_string(FaultKind) of the fault applied, or empty
};

// ---------------------------------------------------------------------------------------------
// The server

class FakeVendor {
public:
    explicit FakeVendor(const MarketConfig& market = {}, const FakeVendorOptions& options = {});
    ~FakeVendor(); // stops the server (interrupting latency and Slow sleeps)
    FakeVendor(const FakeVendor&) = delete;
    FakeVendor& operator=(const FakeVendor&) = delete;

    // Serves on 127.0.0.1:`port` (0 = any free port) with `threads` worker threads (a
    // keep-alive connection holds one). Once per object; throws when the port cannot be bound.
    void start(int port = 0, int threads = 64);
    void stop();
    int port() const;
    std::string eodhd_base_url() const;      // "http://127.0.0.1:PORT/api"
    std::string marketdata_base_url() const; // "http://127.0.0.1:PORT" (paths start with /v1/)

    const FakeMarket& market() const;
    FakeVendorOptions options() const;
    void set_options(const FakeVendorOptions& options); // takes effect for the next request

    void add_fault(const Fault& fault);
    void clear_faults();

    // Thread-safe snapshots.
    std::vector<RequestRecord> requests() const;
    std::size_t request_count(Vendor vendor) const;
    long long credits(Vendor vendor) const; // EODHD: main pool + marketplace pool
    long long eodhd_marketplace_credits() const;
    int max_in_flight(Vendor vendor) const;
    // Clears the request log, credits, max in flight, rate-limit buckets and the 203 counter.
    void reset_accounting();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace screener::testing
