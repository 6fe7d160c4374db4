#pragma once
// The grounding check of the model's answer (docs/ai.md, "Validator"): it must be the JSON shape
// asked for, one object per pick; every number in its text must be one of the input figures
// within the tolerance; every ticker must be one of the picks; banned phrasing (guarantees,
// "risk-free", personal advice) is refused.

#include "screener/ai/prompt.hpp"

#include <optional>
#include <rapidjson/document.h>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace screener::ai {

// A number as written in text, normalised: "$1,234.50" -> 1234.5, "65.8%" -> 65.8 (percent),
// "-0.17" -> 0.17 (signs are dropped: "a loss of $7" and "-7" state the same figure).
struct TextNumber {
    std::string written; // as in the text
    double value = 0;
    int decimals = 0; // digits after the point as written
    bool percent = false;
    bool dollars = false;
};

// The numbers of `text`, skipping those inside words or identifiers (IV30, HV20, an OCC option
// symbol) and dates, which are listed apart.
std::vector<TextNumber> extract_numbers(std::string_view text);
std::vector<std::string> extract_dates(std::string_view text);

// Whether `number` states `input`: equal once `input` is rounded to the decimals written, or
// within `relative_tolerance` of it. A percentage also matches a fraction input (65.8% ~ 0.658)
// and a plain number a percent input written as a fraction (0.658 ~ 65.8%).
bool number_matches(const TextNumber& number, double input, double relative_tolerance);

// Words that look like tickers: $CASHTAGS, and all-capital words of 2-5 letters (optionally
// with a .B class suffix) that are not common abbreviations of the trade (IV, OTM, ET, DTE,
// ...). "PoP" is not all capitals and is never a ticker.
std::vector<std::string> extract_tickers(std::string_view text);

// The banned phrases found in `text` (lower-case, as listed in docs/ai.md).
std::vector<std::string> banned_phrases(std::string_view text);

// The JSON object of a model's answer: from its first '{' to its last '}' (a ```json fence or a
// sentence around it is ignored); false when that is not a JSON object.
bool parse_answer_object(std::string_view text, rapidjson::Document& doc);

// What an answer may state: the facts' figures, dates and tickers.
struct Grounding {
    std::vector<double> numbers;
    std::set<std::string> dates;
    std::set<std::string> symbols;
    std::string unknown_symbol = "is not one of the picks"; // how another ticker is reported
};

// A grounding of these facts; a date's year and day are figures too ("December 18, 2026").
Grounding make_grounding(std::vector<double> numbers, std::set<std::string> dates,
                         std::set<std::string> symbols);

// The problems of one text of an answer, each starting with `where`: a number that is not one
// of the figures within the tolerance (small whole numbers 0-10 without %, $ or decimals pass
// as counts), a date or ticker not in the facts, banned phrasing.
std::vector<std::string> grounding_problems(std::string_view where, std::string_view text,
                                            const Grounding& grounding, double relative_tolerance);

struct Validation {
    bool ok = false;
    std::vector<std::string> problems;  // one line each, quoted back to the model
    std::vector<PickAnalysis> analyses; // parsed, in rank order (when ok)
};

// Checks the model's answer against the picks it was given. Small whole numbers (0-10, no %,
// $ or decimals) pass as counts.
Validation validate_answer(std::string_view text, const std::vector<PickFacts>& picks,
                           const std::string& as_of, double relative_tolerance);

} // namespace screener::ai
