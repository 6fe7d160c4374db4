#pragma once
// Parsers for EODHD response bodies (fmt=json), shared by the live client and the sample
// provider. Formats: the shared vendor notes (vendors/README.md section 1); copies of the
// documented examples are in tests/fixtures/vendors/eodhd/.
//
// Every numeric field may be a JSON integer, a double, null, a numeric string or "NA"; null and
// "NA" count as missing. A missing required field, a body that is not JSON (CSV without
// fmt=json, plain-text "Unauthenticated") or the wrong shape throws DataError whose message
// starts with `context` and names the row and field.

#include "screener/core/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace screener::providers {

// GET /eod-bulk-last-day/{EXCHANGE}, default or filter=extended shape. Required per row: code,
// date, open, high, low, close, volume (may be fractional). adjusted_close defaults to close;
// name, exchange_short_name, MarketCapitalization, avgvol_50d, avgvol_200d are optional.
std::vector<StockSnapshot> parse_eodhd_bulk(std::string_view json, std::string_view context);

// GET /eod/{TICKER}: bars oldest first (sorted if the vendor did not). Required: date, open,
// high, low, close, volume; adjusted_close defaults to close.
std::vector<Bar> parse_eodhd_eod(std::string_view json, std::string_view context);

// GET /calendar/earnings: one event per row; ".US" is stripped from the code (other exchange
// suffixes are kept, so foreign listings never match a US symbol). before_after_market may be
// null -> empty timing.
std::vector<EarningsEvent> parse_eodhd_earnings(std::string_view json, std::string_view context);

// One page of GET /mp/unicornbay/options/contracts (JSON:API envelope). Required per row:
// attributes.contract, underlying_symbol, exp_date, type ("call"/"put"), strike; every other
// attribute may be null. volatility is the IV as a fraction; bid_date ("YYYY-MM-DD HH:MM:SS",
// UTC) dates the quote. The contracts carry no underlying price (the history's close stands in).
struct EodhdOptionsPage {
    std::vector<OptionContract> contracts;
    std::optional<std::string> next; // links.next: the next page's full URL, none on the last
    long long total = 0;             // meta.total: rows matching the filters over all pages
};
EodhdOptionsPage parse_eodhd_options(std::string_view json, std::string_view context);

// GET /fundamentals/{TICKER}?filter=Highlights,SplitsDividends: Highlights.DividendYield
// (fraction), Highlights.DividendShare (annual, per share), SplitsDividends.ExDividendDate
// ("YYYY-MM-DD"; null or "0000-00-00" when none). Missing sections give an empty DividendInfo.
DividendInfo parse_eodhd_dividends(std::string_view json, std::string_view context);

// GET /real-time/{TICKER}: one object, or an array with s=. An unknown ticker comes back as 200
// with every field "NA": such a row is returned with close missing (nullopt), not an error.
struct EodhdQuote {
    std::string code; // as sent, e.g. "AAPL.US"
    std::int64_t timestamp = 0;
    std::optional<double> close, previous_close, volume;
};
std::vector<EodhdQuote> parse_eodhd_real_time(std::string_view json, std::string_view context);

} // namespace screener::providers
