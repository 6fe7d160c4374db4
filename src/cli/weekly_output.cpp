#include "weekly_output.hpp"

#include "json_fields.hpp"
#include "screener/core/date.hpp"

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace screener::cli {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

std::string percent(double fraction) {
    return fmt::format("{:.1f}%", 100 * fraction);
}

} // namespace

std::string render_weekly_text(const pipeline::WeeklyReport& r) {
    std::string out;
    const auto& g = r.grading;
    out += fmt::format("weekly pass, as of {} ({}), run {}\n", format_date(r.as_of),
                       outcome_status(r.outcome), r.run_id);
    if (r.scan) {
        out +=
            fmt::format("  scan: {} symbols screened, {} failed, {} opportunities stored\n",
                        r.scan->symbols_screened, r.scan->symbols_failed, r.scan->results.size());
    } else {
        out += "  scan: skipped (--no-scan)\n";
    }
    out += fmt::format("\nGrading: {} pick(s) without a final grade\n", g.picks);
    out += fmt::format("  graded at expiry {}, still open {}, no settlement close {} ({} final), "
                       "history unavailable {}\n",
                       g.graded, g.open, g.no_data, g.no_data_final, g.failed);
    for (const auto& [outcome, count] : g.outcomes) {
        out += fmt::format("    {:<18} {}\n", outcome, count);
    }
    for (const auto& e : g.errors) {
        out += fmt::format("  ! {}: {}\n", e.symbol, e.message);
    }

    out += fmt::format("\nCalibration of picks made since {} (graded, one per distinct trade)\n",
                       format_date(r.since));
    if (r.calibration.empty()) {
        out += "  no graded picks yet\n";
    }
    for (const auto& c : r.calibration) {
        out += fmt::format("  {} / {}: {} picks, PoP {} predicted vs {} won, Brier {:.4f}, "
                           "return on capital {} predicted vs {} realised\n",
                           c.profile, c.strategy, c.picks, percent(c.mean_pop), percent(c.win_rate),
                           c.brier, c.mean_predicted_roc ? percent(*c.mean_predicted_roc) : "n/a",
                           percent(c.mean_realized_roc));
        for (const auto& b : c.buckets) {
            out += fmt::format("      PoP {:>3.0f}-{:<3.0f}% {:>5} picks  predicted {:>6}  "
                               "won {:>6}  95% CI {}-{}\n",
                               100 * b.lo, 100 * b.hi, b.picks, percent(b.mean_pop),
                               percent(b.win_rate), percent(b.ci_lo), percent(b.ci_hi));
        }
    }

    const auto& s = r.summary;
    out += fmt::format("\nThe week ({} to {}): {} runs: {} ok, {} degraded, {} failed, {} "
                       "interrupted; {} symbol failures; {} opportunities; ${:.2f} cost\n",
                       s.from.substr(0, 10), s.to.substr(0, 10), s.runs, s.ok, s.degraded, s.failed,
                       s.interrupted, s.symbols_failed, s.opportunities, s.cost_usd);
    for (const auto& p : s.spend) {
        out += fmt::format("  {:<18} {:>6} calls ({} cached) {:>10.0f} credits  ${:.2f}\n",
                           p.provider, p.calls, p.cache_hits, p.credits, p.cost_usd);
    }
    if (!s.recurring.empty()) {
        out += "  recurring candidates (runs that ranked them):\n";
        for (const auto& c : s.recurring) {
            out += fmt::format("    {:<6} {:<17} {} {:<20} {} runs, best rank {}, best score "
                               "{:.4f}\n",
                               c.symbol, c.strategy, c.expiration, c.legs, c.runs, c.best_rank,
                               c.best_score);
        }
    }
    out += "\nAI write-up: ";
    if (!r.writeup) {
        out += fmt::format("skipped ({})\n", r.writeup_note);
    } else if (!r.writeup->writeup) {
        out += fmt::format("{}: {}\n", ai::to_string(r.writeup->status), r.writeup->reason);
    } else {
        const auto& w = *r.writeup->writeup;
        out +=
            fmt::format("{}, {}{}, model {}, ${:.4f}\n", ai::to_string(r.writeup->status),
                        r.writeup->validation, w.templated ? " (templated from the figures)" : "",
                        r.writeup->model, r.writeup->cost_usd);
        out += fmt::format("  {}\n", w.summary);
        for (const auto& o : w.observations) {
            out += fmt::format("  - {}\n", o);
        }
    }
    if (!r.message.empty()) {
        out += fmt::format("\n{}: {}\n", outcome_status(r.outcome), r.message);
    }
    return out;
}

