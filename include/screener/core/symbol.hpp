#pragma once
// Ticker symbols as the screener accepts them anywhere (config, --symbols, universe files,
// vendor file names): 1-12 of A-Z, 0-9, '.', '-', starting with a letter or digit. Symbols
// become file names and URL path parts, so nothing else gets through.

#include <string>
#include <string_view>

namespace screener {

bool is_ticker_symbol(std::string_view symbol);
// Upper-cased copy with surrounding white space removed (not validated).
std::string normalize_symbol(std::string_view text);

} // namespace screener
