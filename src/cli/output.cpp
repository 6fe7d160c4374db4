#include "output.hpp"

#include "json_fields.hpp"
#include "screener/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <set>
#include <utility>

namespace screener::cli {
namespace {

// 2: multi-leg results (legs with action and quotes, fill_price, breakevens, nullable returns).
constexpr int k_json_schema_version = 2;

// --- text helpers -----------------------------------------------------------------------------

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (const char c : text) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

// The shortest text that reads back to the same double (CSV, legs strings); empty when not
// finite or absent.
std::string exact(double value) {
    return std::isfinite(value) ? fmt::format("{}", value) : std::string();
}

std::string exact(std::optional<double> value) {
    return value ? exact(*value) : std::string();
}

// A strike as a trader writes it: 180, 182.5, 7.25.
std::string strike_text(double strike) {
    if (!std::isfinite(strike)) {
        return "?";
    }
    if (strike == std::floor(strike) && std::fabs(strike) < 1e15) {
        return fmt::format("{:.0f}", strike);
    }
    return fmt::format("{}", strike);
}

std::string fixed(double value, int decimals, const char* missing = "-") {
    return std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : std::string(missing);
}

std::string percent(double fraction) {
    return std::isfinite(fraction) ? fmt::format("{:.1f}%", fraction * 100.0) : std::string("-");
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
    return fmt::format("{}", fmt::join(parts, separator));
}

bool is_sell(const Leg& leg) {
    return leg.quantity < 0;
}

// The AI's analysis of the result ranked `rank`, if it has one.
const ai::PickAnalysis* analysis_of(const pipeline::ScanReport& report, int rank) {
    if (!report.ai) {
        return nullptr;
    }
    for (const auto& analysis : report.ai->analyses) {
        if (analysis.rank == rank) {
            return &analysis;
        }
    }
    return nullptr;
}

// "accepted", "accepted_on_retry", "templated", with "(cached)" when reused.
std::string validation_text(const pipeline::ScanReport& report) {
    if (!report.ai) {
        return {};
    }
    return report.ai->validation + (report.ai->cached_from ? " (cached)" : "");
}

// --- JSON -------------------------------------------------------------------------------------

// Run-level figures that are informational (durations, costs): a fixed number of decimals so
// the JSON shows 0.41, not 0.41000000000000003.
template <typename Writer>
void write_rounded(Writer& w, const char* key, double value, int decimals) {
    w.Key(key);
    if (std::isfinite(value)) {
        const double scale = std::pow(10.0, decimals);
        w.Double(std::round(value * scale) / scale);
    } else {
        w.Null();
    }
}

template <typename Writer>
void write_string(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

template <typename Writer>
void write_leg(Writer& w, const Leg& leg, double underlying_price) {
    w.StartObject();
    write_string(w, "action", is_sell(leg) ? "sell" : "buy");
    if (leg.is_stock) {
        write_string(w, "type", "stock");
        w.Key("quantity");
        w.Int(std::abs(leg.quantity)); // shares
        write_number(w, "price", underlying_price);
    } else {
        write_string(w, "type", leg.type == OptionType::Put ? "put" : "call");
        write_number(w, "strike", leg.strike);
        write_number(w, "bid", leg.bid);
        write_number(w, "ask", leg.ask);
        write_number(w, "mid", leg.mid);
        write_number(w, "iv", leg.iv);
        write_number(w, "delta", leg.delta);
        w.Key("quantity");
        w.Int(std::abs(leg.quantity)); // contracts
        write_string(w, "option_symbol", leg.option_symbol);
    }
    w.EndObject();
}

template <typename Writer>
void write_analysis(Writer& w, const pipeline::ScanReport& report, const ai::PickAnalysis* a) {
    w.Key("ai_analysis");
    if (a == nullptr) {
        w.Null();
        return;
    }
    w.StartObject();
    write_string(w, "verdict", a->verdict);
    write_string(w, "thesis", a->thesis);
    w.Key("risks");
    w.StartArray();
    for (const auto& risk : a->risks) {
        w.String(risk.c_str(), static_cast<rapidjson::SizeType>(risk.size()));
    }
    w.EndArray();
    write_string(w, "confidence", a->confidence);
    w.Key("templated");
    w.Bool(a->templated);
    write_string(w, "model", report.ai->model);
    write_string(w, "validation", report.ai->validation);
    w.Key("cached");
    w.Bool(report.ai->cached_from.has_value());
    w.EndObject();
}

template <typename Writer>
void write_candidate(Writer& w, const Candidate& c, const pipeline::ScanReport& report) {
    w.StartObject();
    w.Key("rank");
    w.Int(c.rank);
    write_string(w, "symbol", c.symbol);
    write_string(w, "strategy", c.strategy);
    write_string(w, "expiration", format_date(c.expiration));
    w.Key("dte");
    w.Int(c.dte);
    write_number(w, "t_years", c.t_years);
    write_number(w, "underlying_price", c.underlying_price);
    write_number(w, "rate", c.rate);
    write_number(w, "dividend_yield", c.dividend_yield);
    w.Key("legs");
    w.StartArray();
    for (const auto& leg : c.legs) {
        write_leg(w, leg, c.underlying_price);
    }
    w.EndArray();
    write_number(w, "fill_price", c.fill_price);
    w.Key("is_credit");
    w.Bool(c.is_credit);
    write_number(w, "mid_price", c.mid_price);
    w.Key("breakevens");
    w.StartArray();
    for (const double breakeven : c.breakevens) {
        write_double(w, breakeven);
    }
    w.EndArray();
    write_number(w, "pop", c.pop);
    write_number(w, "max_profit", c.max_profit);
    write_number(w, "max_loss", c.max_loss);
    write_number(w, "collateral", c.collateral);
    write_number(w, "return_on_capital", c.return_on_capital);
    write_number(w, "return_on_capital_annualized", c.return_on_capital_annualized);
    write_number(w, "return_on_risk", c.return_on_risk);
    // Summary of the short leg (the bought leg of a long option), as in the table.
    write_number(w, "strike", c.strike);
    write_number(w, "delta", c.delta);
    write_number(w, "iv", c.iv);
    write_number(w, "spread_pct", c.spread_pct);
    write_number(w, "open_interest", c.open_interest);
    write_number(w, "score", c.score);
    w.Key("flags");
    w.StartArray();
    for (const auto& flag : c.flags) {
        w.String(flag.c_str(), static_cast<rapidjson::SizeType>(flag.size()));
    }
    w.EndArray();
    w.Key("sector");
    if (c.sector.empty()) {
        w.Null();
    } else {
        w.String(c.sector.c_str(), static_cast<rapidjson::SizeType>(c.sector.size()));
    }
    // The metrics object is embedded as JSON, not as a string, so consumers can query it.
    w.Key("metrics");
    rapidjson::Document metrics;
    if (!c.metrics_json.empty() && !metrics.Parse(c.metrics_json.c_str()).HasParseError()) {
        metrics.Accept(w);
    } else {
        w.Null();
    }
    write_analysis(w, report, analysis_of(report, c.rank));
    w.EndObject();
}

// The run's AI step: what happened, with its model, tokens and cost.
template <typename Writer>
void write_ai_run(Writer& w, const pipeline::ScanReport& report) {
    w.Key("ai");
    w.StartObject();
    if (!report.ai) {
        write_string(w, "status", "off");
        write_string(w, "reason", report.ai_note);
        w.EndObject();
        return;
    }
    const auto& ai = *report.ai;
    write_string(w, "status", ai::to_string(ai.status));
    write_string(w, "reason", ai.reason);
    write_string(w, "model", ai.model);
    write_string(w, "validation", ai.validation);
    w.Key("analysed");
    w.Int(static_cast<int>(ai.analyses.size()));
    w.Key("calls");
    w.Int(ai.calls);
    w.Key("input_tokens");
    w.Int64(ai.usage.input_tokens);
    w.Key("output_tokens");
    w.Int64(ai.usage.output_tokens);
    w.Key("cache_write_tokens");
    w.Int64(ai.usage.cache_write_tokens);
    w.Key("cache_read_tokens");
    w.Int64(ai.usage.cache_read_tokens);
    write_rounded(w, "cost_usd", ai.cost_usd, 6);
    w.Key("cached");
    w.Bool(ai.cached_from.has_value());
    w.Key("problems");
    w.StartArray();
    for (const auto& problem : ai.problems) {
        w.String(problem.c_str(), static_cast<rapidjson::SizeType>(problem.size()));
    }
    w.EndArray();
    w.EndObject();
}

// --- table ------------------------------------------------------------------------------------

std::string short_strategy(const std::string& strategy) {
    static const std::map<std::string, std::string> names = {
        {"cash_secured_put", "CSP"}, {"covered_call", "CC"}, {"bull_put_spread", "BPS"},
        {"bear_call_spread", "BCS"}, {"iron_condor", "IC"},  {"long_call", "LC"},
        {"long_put", "LP"}};
    const auto it = names.find(strategy);
    return it == names.end() ? strategy : it->second;
}

// "180P", "175/180P", "170/175P 200/205C", "190C" (a covered call's stock leg is not shown).
std::string strikes_text(const std::vector<Leg>& legs) {
    std::vector<double> puts, calls;
    for (const Leg& leg : legs) {
        if (!leg.is_stock) {
            (leg.type == OptionType::Put ? puts : calls).push_back(leg.strike);
        }
    }
    std::vector<std::string> groups;
    for (auto [strikes, suffix] : {std::pair{&puts, "P"}, std::pair{&calls, "C"}}) {
        if (strikes->empty()) {
            continue;
        }
        std::sort(strikes->begin(), strikes->end());
        std::vector<std::string> parts;
        for (const double strike : *strikes) {
            parts.push_back(strike_text(strike));
        }
        groups.push_back(join(parts, "/") + suffix);
    }
    return groups.empty() ? std::string("-") : join(groups, " ");
}

// Short codes for the flags the strategies raise; anything else is shown by name.
const std::map<std::string, std::pair<std::string, std::string>>& flag_codes() {
    static const std::map<std::string, std::pair<std::string, std::string>> codes = {
        {"earnings_before_expiry", {"E", "earnings before expiry"}},
        {"ex_dividend_before_expiry", {"D", "ex-dividend before expiry"}},
        {"early_assignment_risk", {"A", "early assignment risk"}},
        {"below_t_bill", {"T", "return below T-bills"}},
        {"iv_solved_from_mid", {"S", "IV solved from the mid"}},
        {"held_lot", {"H", "written against a held lot"}},
        {"no_history_volatility", {"V", "no historical volatility"}},
        {"wide_spread", {"W", "wide bid-ask spread"}},
        {"vendor_disagreement", {"X", "vendors disagree on this symbol's quotes"}},
    };
    return codes;
}

std::string flags_text(const std::vector<std::string>& flags, std::set<std::string>& used) {
    std::vector<std::string> parts;
    for (const auto& flag : flags) {
        const auto it = flag_codes().find(flag);
        if (it == flag_codes().end()) {
            parts.push_back(flag);
        } else {
            parts.push_back(it->second.first);
            used.insert(flag);
        }
    }
    return join(parts, ",");
}

// metrics.iv_rank (0-100): a number, or an object with a numeric "value".
std::string iv_rank_text(const std::string& metrics_json) {
    if (metrics_json.empty()) {
        return "-";
    }
    rapidjson::Document doc;
    if (doc.Parse(metrics_json.c_str()).HasParseError() || !doc.IsObject()) {
        return "-";
    }
    const auto it = doc.FindMember("iv_rank");
    if (it == doc.MemberEnd()) {
        return "-";
    }
    const rapidjson::Value* value = &it->value;
    if (value->IsObject()) {
        const auto inner = value->FindMember("value");
        if (inner == value->MemberEnd()) {
            return "-";
        }
        value = &inner->value;
    }
    return value->IsNumber() ? fixed(value->GetDouble(), 0) : std::string("-");
}

struct TableColumn {
    const char* header;
    bool right_aligned;
    std::size_t min_width = 0;
};

// Pads every column to its widest cell, two spaces apart; trailing blanks trimmed.
std::string render_columns(const std::vector<TableColumn>& columns,
                           const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& column : columns) {
        widths.push_back(std::max(column.min_width, std::string(column.header).size()));
    }
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i > 0) {
                out += "  ";
            }
            const std::string& cell = i < cells.size() ? cells[i] : std::string();
            out += columns[i].right_aligned ? fmt::format("{:>{}}", cell, widths[i])
                                            : fmt::format("{:<{}}", cell, widths[i]);
        }
        out.erase(out.find_last_not_of(' ') + 1);
        return out + "\n";
    };
    std::vector<std::string> headers;
    for (const auto& column : columns) {
        headers.emplace_back(column.header);
    }
    std::string out = line(headers);
    for (const auto& row : rows) {
        out += line(row);
    }
    return out;
}

