#pragma once
// The weekly write-up (docs/weekly.md, "AI write-up"): the week's figures as labelled facts, a
// prompt asking for {"summary": "...", "observations": ["...", ...]} written only from them, the
// same grounding check as the pick analyses (every number one of the facts' figures, every
// ticker one of the facts' symbols, no banned phrasing), one corrective call, and a templated
// write-up built from the facts when the model's answer fails twice.

#include "screener/ai/grounded_call.hpp"
#include "screener/ai/prompt.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace screener::ai {

struct FactSection {
    std::string title;
    std::vector<Fact> facts;
};

// The week as the model sees it. Numbers are written the way the validator reads them
// (percentages with %, money with $); every figure of a label or text may be quoted.
class WeekFacts {
public:
    // Starts a section; the facts added next belong to it.
    void section(std::string title);
    void add(std::string label, std::string text);
    void add_symbol(const std::string& symbol);

    const std::vector<FactSection>& sections() const { return m_sections; }
    const std::vector<std::string>& symbols() const { return m_symbols; }
    // The figures of every label and text (a percentage also as a fraction) and the dates.
    std::vector<double> numbers() const;
    std::vector<std::string> dates() const;

private:
    std::vector<FactSection> m_sections;
    std::vector<std::string> m_symbols;
};

struct WeeklyWriteup {
    std::string summary;
    std::vector<std::string> observations;
    bool templated = false; // built from the facts, not written by the model
};

std::string weekly_system_prompt();
std::string weekly_user_prompt(const std::string& as_of, const WeekFacts& facts);

struct WriteupValidation {
    bool ok = false;
    std::vector<std::string> problems;
    WeeklyWriteup writeup; // parsed (when ok)
};

// Checks the model's answer: the JSON object asked for (a non-empty summary, observations a list
// of strings), and every text grounded in the facts.
WriteupValidation validate_writeup(std::string_view text, const WeekFacts& facts,
                                   const std::string& as_of, double relative_tolerance);

// The fallback: the facts themselves, a section per observation, marked templated.
WeeklyWriteup templated_writeup(const WeekFacts& facts);

// JSON text of a write-up and back (the database keeps it as JSON); DataError on other text.
std::string writeup_json(const WeeklyWriteup& writeup);
WeeklyWriteup parse_writeup_json(const std::string& text);

struct WriteupSettings {
    ClientSettings client;
    ModelPrice price;
    double daily_budget_usd = 1.0;
    double number_tolerance = 0.005;
};

// A write-up stored earlier today for the same input (the cache).
struct StoredWriteup {
    std::int64_t id = 0;
    std::string model;
    std::string validation;
    WeeklyWriteup writeup;
};

struct WriteupServices : CallServices {
    std::function<std::optional<StoredWriteup>(const std::string& input_hash,
                                               std::chrono::system_clock::time_point since)>
        cached;
};

struct WriteupOutcome : CallOutcome {
    std::optional<WeeklyWriteup> writeup; // set when Analysed or Cached
};

// Cache -> budget -> call -> validation -> one corrective call -> templated write-up. Never throws
// for API failures; the services' exceptions pass.
WriteupOutcome write_weekly(const WriteupSettings& settings, const WriteupServices& services,
                            const WeekFacts& facts, const std::string& as_of);

} // namespace screener::ai
