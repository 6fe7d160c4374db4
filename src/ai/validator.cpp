#include "screener/ai/validator.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <rapidjson/document.h>
#include <set>

namespace screener::ai {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

// YYYY-MM-DD at `i`.
bool date_at(std::string_view text, std::size_t i) {
    if (i + 10 > text.size()) {
        return false;
    }
    for (std::size_t k = 0; k < 10; ++k) {
        const char c = text[i + k];
        if ((k == 4 || k == 7) ? c != '-' : !is_digit(c)) {
            return false;
        }
    }
    return i + 10 == text.size() || !is_digit(text[i + 10]);
}

// Abbreviations of the trade and common capitalised words that are not tickers.
const std::set<std::string, std::less<>>& not_tickers() {
    static const std::set<std::string, std::less<>> words = {
        "IV",   "IVR",   "IVP",  "HV",   "POP",  "OTM", "ITM",  "ATM",  "NTM",   "ET",   "EST",
        "EDT",  "PT",    "UTC",  "GMT",  "DTE",  "EV",  "ROC",  "ROI",  "ROR",   "USD",  "US",
        "USA",  "ETF",   "ETFS", "CSP",  "CC",   "BPS", "BCS",  "IC",   "OI",    "PNL",  "PL",
        "API",  "JSON",  "EPS",  "FOMC", "CPI",  "PPI", "FED",  "GDP",  "AI",    "OK",   "AM",
        "PM",   "NYSE",  "SEC",  "YOY",  "QOQ",  "NA",  "IMO",  "NOT",  "NO",    "AND",  "OR",
        "THE",  "BUT",   "IF",   "AT",   "ON",   "IN",  "TO",   "OF",   "BE",    "IS",   "IT",
        "AS",   "BY",    "AN",   "HIGH", "LOW",  "BUY", "SELL", "PUT",  "PUTS",  "CALL", "CALLS",
        "LONG", "SHORT", "NOTE", "RISK", "ONLY", "ALL", "ANY",  "VERY", "MAX",   "MIN",  "AVG",
        "SMA",  "EMA",   "RSI",  "MACD", "ATR",  "BS",  "BSM",  "LEAP", "LEAPS", "OCC",  "CEO",
        "CFO",  "FY",    "TTM",  "YTD",  "MTD",  "BID", "ASK",  "MID",  "NAV",   "IPO",  "DCF",
        "PE",   "EOD",   "TBD",  "FAQ",  "NB",   "PS",  "ETA",  "EPS",  "QE",    "WARN"};
    return words;
}

const std::vector<std::string>& banned_list() {
    static const std::vector<std::string> phrases = {
        // guarantees and certainty
        "guarantee", "risk-free", "risk free", "riskless", "no risk", "zero risk", "without risk",
        "can't lose", "cannot lose", "can not lose", "sure thing", "free money", "certain profit",
        "surefire", "sure-fire",
        // personal advice
        "you should", "you must", "i recommend", "we recommend", "i would recommend", "i suggest",
        "we suggest", "i advise", "we advise", "my advice", "buy now", "act now"};
    return phrases;
}

// Lower-case, with typographic apostrophes read as plain ones ("can\u2019t lose").
std::string lower(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.substr(i, 3) == "\xe2\x80\x99") {
            out.push_back('\'');
            i += 2;
            continue;
        }
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    }
    return out;
}

std::string number_shown(const TextNumber& n) {
    return n.written;
}

} // namespace

std::vector<std::string> extract_dates(std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 10 <= text.size(); ++i) {
        if ((i == 0 || !is_digit(text[i - 1])) && date_at(text, i)) {
            out.emplace_back(text.substr(i, 10));
            i += 9;
        }
    }
    return out;
}

std::vector<TextNumber> extract_numbers(std::string_view text) {
    std::vector<TextNumber> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const bool starts =
            is_digit(text[i]) || (text[i] == '.' && i + 1 < text.size() && is_digit(text[i + 1]));
        if (!starts) {
            ++i;
            continue;
        }
        // Part of a word or identifier (IV30, HV20, AVGO261127P00290000, Q3): not a figure.
        if (i > 0 && (is_alpha(text[i - 1]) || is_digit(text[i - 1]) || text[i - 1] == '_')) {
            // Past the whole identifier; a '.' inside it (P23.5) is stepped over, not looped on.
            do {
                ++i;
            } while (i < text.size() && (is_digit(text[i]) || is_alpha(text[i])));
            continue;
        }
        if (date_at(text, i)) {
            i += 10;
            continue;
        }
        std::size_t begin = i;
        std::string digits;
        while (i < text.size()) {
            if (is_digit(text[i])) {
                digits.push_back(text[i++]);
            } else if (text[i] == ',' && !digits.empty() && i + 3 < text.size() &&
                       is_digit(text[i + 1]) && is_digit(text[i + 2]) && is_digit(text[i + 3]) &&
                       (i + 4 >= text.size() || !is_digit(text[i + 4]))) {
                ++i; // thousands separator
            } else {
                break;
            }
        }
        int decimals = 0;
        if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
            digits.push_back(text[i++]);
            while (i < text.size() && is_digit(text[i])) {
                digits.push_back(text[i++]);
                ++decimals;
            }
        }
        TextNumber n;
        n.decimals = decimals;
        n.value = std::strtod(digits.c_str(), nullptr);
        std::size_t before = begin;
        if (before > 0 && (text[before - 1] == '-' || text[before - 1] == '+')) {
            --before;
        }
        if (before > 0 && text[before - 1] == '$') {
            n.dollars = true;
            --before;
        }
        std::size_t after = i;
        while (after < text.size() && text[after] == ' ') {
            ++after;
        }
        if (after < text.size() && text[after] == '%') {
            n.percent = true;
            i = after + 1;
        } else if (text.substr(after, 7) == "percent") {
            n.percent = true;
            i = after + 7;
        }
        n.written = std::string(text.substr(before, i - before));
        out.push_back(std::move(n));
    }
    return out;
}