std::vector<std::string> table_row(const Candidate& c, std::set<std::string>& used_flags) {
    std::vector<std::string> breakevens;
    for (const double breakeven : c.breakevens) {
        breakevens.push_back(fixed(breakeven, 2, "?"));
    }
    return {
        std::to_string(c.rank),
        c.symbol,
        short_strategy(c.strategy),
        format_date(c.expiration),
        std::to_string(c.dte),
        strikes_text(c.legs),
        fixed(c.fill_price, 2, "?") + (c.is_credit ? " cr" : " db"),
        breakevens.empty() ? std::string("-") : join(breakevens, "/"),
        percent(c.pop),
        c.max_loss ? fixed(*c.max_loss, 2) : std::string("unl"),
        c.return_on_capital_annualized ? percent(*c.return_on_capital_annualized)
                                       : std::string("-"),
        iv_rank_text(c.metrics_json),
        flags_text(c.flags, used_flags),
        fixed(c.score, 4),
    };
}

// --- CSV --------------------------------------------------------------------------------------

// "sell put 180 @2.1; buy put 175 @0.95": each leg at its natural price (bid for a sold leg,
// ask for a bought one); a stock leg as "buy stock 100 @190.25" at the underlying price.
std::string legs_text(const Candidate& c) {
    std::vector<std::string> parts;
    for (const Leg& leg : c.legs) {
        const char* action = is_sell(leg) ? "sell" : "buy";
        if (leg.is_stock) {
            parts.push_back(fmt::format("{} stock {} @{}", action, std::abs(leg.quantity),
                                        exact(c.underlying_price)));
        } else {
            parts.push_back(
                fmt::format("{} {} {} @{}", action, leg.type == OptionType::Put ? "put" : "call",
                            exact(leg.strike), exact(is_sell(leg) ? leg.bid : leg.ask)));
        }
    }
    return join(parts, "; ");
}

} // namespace

