#pragma once
// What the model is told: the top picks of a run as structured facts (only figures the screener
// computed), the system prompt asking for one JSON object per pick, and the input hash that keys
// the same-day cache. The same facts build the templated summary when the model's answer fails
// validation twice.

#include "screener/core/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace screener::ai {

// One fact as shown to the model: a label and its text. Numbers are written the way the
// validator reads them (percentages with %, money with $).
struct Fact {
    std::string label;
    std::string text;
};

struct PickFacts {
    int rank = 0;
    std::string symbol;
    std::string strategy;
    std::vector<Fact> facts; // in prompt order
    // The figures a model may quote, as numbers (percent facts also as fractions).
    std::vector<double> numbers;
    std::vector<std::string> dates; // YYYY-MM-DD
};

// Facts of a ranked candidate: strategy, legs, expiry, DTE, credit/debit, breakevens, PoP, max
// profit/loss (per share and per contract), returns, IV, IV rank, flags, earnings date,
// data-quality grade.
PickFacts pick_facts(const Candidate& candidate);

// Version of the prompt and answer format; part of the input hash, so a new prompt is not
// served answers written for the old one.
inline constexpr int k_prompt_version = 1;

std::string system_prompt();
// The user message: the as-of date and every pick's facts.
std::string user_prompt(const std::string& as_of, const std::vector<PickFacts>& picks);
// The follow-up after a rejected answer, quoting what was wrong.
std::string correction_prompt(const std::vector<std::string>& problems);

// Hex digest (128 bits, FNV-1a based: a cache key, not a security measure) of the model, the
// prompt version, the system prompt and the user prompt.
std::string input_hash(const std::string& model, const std::string& system,
                       const std::string& user);

// One pick's analysis, from the model or templated from the facts.
struct PickAnalysis {
    int rank = 0;
    std::string symbol;
    std::string verdict; // favourable | neutral | unfavourable
    std::string thesis;
    std::vector<std::string> risks;
    std::string confidence; // low | medium | high
    bool templated = false; // built from the facts, not written by the model
};

// The fallback: a neutral, low-confidence summary of each pick's own facts, marked templated.
PickAnalysis templated_analysis(const Candidate& candidate);

// JSON text of analyses and back (the database keeps them as JSON).
std::string analyses_json(const std::vector<PickAnalysis>& analyses);
std::string analysis_json(const PickAnalysis& analysis);
// Throws DataError on text that is not such an array.
std::vector<PickAnalysis> parse_analyses_json(const std::string& text);

} // namespace screener::ai