bool number_matches(const TextNumber& number, double input, double relative_tolerance) {
    const double a = std::fabs(input);
    const double v = number.value;
    const double scale = std::pow(10.0, number.decimals);
    const double rounded = std::round(a * scale) / scale;
    if (std::fabs(rounded - v) <= 1e-9 * std::max(1.0, v)) {
        return true;
    }
    return std::fabs(v - a) <= relative_tolerance * a;
}

std::vector<std::string> extract_tickers(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_alpha(text[i]) && !is_digit(text[i])) {
            ++i;
            continue;
        }
        const bool cashtag = i > 0 && text[i - 1] == '$';
        const bool inside_word =
            i > 0 && (text[i - 1] == '_' || text[i - 1] == '-' || text[i - 1] == '\'');
        const std::size_t begin = i;
        while (i < text.size() && (is_alpha(text[i]) || is_digit(text[i]))) {
            ++i;
        }
        std::string word(text.substr(begin, i - begin));
        // A class suffix: BRK.B
        if (i + 1 < text.size() && text[i] == '.' && is_upper(text[i + 1]) &&
            (i + 2 >= text.size() || !is_alpha(text[i + 2]))) {
            word += text.substr(i, 2);
            i += 2;
        }
        const bool has_digit = std::any_of(word.begin(), word.end(), is_digit);
        const std::string_view letters = std::string_view(word).substr(0, word.find('.'));
        const bool all_upper =
            !letters.empty() && std::all_of(letters.begin(), letters.end(), is_upper);
        if (has_digit || !all_upper || inside_word) {
            continue;
        }
        if (cashtag) {
            if (letters.size() <= 5) {
                out.push_back(word);
            }
            continue;
        }
        if (letters.size() < 2 || letters.size() > 5 || not_tickers().count(letters) != 0) {
            continue;
        }
        out.push_back(word);
    }
    return out;
}

std::vector<std::string> banned_phrases(std::string_view text) {
    const std::string haystack = lower(text);
    std::vector<std::string> out;
    for (const auto& phrase : banned_list()) {
        for (std::size_t pos = haystack.find(phrase); pos != std::string::npos;
             pos = haystack.find(phrase, pos + 1)) {
            // Whole words at the start ("no risk" is not in "piano risk").
            if (pos == 0 || !is_alpha(haystack[pos - 1])) {
                out.push_back(phrase);
                break;
            }
        }
    }
    return out;
}

bool parse_answer_object(std::string_view text, rapidjson::Document& doc) {
    const auto open = text.find('{');
    const auto close = text.rfind('}');
    return open != std::string_view::npos && close != std::string_view::npos && close > open &&
           !doc.Parse(text.data() + open, close - open + 1).HasParseError() && doc.IsObject();
}

Grounding make_grounding(std::vector<double> numbers, std::set<std::string> dates,
                         std::set<std::string> symbols) {
    Grounding g;
    g.numbers = std::move(numbers);
    for (const auto& date : dates) {
        if (date.size() == 10) {
            g.numbers.push_back(std::strtod(date.substr(0, 4).c_str(), nullptr));
            g.numbers.push_back(std::strtod(date.substr(8, 2).c_str(), nullptr));
        }
    }
    g.dates = std::move(dates);
    g.symbols = std::move(symbols);
    return g;
}

std::vector<std::string> grounding_problems(std::string_view where, std::string_view text,
                                            const Grounding& grounding, double relative_tolerance) {
    std::vector<std::string> problems;
    for (const auto& n : extract_numbers(text)) {
        const bool count = !n.percent && !n.dollars && n.decimals == 0 && n.value <= 10;
        const bool known =
            std::any_of(grounding.numbers.begin(), grounding.numbers.end(),
                        [&](double x) { return number_matches(n, x, relative_tolerance); });
        if (!count && !known) {
            problems.push_back(fmt::format("{}: the number {} is not among the facts given", where,
                                           number_shown(n)));
        }
    }
    for (const auto& d : extract_dates(text)) {
        if (grounding.dates.count(d) == 0) {
            problems.push_back(
                fmt::format("{}: the date {} is not among the facts given", where, d));
        }
    }
    for (const auto& t : extract_tickers(text)) {
        if (grounding.symbols.count(t) == 0) {
            problems.push_back(fmt::format("{}: {} {}", where, t, grounding.unknown_symbol));
        }
    }
    for (const auto& phrase : banned_phrases(text)) {
        problems.push_back(fmt::format("{}: banned phrasing \"{}\"", where, phrase));
    }
    return problems;
}

