#include "screener/core/redact.hpp"

#include <array>
#include <cctype>

namespace screener {
namespace {

// Lower-case markers that precede a secret. "api_token=" is caught by "token=".
constexpr std::array<std::string_view, 6> k_markers = {
    "token=", "apikey=", "api_key=", "bearer ", "basic ", "x-api-key:"};

bool starts_with_nocase(std::string_view text, std::size_t pos, std::string_view prefix) {
    if (text.size() - pos < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[pos + i])) != prefix[i]) {
            return false;
        }
    }
    return true;
}

bool ends_secret(char c) {
    return c == '&' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ',' || c == ';' ||
           std::isspace(static_cast<unsigned char>(c)) != 0;
}

} // namespace

std::string redact_credentials(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t marker = 0;
        for (const auto m : k_markers) {
            if (starts_with_nocase(text, i, m)) {
                marker = m.size();
                break;
            }
        }
        if (marker == 0) {
            out += text[i++];
            continue;
        }
        out.append(text.substr(i, marker));
        i += marker;
        while (i < text.size() && text[i] == ' ') { // "x-api-key: value"
            out += text[i++];
        }
        const std::size_t secret = i;
        while (i < text.size() && !ends_secret(text[i])) {
            ++i;
        }
        if (i > secret) {
            out += "***";
        }
    }
    return out;
}

} // namespace screener
