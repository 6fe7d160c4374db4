#include "screener/ai/prompt.hpp"

#include "screener/ai/validator.hpp"
#include "screener/core/error.hpp"

#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace screener::ai {
namespace {

std::string money(double value) {
    return fmt::format("${:.2f}", value);
}

std::string pct(double fraction) {
    return fmt::format("{:.1f}%", fraction * 100.0);
}

std::string strike_text(double strike) {
    return strike == std::floor(strike) ? fmt::format("{:.0f}", strike) : fmt::format("{}", strike);
}

const char* strategy_name(const std::string& strategy) {
    if (strategy == "cash_secured_put") {
        return "cash-secured put";
    }
    if (strategy == "covered_call") {
        return "covered call";
    }
    if (strategy == "bull_put_spread") {
        return "bull put spread";
    }
    if (strategy == "bear_call_spread") {
        return "bear call spread";
    }
    if (strategy == "iron_condor") {
        return "iron condor";
    }
    if (strategy == "long_call") {
        return "long call";
    }
    if (strategy == "long_put") {
        return "long put";
    }
    return strategy.c_str();
}

// What the screener's metrics object says besides the candidate's own fields.
struct MetricFacts {
    std::optional<double> iv30, iv_rank, hv60, expected_move;
    std::string quality_grade, next_earnings;
};

std::optional<double> number_at(const rapidjson::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd()) {
        return std::nullopt;
    }
    const rapidjson::Value* value = &it->value;
    if (value->IsObject()) {
        const auto inner = value->FindMember("value");
        if (inner == value->MemberEnd()) {
            return std::nullopt;
        }
        value = &inner->value;
    }
    return value->IsNumber() ? std::optional<double>(value->GetDouble()) : std::nullopt;
}

