#include "output.hpp"

#include "screener/core/error.hpp"

#include <cmath>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace screener::cli {
namespace {

constexpr int k_json_schema_version = 1;

std::string join_flags(const std::vector<std::string>& flags, const char* separator) {
    return fmt::format("{}", fmt::join(flags, separator));
}

std::string percent(double fraction) {
    return fmt::format("{:.1f}%", fraction * 100.0);
}

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

// Round to a fixed number of decimals so the JSON shows 2.35, not 2.3500000000000001.
double rounded(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

template <typename Writer>
void write_number(Writer& w, const char* key, double value, int decimals = 6) {
    w.Key(key);
    if (std::isfinite(value)) {
        w.Double(rounded(value, decimals));
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
void write_candidate(Writer& w, const Candidate& c) {
    w.StartObject();
    w.Key("rank");
    w.Int(c.rank);
    write_string(w, "symbol", c.symbol);
    write_string(w, "strategy", c.strategy);
    write_string(w, "expiration", format_date(c.expiration));
    w.Key("dte");
    w.Int(c.dte);
    write_number(w, "strike", c.strike, 4);
    write_number(w, "underlying_price", c.underlying_price, 4);
    write_number(w, "bid", c.bid, 4);
    write_number(w, "ask", c.ask, 4);
    write_number(w, "mid", c.mid, 4);
    write_number(w, "premium", c.premium, 4);
    write_number(w, "spread_pct", c.spread_pct);
    write_number(w, "delta", c.delta);
    write_number(w, "iv", c.iv);
    write_number(w, "open_interest", c.open_interest, 0);
    write_number(w, "collateral", c.collateral, 4);
    write_number(w, "breakeven", c.breakeven, 4);
    write_number(w, "max_profit", c.max_profit, 4);
    w.Key("max_loss");
    if (c.max_loss) {
        w.Double(rounded(*c.max_loss, 4));
    } else {
        w.Null();
    }
    write_number(w, "pop", c.pop);
    write_number(w, "return_on_capital", c.return_on_capital);
    write_number(w, "annualized_return", c.annualized_return);
    write_number(w, "score", c.score);
    w.Key("flags");
    w.StartArray();
    for (const auto& flag : c.flags) {
        w.String(flag.c_str());
    }
    w.EndArray();
    w.Key("legs");
    w.StartArray();
    for (const auto& leg : c.legs) {
        w.StartObject();
        write_string(w, "kind",
                     leg.is_stock                  ? "stock"
                     : leg.type == OptionType::Put ? "put"
                                                   : "call");
        write_string(w, "option_symbol", leg.option_symbol);
        w.Key("quantity");
        w.Int(leg.quantity);
        if (!leg.is_stock) {
            write_number(w, "strike", leg.strike, 4);
            write_string(w, "expiration", format_date(leg.expiration));
        }
        w.EndObject();
    }
    w.EndArray();
    // The metrics object is embedded as JSON, not as a string, so consumers can query it.
    w.Key("metrics");
    rapidjson::Document metrics;
    if (!c.metrics_json.empty() && !metrics.Parse(c.metrics_json.c_str()).HasParseError()) {
        metrics.Accept(w);
    } else {
        w.Null();
    }
    w.EndObject();
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
        out += fmt::format("{:>3}  {:<6} {:<16} {:<10} {:>4} {:>8} {:>8} {:>6} {:>6} {:>6} "
                           "{:>6} {:>6} {:>7}  {}\n",
                           "#", "SYMBOL", "STRATEGY", "EXPIRY", "DTE", "STRIKE", "SPOT", "BID",
                           "DELTA", "IV", "POP", "ROC", "ANN", "FLAGS");
        for (const auto& c : report.results) {
            std::string row = fmt::format(
                "{:>3}  {:<6} {:<16} {:<10} {:>4} {:>8.2f} {:>8.2f} {:>6.2f} {:>6.2f} {:>6} "
                "{:>6} {:>6} {:>7}  {}",
                c.rank, c.symbol, c.strategy, format_date(c.expiration), c.dte, c.strike,
                c.underlying_price, c.premium, c.delta, percent(c.iv), percent(c.pop),
                fmt::format("{:.2f}%", c.return_on_capital * 100.0), percent(c.annualized_return),
                join_flags(c.flags, ","));
            row.erase(row.find_last_not_of(' ') + 1);
            out += row + "\n";
        }
        out += "\nBID: premium at the bid per share (x100 per contract). POP: probability of "
               "profit at expiry,\nN(d2) at the breakeven. ROC: bid / collateral (strike for "
               "puts, spot for buy-writes);\nANN: ROC x 365 / DTE, simple.\n";
    }
    if (!report.errors.empty()) {
        out += fmt::format("\n{} error(s):\n", report.errors.size());
        for (const auto& e : report.errors) {
            out += fmt::format("  {} [{}] {}\n", e.symbol, e.stage, e.message);
        }
    }
    out += fmt::format("\n{}: screened {} of {} symbols ({} in universe), {} failed, {} "
                       "opportunities, {:.2f} s",
                       outcome_status(report.outcome), report.symbols_screened,
                       report.symbols_total, report.universe_size, report.symbols_failed,
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
    w.Key("opportunities");
    w.Int(static_cast<int>(report.results.size()));
    w.EndObject();
    w.Key("rejections");
    w.StartObject();
    for (const auto& [reason, count] : report.rejections) {
        w.Key(reason.c_str());
        w.Int(count);
    }
    w.EndObject();
    write_number(w, "duration_s", report.duration_s, 3);
    write_number(w, "cost_usd", report.cost_usd, 6);
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
    w.Key("results");
    w.StartArray();
    for (const auto& c : report.results) {
        write_candidate(w, c);
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString()) + "\n";
}

std::string render_csv(const pipeline::ScanReport& report) {
    std::string out = "rank,symbol,strategy,expiration,dte,strike,underlying_price,bid,ask,mid,"
                      "premium,spread_pct,delta,iv,open_interest,collateral,breakeven,max_profit,"
                      "max_loss,pop,return_on_capital,annualized_return,score,flags,as_of,"
                      "profile,execution_id\n";
    for (const auto& c : report.results) {
        out += fmt::format(
            "{},{},{},{},{},{:.2f},{:.4f},{:.2f},{:.2f},{:.4f},{:.2f},{:.6f},{:.6f},"
            "{:.6f},{:.0f},{:.4f},{:.4f},{:.4f},{},{:.6f},{:.6f},{:.6f},{:.6f},{},{},"
            "{},{}\n",
            c.rank, csv_field(c.symbol), c.strategy, format_date(c.expiration), c.dte, c.strike,
            c.underlying_price, c.bid, c.ask, c.mid, c.premium, c.spread_pct, c.delta, c.iv,
            c.open_interest, c.collateral, c.breakeven, c.max_profit,
            c.max_loss ? fmt::format("{:.4f}", *c.max_loss) : std::string(), c.pop,
            c.return_on_capital, c.annualized_return, c.score, csv_field(join_flags(c.flags, ";")),
            format_date(report.as_of), csv_field(report.profile), report.execution_id);
    }
    return out;
}

} // namespace screener::cli
