#include "screener/ai/weekly_writeup.hpp"

#include "screener/ai/validator.hpp"
#include "screener/core/error.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <set>

namespace screener::ai {

void WeekFacts::section(std::string title) {
    m_sections.push_back({std::move(title), {}});
}

void WeekFacts::add(std::string label, std::string text) {
    if (m_sections.empty()) {
        section("The week");
    }
    m_sections.back().facts.push_back({std::move(label), std::move(text)});
}

void WeekFacts::add_symbol(const std::string& symbol) {
    if (std::find(m_symbols.begin(), m_symbols.end(), symbol) == m_symbols.end()) {
        m_symbols.push_back(symbol);
    }
}

std::vector<double> WeekFacts::numbers() const {
    std::vector<double> out;
    for (const auto& s : m_sections) {
        std::vector<std::string> texts = {s.title};
        for (const auto& f : s.facts) {
            texts.push_back(f.label);
            texts.push_back(f.text);
        }
        for (const auto& text : texts) {
            for (const auto& n : extract_numbers(text)) {
                out.push_back(n.value);
                if (n.percent) {
                    out.push_back(n.value / 100.0); // 65.8% may be written 0.658
                }
            }
        }
    }
    return out;
}

std::vector<std::string> WeekFacts::dates() const {
    std::vector<std::string> out;
    for (const auto& s : m_sections) {
        const auto in_title = extract_dates(s.title);
        out.insert(out.end(), in_title.begin(), in_title.end());
        for (const auto& f : s.facts) {
            for (const auto* text : {&f.label, &f.text}) {
                const auto found = extract_dates(*text);
                out.insert(out.end(), found.begin(), found.end());
            }
        }
    }
    return out;
}

std::string weekly_system_prompt() {
    return "You write the weekly review of an options screener for an experienced trader who "
           "decides on his own. You are given the week's figures: its runs, the grading of past "
           "picks against what the market did, the calibration of the screener's predicted "
           "probability of profit (PoP) against realised win rates, the recurring candidates "
           "and the spend. Use ONLY these facts: do not state any number, date or ticker that "
           "is not in them, do not compute new figures, and do not mention other companies or "
           "tickers. Never promise outcomes: no guarantees, nothing is risk-free, and give no "
           "personal advice (no \"you should\", no recommendations to the reader); describe "
           "what the figures show, including where the predictions and the outcomes differ.\n"
           "Answer with one JSON object and nothing else, of this shape:\n"
           "{\"summary\": \"<two to four sentences>\", \"observations\": [\"<one observation "
           "per item, at most six>\"]}";
}

std::string weekly_user_prompt(const std::string& as_of, const WeekFacts& facts) {
    std::string out = fmt::format("Weekly pass as of the {} close.\n", as_of);
    for (const auto& s : facts.sections()) {
        out += fmt::format("\n{}:\n", s.title);
        for (const auto& f : s.facts) {
            out += fmt::format("- {}: {}\n", f.label, f.text);
        }
    }
    return out;
}

WriteupValidation validate_writeup(std::string_view text, const WeekFacts& facts,
                                   const std::string& as_of, double relative_tolerance) {
    WriteupValidation result;
    auto& problems = result.problems;
    rapidjson::Document doc;
    if (!parse_answer_object(text, doc)) {
        problems.push_back("the answer is not the JSON object asked for");
        return result;
    }
    const auto summary = doc.FindMember("summary");
    if (summary == doc.MemberEnd() || !summary->value.IsString() ||
        summary->value.GetStringLength() == 0) {
        problems.push_back("the JSON object has no \"summary\" text");
    } else {
        result.writeup.summary.assign(summary->value.GetString(), summary->value.GetStringLength());
    }
    const auto list = doc.FindMember("observations");
    if (list == doc.MemberEnd() || !list->value.IsArray()) {
        problems.push_back("the JSON object has no \"observations\" array");
    } else {
        for (const auto& item : list->value.GetArray()) {
            if (item.IsString()) {
                result.writeup.observations.emplace_back(item.GetString(), item.GetStringLength());
            } else {
                problems.push_back("an entry of \"observations\" is not a string");
            }
        }
    }

    const auto dates = facts.dates();
    std::set<std::string> known_dates(dates.begin(), dates.end());
    known_dates.insert(as_of);
    const auto& symbols = facts.symbols();
    Grounding grounding =
        make_grounding(facts.numbers(), std::move(known_dates), {symbols.begin(), symbols.end()});
    grounding.unknown_symbol = "is not one of the symbols in the facts";
    const auto check = [&](const std::string& where, const std::string& body) {
        auto found = grounding_problems(where, body, grounding, relative_tolerance);
        problems.insert(problems.end(), found.begin(), found.end());
    };
    check("summary", result.writeup.summary);
    for (std::size_t i = 0; i < result.writeup.observations.size(); ++i) {
        check(fmt::format("observation {}", i + 1), result.writeup.observations[i]);
    }
    result.ok = problems.empty();
    return result;
}

WeeklyWriteup templated_writeup(const WeekFacts& facts) {
    WeeklyWriteup out;
    out.templated = true;
    out.summary = "The week's figures as the screener computed them (no model-written summary).";
    for (const auto& s : facts.sections()) {
        std::vector<std::string> parts;
        for (const auto& f : s.facts) {
            parts.push_back(fmt::format("{} {}", f.label, f.text));
        }
        out.observations.push_back(fmt::format(
            "{}: {}", s.title, parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "; "))));
    }
    return out;
}