Validation validate_answer(std::string_view text, const std::vector<PickFacts>& picks,
                           const std::string& as_of, double relative_tolerance) {
    Validation result;
    auto& problems = result.problems;
    rapidjson::Document doc;
    if (!parse_answer_object(text, doc)) {
        problems.push_back("the answer is not the JSON object asked for");
        return result;
    }
    const auto list = doc.FindMember("analyses");
    if (list == doc.MemberEnd() || !list->value.IsArray()) {
        problems.push_back("the JSON object has no \"analyses\" array");
        return result;
    }

    std::vector<double> numbers;
    std::set<std::string> dates = {as_of};
    std::set<std::string> symbols;
    for (const auto& pick : picks) {
        numbers.insert(numbers.end(), pick.numbers.begin(), pick.numbers.end());
        dates.insert(pick.dates.begin(), pick.dates.end());
        symbols.insert(pick.symbol);
    }
    const Grounding grounding =
        make_grounding(std::move(numbers), std::move(dates), std::move(symbols));

    std::map<int, const PickFacts*> by_rank;
    for (const auto& pick : picks) {
        by_rank[pick.rank] = &pick;
    }
    std::set<int> seen;
    static const std::set<std::string> verdicts = {"favourable", "neutral", "unfavourable"};
    static const std::set<std::string> confidences = {"low", "medium", "high"};
    for (const auto& item : list->value.GetArray()) {
        if (!item.IsObject()) {
            problems.push_back("an entry of \"analyses\" is not an object");
            continue;
        }
        const auto str = [&](const char* name) -> std::optional<std::string> {
            const auto it = item.FindMember(name);
            if (it == item.MemberEnd() || !it->value.IsString()) {
                return std::nullopt;
            }
            return std::string(it->value.GetString(), it->value.GetStringLength());
        };
        const auto rank_it = item.FindMember("rank");
        const int rank =
            rank_it != item.MemberEnd() && rank_it->value.IsInt() ? rank_it->value.GetInt() : 0;
        const auto pick = by_rank.find(rank);
        if (pick == by_rank.end()) {
            problems.push_back(fmt::format("an analysis has rank {}, which is not a pick", rank));
            continue;
        }
        const std::string where = fmt::format("rank {} ({})", rank, pick->second->symbol);
        if (!seen.insert(rank).second) {
            problems.push_back(where + ": analysed twice");
            continue;
        }
        PickAnalysis a;
        a.rank = rank;
        a.symbol = str("symbol").value_or("");
        if (a.symbol != pick->second->symbol) {
            problems.push_back(fmt::format("{}: symbol is '{}', expected '{}'", where, a.symbol,
                                           pick->second->symbol));
        }
        a.verdict = str("verdict").value_or("");
        if (verdicts.count(a.verdict) == 0) {
            problems.push_back(fmt::format(
                "{}: verdict '{}' is not favourable, neutral or unfavourable", where, a.verdict));
        }
        a.confidence = str("confidence").value_or("");
        if (confidences.count(a.confidence) == 0) {
            problems.push_back(
                fmt::format("{}: confidence '{}' is not low, medium or high", where, a.confidence));
        }
        a.thesis = str("thesis").value_or("");
        if (a.thesis.empty()) {
            problems.push_back(where + ": the thesis is missing");
        }
        const auto risks = item.FindMember("risks");
        if (risks == item.MemberEnd() || !risks->value.IsArray()) {
            problems.push_back(where + ": risks is not a list");
        } else {
            for (const auto& risk : risks->value.GetArray()) {
                if (risk.IsString()) {
                    a.risks.emplace_back(risk.GetString(), risk.GetStringLength());
                } else {
                    problems.push_back(where + ": a risk is not a string");
                }
            }
        }

        std::vector<std::pair<std::string, std::string>> texts = {{"thesis", a.thesis}};
        for (const auto& risk : a.risks) {
            texts.emplace_back("risks", risk);
        }
        for (const auto& [field, body] : texts) {
            auto found =
                grounding_problems(where + " " + field, body, grounding, relative_tolerance);
            problems.insert(problems.end(), found.begin(), found.end());
        }
        result.analyses.push_back(std::move(a));
    }
    for (const auto& pick : picks) {
        if (seen.count(pick.rank) == 0) {
            problems.push_back(
                fmt::format("rank {} ({}): no analysis given", pick.rank, pick.symbol));
        }
    }
    std::sort(result.analyses.begin(), result.analyses.end(),
              [](const PickAnalysis& x, const PickAnalysis& y) { return x.rank < y.rank; });
    result.ok = problems.empty();
    return result;
}

} // namespace screener::ai