std::string render_weekly_json(const pipeline::WeeklyReport& r) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    write_integer(w, "run_id", r.run_id);
    write_text(w, "as_of", format_date(r.as_of));
    write_text(w, "since", format_date(r.since));
    write_text(w, "status", outcome_status(r.outcome));
    write_integer(w, "exit_code", exit_code(r.outcome));
    write_text(w, "message", r.message);
    write_number(w, "duration_s", r.duration_s);
    w.Key("scan");
    if (r.scan) {
        w.StartObject();
        write_text(w, "status", outcome_status(r.scan->outcome));
        write_integer(w, "symbols_screened", r.scan->symbols_screened);
        write_integer(w, "symbols_failed", r.scan->symbols_failed);
        write_integer(w, "opportunities", static_cast<std::int64_t>(r.scan->results.size()));
        w.EndObject();
    } else {
        w.Null();
    }
    const auto& g = r.grading;
    w.Key("grading");
    w.StartObject();
    write_integer(w, "picks", g.picks);
    write_integer(w, "graded", g.graded);
    write_integer(w, "open", g.open);
    write_integer(w, "no_data", g.no_data);
    write_integer(w, "no_data_final", g.no_data_final);
    write_integer(w, "failed", g.failed);
    w.Key("outcomes");
    w.StartObject();
    for (const auto& [outcome, count] : g.outcomes) {
        write_integer(w, outcome.c_str(), count);
    }
    w.EndObject();
    w.Key("errors");
    w.StartArray();
    for (const auto& e : g.errors) {
        w.StartObject();
        write_text(w, "symbol", e.symbol);
        write_text(w, "message", e.message);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    w.Key("calibration");
    w.StartArray();
    for (const auto& c : r.calibration) {
        w.StartObject();
        write_text(w, "profile", c.profile);
        write_text(w, "strategy", c.strategy);
        write_integer(w, "picks", c.picks);
        write_integer(w, "wins", c.wins);
        write_number(w, "mean_pop", c.mean_pop);
        write_number(w, "win_rate", c.win_rate);
        write_number(w, "brier", c.brier);
        write_number(w, "mean_predicted_roc", c.mean_predicted_roc);
        write_number(w, "mean_realized_roc", c.mean_realized_roc);
        w.Key("buckets");
        w.StartArray();
        for (const auto& b : c.buckets) {
            w.StartObject();
            write_number(w, "lo", b.lo);
            write_number(w, "hi", b.hi);
            write_integer(w, "picks", b.picks);
            write_integer(w, "wins", b.wins);
            write_number(w, "mean_pop", b.mean_pop);
            write_number(w, "win_rate", b.win_rate);
            write_number(w, "ci_lo", b.ci_lo);
            write_number(w, "ci_hi", b.ci_hi);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();

    const auto& s = r.summary;
    w.Key("week");
    w.StartObject();
    write_text(w, "from", s.from);
    write_text(w, "to", s.to);
    write_integer(w, "runs", s.runs);
    write_integer(w, "ok", s.ok);
    write_integer(w, "degraded", s.degraded);
    write_integer(w, "failed", s.failed);
    write_integer(w, "interrupted", s.interrupted);
    write_integer(w, "symbols_failed", s.symbols_failed);
    write_integer(w, "opportunities", s.opportunities);
    write_number(w, "cost_usd", s.cost_usd);
    w.Key("providers");
    w.StartArray();
    for (const auto& p : s.spend) {
        w.StartObject();
        write_text(w, "provider", p.provider);
        write_integer(w, "calls", p.calls);
        write_integer(w, "cache_hits", p.cache_hits);
        write_number(w, "credits", p.credits);
        write_number(w, "cost_usd", p.cost_usd);
        w.EndObject();
    }
    w.EndArray();
    w.Key("recurring");
    w.StartArray();
    for (const auto& c : s.recurring) {
        w.StartObject();
        write_text(w, "symbol", c.symbol);
        write_text(w, "strategy", c.strategy);
        write_text(w, "expiration", c.expiration);
        write_text(w, "legs", c.legs);
        write_integer(w, "runs", c.runs);
        write_integer(w, "best_rank", c.best_rank);
        write_number(w, "best_score", c.best_score);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    w.Key("writeup");
    w.StartObject();
    const auto* outcome = r.writeup ? &*r.writeup : nullptr;
    const auto* writeup = outcome && outcome->writeup ? &*outcome->writeup : nullptr;
    write_text(w, "status", outcome ? ai::to_string(outcome->status) : "skipped");
    write_text(w, "reason", outcome ? outcome->reason : r.writeup_note);
    write_text(w, "validation", outcome ? outcome->validation : "");
    write_text(w, "model", outcome ? outcome->model : "");
    write_number(w, "cost_usd", outcome ? outcome->cost_usd : 0.0);
    write_integer(w, "calls", outcome ? outcome->calls : 0);
    w.Key("templated");
    w.Bool(writeup && writeup->templated);
    w.Key("summary");
    if (writeup) {
        w.String(writeup->summary.c_str(),
                 static_cast<rapidjson::SizeType>(writeup->summary.size()));
    } else {
        w.Null();
    }
    w.Key("observations");
    w.StartArray();
    if (writeup) {
        for (const auto& o : writeup->observations) {
            w.String(o.c_str(), static_cast<rapidjson::SizeType>(o.size()));
        }
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

} // namespace screener::cli