OutputFormat parse_output_format(const std::string& text) {
    if (text == "table") {
        return OutputFormat::Table;
    }
    if (text == "json") {
        return OutputFormat::Json;
    }
    if (text == "csv") {
        return OutputFormat::Csv;
    }
    throw ConfigError(fmt::format("--output {}: expected table, json or csv", text));
}

std::string render_table(const pipeline::ScanReport& report, const std::string& database) {
    std::string out = fmt::format("screener scan | profile {} | as of {} | data: {}\n",
                                  report.profile, format_date(report.as_of), report.data_source);
    if (report.synthetic) {
        out += "SYNTHETIC SAMPLE MARKET: simulated prices for demonstration, not real quotes.\n";
    }
    out += "\n";
    if (report.results.empty()) {
        out += "No candidate passed the profile's filters.\n";
    } else {
        static const std::vector<TableColumn> columns = {
            {"#", true, 3},   {"SYMBOL", false},  {"STRAT", false}, {"EXPIRY", false},
            {"DTE", true},    {"STRIKES", false}, {"PRICE", true},  {"BREAKEVEN", true},
            {"POP", true},    {"MAX LOSS", true}, {"RETURN", true}, {"IVR", true},
            {"FLAGS", false}, {"SCORE", true}};
        std::set<std::string> used_flags;
        std::vector<std::vector<std::string>> rows;
        for (const auto& c : report.results) {
            rows.push_back(table_row(c, used_flags));
        }
        // Each analysed pick's analysis goes on indented lines under its row.
        const std::string table = render_columns(columns, rows);
        std::size_t line_start = 0;
        for (std::size_t row = 0; line_start < table.size(); ++row) {
            const std::size_t line_end = table.find('\n', line_start) + 1;
            out += table.substr(line_start, line_end - line_start);
            line_start = line_end;
            if (row == 0 || row > report.results.size()) {
                continue; // the header
            }
            if (const auto* a = analysis_of(report, report.results[row - 1].rank)) {
                out += fmt::format("      AI{}: {}, confidence {}. {}\n",
                                   a->templated ? " (templated)" : "", a->verdict, a->confidence,
                                   a->thesis);
                if (!a->risks.empty()) {
                    out += fmt::format("      Risks: {}\n", join(a->risks, " | "));
                }
            }
        }
        out += "\nPer share (x100 per contract). PRICE: the conservative fill, cr = credit "
               "received, db = debit paid.\nPOP: probability the stock ends past every "
               "breakeven on the profitable side (lognormal, short leg's IV).\nMAX LOSS: unl = "
               "unlimited. RETURN: annualized simple return on capital; - for long options.\n"
               "IVR: IV rank (0-100) of the 30-day ATM IV over the stored history.\n";
        if (!used_flags.empty()) {
            std::vector<std::string> legend;
            for (const auto& flag : used_flags) {
                const auto& [code, meaning] = flag_codes().at(flag);
                legend.push_back(code + " " + meaning);
            }
            out += "FLAGS: " + join(legend, ", ") + ".\n";
        }
    }
    if (report.ai) {
        const auto& ai = *report.ai;
        if (ai.analyses.empty()) {
            out += fmt::format("\nAI analysis: {}: {}\n", ai::to_string(ai.status), ai.reason);
        } else {
            out += fmt::format("\nAI analysis of the top {} by {}: {}, {} call(s), {} input / {} "
                               "output tokens, ${:.4f}{}\n",
                               ai.analyses.size(), ai.model, validation_text(report), ai.calls,
                               ai.usage.input_tokens, ai.usage.output_tokens, ai.cost_usd,
                               ai.validation == "templated"
                                   ? " (the model's answers were rejected: summaries are "
                                     "templated from the screener's figures)"
                                   : "");
        }
    }
    if (!report.errors.empty()) {
        out += fmt::format("\n{} error(s):\n", report.errors.size());
        for (const auto& e : report.errors) {
            out += fmt::format("  {} [{}] {}\n", e.symbol, e.stage, e.message);
        }
    }
    out +=
        fmt::format("\n{}: screened {} of {} symbols ({} in universe), {} failed, {}{} "
                    "opportunities, {:.2f} s",
                    outcome_status(report.outcome), report.symbols_screened, report.symbols_total,
                    report.universe_size, report.symbols_failed,
                    report.symbols_skipped > 0 ? fmt::format("{} skipped, ", report.symbols_skipped)
                                               : std::string(),
                    report.results.size(), report.duration_s);
    out += report.run_id > 0 ? fmt::format("; run {} stored in {}\n", report.run_id, database)
                             : std::string("; dry run, nothing stored\n");
    return out;
}

