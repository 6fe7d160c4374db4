#pragma once
// Domain types shared by every module: plain structs, no behaviour.

#include "screener/core/date.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace screener {

enum class OptionType { Call, Put };

// One daily bar as the vendors deliver it (EODHD /eod, MarketData candles).
struct Bar {
    Date date{};
    double open = 0, high = 0, low = 0, close = 0;
    double adjusted_close = 0;
    double volume = 0; // fractional in some EODHD bulk rows
};

// One row of the exchange-wide end-of-day snapshot (EODHD bulk, filter=extended).
struct StockSnapshot {
    std::string symbol; // without exchange suffix, e.g. "AAPL"
    std::string exchange;
    std::string name;
    Date date{};
    double open = 0, high = 0, low = 0, close = 0;
    double adjusted_close = 0;
    double volume = 0;
    std::optional<double> market_cap;
    std::optional<double> avg_volume_50d;
    std::optional<double> avg_volume_200d;
};

// The latest quote of a stock (EODHD real-time, MarketData.app quotes, the sample's close).
struct StockQuote {
    std::string symbol; // without exchange suffix
    double last = 0;
    std::optional<double> bid, ask, volume;
    std::int64_t updated = 0; // unix seconds of the quote; 0 when unknown
};

// What a vendor says about a stock's dividend (EODHD fundamentals).
struct DividendInfo {
    double yield = 0;                    // annual, simple fraction of the price
    std::optional<double> annual_amount; // per share
    std::optional<Date> ex_date;         // the latest announced ex-dividend date
};

struct OptionContract {
    std::string option_symbol; // OCC, e.g. AAPL230616C00175000
    std::string underlying;
    Date expiration{};
    OptionType type = OptionType::Call;
    double strike = 0;
    int dte = 0;
    std::int64_t updated = 0; // unix seconds of the quote
    std::optional<double> bid, ask, mid, last;
    std::optional<double> open_interest, volume;
    std::optional<double> underlying_price;
    // Vendor analytics; may be missing or sentinel values, never trusted blindly.
    std::optional<double> iv, delta, gamma, theta, vega, rho;
    bool iv_solved = false; // iv was solved by the screener from the mid, not sent by the vendor
};

struct OptionChain {
    std::string underlying;
    std::vector<OptionContract> contracts;
};

struct EarningsEvent {
    std::string symbol; // without exchange suffix
    Date report_date{};
    std::string timing; // "BeforeMarket", "AfterMarket" or empty
};

// A leg of a candidate trade. quantity < 0 is short (sold). Quote fields are the option's quote
// the candidate was measured from (NaN for a stock leg).
struct Leg {
    std::string option_symbol; // empty for a stock leg
    OptionType type = OptionType::Put;
    double strike = 0;
    Date expiration{};
    int quantity = 0;
    bool is_stock = false;
    double bid = 0, ask = 0, mid = 0;
    double iv = 0, delta = 0;
};

// A scored trade. Money figures are per share of one contract (x100 for per-contract dollars).
// fill_price, breakevens, max_profit, max_loss, pop and the returns are consistent with one
// another: each can be recomputed from the legs, fill_price and the conventions in metrics_json.
struct Candidate {
    std::string symbol;
    std::string strategy; // "cash_secured_put", "covered_call", "bull_put_spread", ...
    std::vector<Leg> legs;
    Date expiration{};
    int dte = 0;
    double t_years = 0;
    double underlying_price = 0;
    double rate = 0;           // risk-free rate used (continuous)
    double dividend_yield = 0; // continuous
    bool is_credit = true;     // fill_price is a credit received (else a debit paid)
    double fill_price = 0;     // per share, > 0, at the conservative fill
    double mid_price = 0;      // the same trade at the legs' mids
    std::vector<double> breakevens;
    double pop = 0;                          // P(profit at expiry), at the breakevens, N(d2) form
    std::optional<double> max_profit;        // nullopt: unlimited
    std::optional<double> max_loss;          // nullopt: unlimited
    double collateral = 0;                   // capital basis of return_on_capital
    std::optional<double> return_on_capital; // simple; nullopt for long options
    std::optional<double> return_on_capital_annualized; // simple, x 365 / dte
    std::optional<double> return_on_risk;               // fill_price / max_loss (defined risk)
    // Summary of the (first) short leg, or the bought leg of a long option, for tables.
    double strike = 0;
    double delta = 0;
    double iv = 0;
    double spread_pct = 0;    // worst leg's (ask - bid) / mid
    double open_interest = 0; // smallest leg open interest
    double score = 0;
    int rank = 0;
    std::string sector;             // empty when unknown
    std::string metrics_json;       // every other metric with its convention named
    std::vector<std::string> flags; // e.g. "earnings_before_expiry"
};

// One request to a vendor (or one file of the sample market, read as if it were one), as
// providers report it: logged as `api_call` and stored in api_calls. Never holds a secret.
struct ApiCall {
    std::string provider;
    std::string endpoint; // template, e.g. "/v1/options/chain/{symbol}/"; no query, no token
    std::string symbol;
    int status = 0; // HTTP status; 0 when no response arrived
    double duration_ms = 0;
    std::int64_t bytes = 0;
    double credits = 0;
    bool cache_hit = false;
    double cost_usd = 0;
};

// A failure for one symbol at one stage; recorded and counted, never fatal to the run.
struct SymbolError {
    std::string symbol;
    std::string stage; // "history", "chain", "score", ...
    std::string message;
};

} // namespace screener