std::string writeup_json(const WeeklyWriteup& writeup) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    const auto string = [&](const std::string& text) {
        w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    };
    w.StartObject();
    w.Key("summary");
    string(writeup.summary);
    w.Key("observations");
    w.StartArray();
    for (const auto& o : writeup.observations) {
        string(o);
    }
    w.EndArray();
    w.Key("templated");
    w.Bool(writeup.templated);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

WeeklyWriteup parse_writeup_json(const std::string& text) {
    rapidjson::Document doc;
    if (doc.Parse(text.c_str(), text.size()).HasParseError() || !doc.IsObject()) {
        throw DataError("stored weekly write-up is not a JSON object");
    }
    WeeklyWriteup out;
    const auto summary = doc.FindMember("summary");
    const auto list = doc.FindMember("observations");
    if (summary == doc.MemberEnd() || !summary->value.IsString() || list == doc.MemberEnd() ||
        !list->value.IsArray()) {
        throw DataError("stored weekly write-up lacks summary or observations");
    }
    out.summary.assign(summary->value.GetString(), summary->value.GetStringLength());
    for (const auto& item : list->value.GetArray()) {
        if (!item.IsString()) {
            throw DataError("stored weekly write-up has an observation that is not text");
        }
        out.observations.emplace_back(item.GetString(), item.GetStringLength());
    }
    const auto templated = doc.FindMember("templated");
    out.templated =
        templated != doc.MemberEnd() && templated->value.IsBool() && templated->value.GetBool();
    return out;
}

WriteupOutcome write_weekly(const WriteupSettings& settings, const WriteupServices& services,
                            const WeekFacts& facts, const std::string& as_of) {
    WriteupOutcome outcome;
    outcome.model = settings.client.model;
    const std::string system = weekly_system_prompt();
    const std::string user = weekly_user_prompt(as_of, facts);
    outcome.input_hash = input_hash(settings.client.model, system, user);

    if (services.cached) {
        const auto day_start = budget_day_start(std::chrono::system_clock::now());
        if (auto stored = services.cached(outcome.input_hash, day_start)) {
            outcome.status = AnalysisStatus::Cached;
            outcome.model = stored->model;
            outcome.validation = stored->validation;
            outcome.cached_from = stored->id;
            outcome.writeup = std::move(stored->writeup);
            return outcome;
        }
    }

    WeeklyWriteup accepted;
    const auto check = [&](const std::string& text) {
        WriteupValidation validation =
            validate_writeup(text, facts, as_of, settings.number_tolerance);
        if (!validation.ok) {
            return validation.problems;
        }
        accepted = std::move(validation.writeup);
        return std::vector<std::string>{};
    };
    call_checked(settings.client, settings.price, settings.daily_budget_usd, services, system, user,
                 check, outcome);
    if (outcome.status == AnalysisStatus::Analysed) {
        outcome.writeup =
            outcome.validation == "templated" ? templated_writeup(facts) : std::move(accepted);
    }
    return outcome;
}

} // namespace screener::ai
