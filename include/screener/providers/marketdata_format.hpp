#pragma once
// Parsers for MarketData.app response bodies, shared by the live client and the sample provider.
// Formats: the shared vendor notes (vendors/README.md section 2); copies of the documented
// examples are in tests/fixtures/vendors/marketdata/.
//
// Responses are columnar: one array per field, one element per row. Every array must have the
// same length (the official chain example itself has a ragged `side`), else DataError naming the
// column and both lengths. "s":"no_data" is an empty result; "s":"error" is a DataError carrying
// the vendor's errmsg. Every message starts with `context`.

#include "screener/core/types.hpp"

#include <string_view>
#include <vector>

namespace screener::providers {

// GET /v1/options/chain/{SYMBOL}/. Required columns: optionSymbol, underlying, expiration (unix
// seconds at 16:00 ET), side ("call"/"put"), strike. Nullable/optional: dte, updated, bid, ask,
// mid, last, openInterest, volume, underlyingPrice, iv, delta, gamma, theta, vega, rho.
// The chain's underlying is taken from the first row (empty for an empty chain).
OptionChain parse_marketdata_chain(std::string_view json, std::string_view context);

// GET /v1/options/expirations/{SYMBOL}/: "YYYY-MM-DD" strings, in the vendor's order.
std::vector<Date> parse_marketdata_expirations(std::string_view json, std::string_view context);

// GET /v1/stocks/candles/D/{SYMBOL}/: columns o, h, l, c, v, t (unix seconds at midnight ET);
// adjusted_close = close (candles are split-adjusted by default). Oldest first.
std::vector<Bar> parse_marketdata_candles(std::string_view json, std::string_view context);

// GET /v1/stocks/bulkcandles/D/?snapshot=true: one daily bar per symbol as a snapshot row
// (no market cap or average volume at this vendor). Columns symbol, o, h, l, c, v, t.
std::vector<StockSnapshot> parse_marketdata_bulkcandles(std::string_view json,
                                                        std::string_view context);

// GET /v1/stocks/quotes/?symbols=A,B (or /v1/stocks/quotes/{SYMBOL}/): columns symbol, last
// required; bid, ask, volume, updated nullable. no_data -> empty.
std::vector<StockQuote> parse_marketdata_quotes(std::string_view json, std::string_view context);

} // namespace screener::providers