std::string render_json(const pipeline::ScanReport& report) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("schema_version");
    w.Int(k_json_schema_version);
    // {"run": {...}, "results": [...]}: the run's facts apart from its ranked trades.
    w.Key("run");
    w.StartObject();
    write_string(w, "execution_id", report.execution_id);
    w.Key("run_id");
    if (report.run_id > 0) {
        w.Int64(report.run_id);
    } else {
        w.Null();
    }
    write_string(w, "profile", report.profile);
    write_string(w, "as_of", format_date(report.as_of));
    write_string(w, "data_source", report.data_source);
    w.Key("synthetic");
    w.Bool(report.synthetic);
    write_string(w, "status", outcome_status(report.outcome));
    w.Key("exit_code");
    w.Int(exit_code(report.outcome));
    write_string(w, "message", report.message);
    w.Key("counts");
    w.StartObject();
    w.Key("universe");
    w.Int(report.universe_size);
    w.Key("symbols_total");
    w.Int(report.symbols_total);
    w.Key("symbols_screened");
    w.Int(report.symbols_screened);
    w.Key("symbols_failed");
    w.Int(report.symbols_failed);
    w.Key("symbols_skipped");
    w.Int(report.symbols_skipped);
    w.Key("opportunities");
    w.Int(static_cast<int>(report.results.size()));
    w.Key("trades_measured");
    w.Int64(report.trades_measured);
    w.Key("trades_passed");
    w.Int64(report.trades_passed);
    w.EndObject();
    w.Key("rejections");
    w.StartObject();
    for (const auto& [reason, count] : report.rejections) {
        w.Key(reason.c_str());
        w.Int(count);
    }
    w.EndObject();
    write_string(w, "stop_reason", report.stop_reason);
    w.Key("failovers");
    w.StartArray();
    for (const auto& failover : report.failovers) {
        w.String(failover.c_str(), static_cast<rapidjson::SizeType>(failover.size()));
    }
    w.EndArray();
    w.Key("vendor_disagreements");
    w.StartArray();
    for (const auto& symbol : report.vendor_disagreements) {
        w.String(symbol.c_str(), static_cast<rapidjson::SizeType>(symbol.size()));
    }
    w.EndArray();
    write_rounded(w, "duration_s", report.duration_s, 3);
    write_rounded(w, "cost_usd", report.cost_usd, 6);
    write_ai_run(w, report);
    w.Key("errors");
    w.StartArray();
    for (const auto& e : report.errors) {
        w.StartObject();
        write_string(w, "symbol", e.symbol);
        write_string(w, "stage", e.stage);
        write_string(w, "message", e.message);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject(); // run
    w.Key("results");
    w.StartArray();
    for (const auto& c : report.results) {
        write_candidate(w, c, report);
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString()) + "\n";
}