MetricFacts metric_facts(const std::string& metrics_json) {
    MetricFacts out;
    rapidjson::Document doc;
    if (metrics_json.empty() || doc.Parse(metrics_json.c_str()).HasParseError() ||
        !doc.IsObject()) {
        return out;
    }
    out.iv30 = number_at(doc, "iv30");
    out.iv_rank = number_at(doc, "iv_rank");
    out.hv60 = number_at(doc, "hv60");
    out.expected_move = number_at(doc, "expected_move_1sd");
    for (auto [name, target] : {std::pair{"data_quality_grade", &out.quality_grade},
                                std::pair{"next_earnings", &out.next_earnings}}) {
        const auto it = doc.FindMember(name);
        if (it != doc.MemberEnd() && it->value.IsString()) {
            *target = it->value.GetString();
        }
    }
    return out;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash) {
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

void write_string(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& text) {
    w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_analysis(rapidjson::Writer<rapidjson::StringBuffer>& w, const PickAnalysis& a) {
    w.StartObject();
    w.Key("rank");
    w.Int(a.rank);
    w.Key("symbol");
    write_string(w, a.symbol);
    w.Key("verdict");
    write_string(w, a.verdict);
    w.Key("thesis");
    write_string(w, a.thesis);
    w.Key("risks");
    w.StartArray();
    for (const auto& risk : a.risks) {
        write_string(w, risk);
    }
    w.EndArray();
    w.Key("confidence");
    write_string(w, a.confidence);
    w.Key("templated");
    w.Bool(a.templated);
    w.EndObject();
}

} // namespace

PickFacts pick_facts(const Candidate& c) {
    PickFacts out;
    out.rank = c.rank;
    out.symbol = c.symbol;
    out.strategy = c.strategy;
    const auto add = [&](std::string label, std::string text) {
        out.facts.push_back({std::move(label), std::move(text)});
    };
    const auto number = [&](double value) {
        if (std::isfinite(value)) {
            out.numbers.push_back(value);
        }
    };
    const auto percent_number = [&](double fraction) {
        number(fraction);
        number(fraction * 100.0);
    };
    const MetricFacts m = metric_facts(c.metrics_json);

    add("strategy", strategy_name(c.strategy));
    add("underlying price", money(c.underlying_price));
    number(c.underlying_price);
    add("expiry", format_date(c.expiration));
    out.dates.push_back(format_date(c.expiration));
    add("days to expiry", std::to_string(c.dte));
    number(c.dte);
    std::vector<std::string> legs;
    for (const Leg& leg : c.legs) {
        const char* action = leg.quantity < 0 ? "sell" : "buy";
        if (leg.is_stock) {
            legs.push_back(fmt::format("{} {} shares at {}", action, std::abs(leg.quantity),
                                       money(c.underlying_price)));
            number(std::abs(leg.quantity));
            continue;
        }
        legs.push_back(fmt::format(
            "{} {} {} {} (bid {}, ask {}, delta {:.2f}, IV {})", action, std::abs(leg.quantity),
            leg.type == OptionType::Put ? "put" : "call", strike_text(leg.strike), money(leg.bid),
            money(leg.ask), leg.delta, pct(leg.iv)));
        number(leg.strike);
        number(leg.bid);
        number(leg.ask);
        number(leg.mid);
        number(std::fabs(leg.delta));
        percent_number(leg.iv);
    }
    add("legs", fmt::format("{}", fmt::join(legs, "; ")));
    add(c.is_credit ? "net credit" : "net debit",
        fmt::format("{} per share ({} per contract)", money(c.fill_price),
                    money(c.fill_price * 100)));
    number(c.fill_price);
    number(c.fill_price * 100);
    std::vector<std::string> breakevens;
    for (const double b : c.breakevens) {
        breakevens.push_back(money(b));
        number(b);
    }
    add("breakevens", breakevens.empty() ? "none" : fmt::format("{}", fmt::join(breakevens, ", ")));
    add("probability of profit (PoP)", pct(c.pop));
    percent_number(c.pop);
    for (auto [label, value] :
         {std::pair{"max profit", c.max_profit}, std::pair{"max loss", c.max_loss}}) {
        if (value) {
            add(label,
                fmt::format("{} per share ({} per contract)", money(*value), money(*value * 100)));
            number(*value);
            number(*value * 100);
        } else {
            add(label, "unlimited");
        }
    }
    add("capital at risk", fmt::format("{} per share ({} per contract)", money(c.collateral),
                                       money(c.collateral * 100)));
    number(c.collateral);
    number(c.collateral * 100);
    if (c.return_on_capital) {
        add("return on capital (period)", pct(*c.return_on_capital));
        percent_number(*c.return_on_capital);
    }
    if (c.return_on_capital_annualized) {
        add("return on capital (annualized, simple)", pct(*c.return_on_capital_annualized));
        percent_number(*c.return_on_capital_annualized);
    }
    if (c.return_on_risk) {
        add("return on risk", pct(*c.return_on_risk));
        percent_number(*c.return_on_risk);
    }
    add("short leg IV", pct(c.iv));
    percent_number(c.iv);
    if (m.iv30) {
        add("30-day ATM IV (IV30)", pct(*m.iv30));
        percent_number(*m.iv30);
    }
    if (m.hv60) {
        add("60-day historical volatility (HV60)", pct(*m.hv60));
        percent_number(*m.hv60);
    }
    if (m.iv_rank) {
        add("IV rank (0-100)", fmt::format("{:.0f}", *m.iv_rank));
        number(*m.iv_rank);
    } else {
        add("IV rank (0-100)", "unknown (not enough stored IV history)");
    }
    if (m.expected_move) {
        add("expected move to expiry (1 standard deviation)", money(*m.expected_move));
        number(*m.expected_move);
    }
    add("flags", c.flags.empty() ? "none" : fmt::format("{}", fmt::join(c.flags, ", ")));
    if (!m.next_earnings.empty()) {
        add("next earnings date", m.next_earnings);
        out.dates.push_back(m.next_earnings);
    } else {
        add("next earnings date", "none known");
    }
    add("data-quality grade of the option chain",
        m.quality_grade.empty() ? "unknown" : m.quality_grade);
    if (!c.sector.empty()) {
        add("sector", c.sector);
    }
    add("screener score", fmt::format("{:.4f}", c.score));
    number(c.score);
    // The figures exactly as shown, too (the model may copy a rounded one), the numbers of the
    // labels ("30-day ATM IV", "IV rank (0-100)") and the contract multiplier.
    for (const auto& fact : out.facts) {
        for (const auto& shown : extract_numbers(fact.text + " " + fact.label)) {
            number(shown.value);
        }
    }
    number(100);
    return out;
}

std::string system_prompt() {
    return "You review option trades that a screener found, for an experienced trader who "
           "decides on his own. You are given facts about each pick. Use ONLY these facts: "
           "do not state any number, date or ticker that is not in them, do not compute new "
           "figures, and do not mention other companies or tickers. Never promise outcomes: no "
           "guarantees, nothing is risk-free, and give no personal advice (no \"you should\", "
           "no recommendations to the reader); describe the trade's merits and risks.\n"
           "Answer with one JSON object and nothing else, of this shape:\n"
           "{\"analyses\": [{\"rank\": <the pick's rank>, \"symbol\": \"<the pick's "
           "symbol>\", \"verdict\": \"favourable\" | \"neutral\" | \"unfavourable\", "
           "\"thesis\": \"<two or three sentences>\", \"risks\": [\"<one risk per item>\"], "
           "\"confidence\": \"low\" | \"medium\" | \"high\"}]}\n"
           "One object per pick, in the order given.";
}

std::string user_prompt(const std::string& as_of, const std::vector<PickFacts>& picks) {
    std::string out = fmt::format("Data as of the {} close. {} pick(s):\n", as_of, picks.size());
    for (const auto& pick : picks) {
        out += fmt::format("\nPick rank {}: {}\n", pick.rank, pick.symbol);
        for (const auto& fact : pick.facts) {
            out += fmt::format("- {}: {}\n", fact.label, fact.text);
        }
    }
    return out;
}

std::string correction_prompt(const std::vector<std::string>& problems) {
    std::string out = "Your answer was rejected:\n";
    for (const auto& problem : problems) {
        out += "- " + problem + "\n";
    }
    out += "Answer again with the same JSON shape, using only the facts given.";
    return out;
}

std::string input_hash(const std::string& model, const std::string& system,
                       const std::string& user) {
    const std::string text =
        fmt::format("{}\x1f{}\x1f{}\x1f{}", model, k_prompt_version, system, user);
    return fmt::format("{:016x}{:016x}", fnv1a(text, 0xcbf29ce484222325ULL),
                       fnv1a(text, 0x84222325cbf29ce4ULL));
}

PickAnalysis templated_analysis(const Candidate& c) {
    PickAnalysis out;
    out.rank = c.rank;
    out.symbol = c.symbol;
    out.verdict = "neutral";
    out.confidence = "low";
    out.templated = true;
    std::vector<std::string> breakevens;
    for (const double b : c.breakevens) {
        breakevens.push_back(money(b));
    }
    out.thesis = fmt::format(
        "Templated summary from the screener's figures (no model analysis): {} on {} expiring {} "
        "({} DTE), {} {} per share, breakeven {}, PoP {}, max loss {}.",
        strategy_name(c.strategy), c.symbol, format_date(c.expiration), c.dte,
        c.is_credit ? "credit" : "debit", money(c.fill_price),
        breakevens.empty() ? std::string("-") : fmt::format("{}", fmt::join(breakevens, " / ")),
        pct(c.pop), c.max_loss ? money(*c.max_loss) + " per share" : std::string("unlimited"));
    const MetricFacts m = metric_facts(c.metrics_json);
    for (const auto& flag : c.flags) {
        if (flag == "earnings_before_expiry") {
            out.risks.push_back(
                m.next_earnings.empty()
                    ? std::string("Earnings are due before expiry.")
                    : fmt::format("Earnings on {} fall before expiry.", m.next_earnings));
        } else if (flag == "ex_dividend_before_expiry") {
            out.risks.push_back("An ex-dividend date falls before expiry.");
        } else if (flag == "early_assignment_risk") {
            out.risks.push_back("Early assignment risk on a short leg.");
        } else if (flag == "wide_spread") {
            out.risks.push_back("Wide bid-ask spread: fills may be worse than shown.");
        } else if (flag == "vendor_disagreement") {
            out.risks.push_back("The data vendors disagreed on this symbol's quotes.");
        } else if (flag == "below_t_bill") {
            out.risks.push_back("The expected return is below T-bills.");
        } else {
            out.risks.push_back(fmt::format("Flagged: {}.", flag));
        }
    }
    if (!c.max_loss) {
        out.risks.push_back("The loss is not capped.");
    }
    if (out.risks.empty()) {
        out.risks.push_back("The loss at expiry can reach the max loss shown.");
    }
    return out;
}

std::string analysis_json(const PickAnalysis& analysis) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    write_analysis(w, analysis);
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string analyses_json(const std::vector<PickAnalysis>& analyses) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartArray();
    for (const auto& a : analyses) {
        write_analysis(w, a);
    }
    w.EndArray();
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<PickAnalysis> parse_analyses_json(const std::string& text) {
    rapidjson::Document doc;
    if (doc.Parse(text.c_str()).HasParseError() || !doc.IsArray()) {
        throw DataError("stored AI analyses are not a JSON array");
    }
    std::vector<PickAnalysis> out;
    for (const auto& item : doc.GetArray()) {
        if (!item.IsObject()) {
            throw DataError("stored AI analysis is not an object");
        }
        PickAnalysis a;
        const auto get = [&](const char* name) -> std::string {
            const auto it = item.FindMember(name);
            return it != item.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
        };
        const auto rank = item.FindMember("rank");
        a.rank = rank != item.MemberEnd() && rank->value.IsInt() ? rank->value.GetInt() : 0;
        a.symbol = get("symbol");
        a.verdict = get("verdict");
        a.thesis = get("thesis");
        a.confidence = get("confidence");
        const auto risks = item.FindMember("risks");
        if (risks != item.MemberEnd() && risks->value.IsArray()) {
            for (const auto& r : risks->value.GetArray()) {
                if (r.IsString()) {
                    a.risks.emplace_back(r.GetString());
                }
            }
        }
        const auto templated = item.FindMember("templated");
        a.templated = templated != item.MemberEnd() && templated->value.IsBool() &&
                      templated->value.GetBool();
        out.push_back(std::move(a));
    }
    return out;
}

} // namespace screener::ai
