#include "screener/core/symbol.hpp"

#include <algorithm>

namespace screener {

bool is_ticker_symbol(std::string_view symbol) {
    const auto alnum = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    return !symbol.empty() && symbol.size() <= 12 && alnum(symbol.front()) &&
           std::all_of(symbol.begin(), symbol.end(),
                       [&](char c) { return alnum(c) || c == '.' || c == '-'; });
}

std::string normalize_symbol(std::string_view text) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && space(text.back())) {
        text.remove_suffix(1);
    }
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    return out;
}

} // namespace screener