std::string render_csv(const pipeline::ScanReport& report) {
    std::string out =
        "rank,symbol,strategy,expiration,dte,strike,t_years,underlying_price,rate,"
        "dividend_yield,legs,fill_price,is_credit,mid_price,breakevens,pop,max_profit,max_loss,"
        "collateral,return_on_capital,return_on_capital_annualized,return_on_risk,delta,iv,"
        "spread_pct,open_interest,score,flags,sector,as_of,profile,execution_id,ai_verdict,"
        "ai_confidence,ai_thesis,ai_risks,ai_validation\n";
    for (const auto& c : report.results) {
        std::vector<std::string> breakevens;
        for (const double breakeven : c.breakevens) {
            breakevens.push_back(exact(breakeven));
        }
        std::vector<std::string> fields = {
            std::to_string(c.rank),
            csv_field(c.symbol),
            csv_field(c.strategy),
            format_date(c.expiration),
            std::to_string(c.dte),
            exact(c.strike),
            exact(c.t_years),
            exact(c.underlying_price),
            exact(c.rate),
            exact(c.dividend_yield),
            csv_field(legs_text(c)),
            exact(c.fill_price),
            c.is_credit ? "true" : "false",
            exact(c.mid_price),
            join(breakevens, ";"),
            exact(c.pop),
            exact(c.max_profit),
            exact(c.max_loss),
            exact(c.collateral),
            exact(c.return_on_capital),
            exact(c.return_on_capital_annualized),
            exact(c.return_on_risk),
            exact(c.delta),
            exact(c.iv),
            exact(c.spread_pct),
            exact(c.open_interest),
            exact(c.score),
            csv_field(join(c.flags, ";")),
            csv_field(c.sector),
            format_date(report.as_of),
            csv_field(report.profile),
            csv_field(report.execution_id),
        };
        const auto* a = analysis_of(report, c.rank);
        fields.push_back(a ? csv_field(a->verdict) : std::string());
        fields.push_back(a ? csv_field(a->confidence) : std::string());
        fields.push_back(a ? csv_field(a->thesis) : std::string());
        fields.push_back(a ? csv_field(join(a->risks, " | ")) : std::string());
        fields.push_back(a ? csv_field(validation_text(report)) : std::string());
        out += join(fields, ",") + "\n";
    }
    return out;
}

void print_explain(std::ostream& out, const std::string& symbol,
                   const std::vector<ExplainRow>& rows) {
    // Group by strategy in order of first appearance; notes (no strategy) go last.
    std::vector<std::string> order;
    std::map<std::string, std::vector<const ExplainRow*>> groups;
    std::vector<const ExplainRow*> notes;
    std::size_t strategy_width = 0, trade_width = 0;
    for (const ExplainRow& row : rows) {
        if (row.strategy.empty()) {
            notes.push_back(&row);
            continue;
        }
        auto& group = groups[row.strategy];
        if (group.empty()) {
            order.push_back(row.strategy);
        }
        group.push_back(&row);
        strategy_width = std::max(strategy_width, row.strategy.size());
        trade_width = std::max(trade_width, row.trade.size());
    }
    const std::size_t verdicts = rows.size() - notes.size();
    out << fmt::format("explain {}: {} trade verdict(s) in {} strateg{}\n", symbol, verdicts,
                       order.size(), order.size() == 1 ? "y" : "ies");
    for (const auto& strategy : order) {
        for (const ExplainRow* row : groups[strategy]) {
            std::string line = fmt::format("  {:<{}}  {:<{}}  {}", row->strategy, strategy_width,
                                           row->trade, trade_width, row->verdict);
            line.erase(line.find_last_not_of(' ') + 1);
            out << line << "\n";
        }
    }
    for (const ExplainRow* note : notes) {
        out << "  " << (note->trade.empty() ? "" : note->trade + ": ") << note->verdict << "\n";
    }
}

} // namespace screener::cli
