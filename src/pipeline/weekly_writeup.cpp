// The weekly write-up: the week's figures as facts, ai::write_weekly with the store as its
// cache, budget ledger and call log (as the scan's AI step), the outcome stored and reported.
#include "weekly_writeup.hpp"

#include "ai_step.hpp"
#include "screener/core/date.hpp"
#include "screener/core/error.hpp"

#include <fmt/format.h>

namespace screener::pipeline {
namespace {

std::string pct(double fraction) {
    return fmt::format("{:.1f}%", 100 * fraction);
}

} // namespace

ai::WeekFacts week_facts(const WeeklyReport& report) {
    ai::WeekFacts facts;
    const auto& s = report.summary;
    facts.section(
        fmt::format("Runs of the week, {} to {}", s.from.substr(0, 10), s.to.substr(0, 10)));
    facts.add("runs", fmt::format("{} ({} ok, {} degraded, {} failed, {} interrupted)", s.runs,
                                  s.ok, s.degraded, s.failed, s.interrupted));
    facts.add("symbol failures", std::to_string(s.symbols_failed));
    facts.add("opportunities stored", std::to_string(s.opportunities));
    facts.add("cost recorded on the runs", fmt::format("${:.2f}", s.cost_usd));
    if (!s.spend.empty()) {
        facts.section("Spend by provider over the week");
        for (const auto& p : s.spend) {
            facts.add(p.provider, fmt::format("{} calls ({} from cache), {:.0f} credits, ${:.2f}",
                                              p.calls, p.cache_hits, p.credits, p.cost_usd));
        }
    }

    const auto& g = report.grading;
    facts.section("Grading of stored picks in this pass");
    facts.add("picks without a final grade", std::to_string(g.picks));
    facts.add("graded at expiry", std::to_string(g.graded));
    facts.add("still open (marked to market)", std::to_string(g.open));
    facts.add("expired without a settlement close", std::to_string(g.no_data));
    facts.add("not graded (history unavailable)", std::to_string(g.failed));
    for (const auto& [outcome, count] : g.outcomes) {
        facts.add("outcome " + outcome, std::to_string(count));
    }

    facts.section(fmt::format("Calibration of the picks made since {} (graded, one per distinct "
                              "trade)",
                              format_date(report.since)));
    if (report.calibration.empty()) {
        facts.add("graded picks", "none yet");
    }
    for (const auto& c : report.calibration) {
        facts.add(fmt::format("{} / {}", c.profile, c.strategy),
                  fmt::format("{} picks, {} wins, realised win rate {}, mean predicted PoP {}, "
                              "Brier score {:.4f}, return on capital {} predicted vs {} realised",
                              c.picks, c.wins, pct(c.win_rate), pct(c.mean_pop), c.brier,
                              c.mean_predicted_roc ? pct(*c.mean_predicted_roc) : "unknown",
                              pct(c.mean_realized_roc)));
    }

    facts.section("Recurring candidates (trades ranked by two or more runs of the week)");
    if (s.recurring.empty()) {
        facts.add("recurring candidates", "none");
    }
    for (const auto& r : s.recurring) {
        facts.add_symbol(r.symbol);
        facts.add(r.symbol,
                  fmt::format("{} expiring {} ({}), ranked by {} runs, best rank {}, "
                              "best score {:.4f}",
                              r.strategy, r.expiration, r.legs, r.runs, r.best_rank, r.best_score));
    }
    return facts;
}

void write_weekly_summary(const config::Config& config, std::unique_ptr<net::HttpClient>& http,
                          store::Store& db, ops::Logger& logger, WeeklyReport& report) {
    const auto& settings = config.ai;
    report.writeup_note = ai_off_reason(settings);
    if (!report.writeup_note.empty()) {
        logger.info("weekly_writeup_skipped", {{"reason", report.writeup_note}});
        return;
    }
    ai::WriteupSettings writer;
    writer.client = ai_client_settings(settings);
    writer.price = ai_model_price(settings);
    writer.daily_budget_usd = settings.daily_budget_usd;
    writer.number_tolerance = settings.number_tolerance;

    ai::WriteupServices services;
    static_cast<ai::CallServices&>(services) =
        ai_call_services(http, &db, logger, report.run_id, report.cost_usd);
    services.cached =
        [&db](const std::string& hash,
              std::chrono::system_clock::time_point since) -> std::optional<ai::StoredWriteup> {
        const auto stored = db.cached_weekly_writeup(hash, since);
        if (!stored) {
            return std::nullopt;
        }
        try {
            return ai::StoredWriteup{stored->id, stored->model, stored->validation,
                                     ai::parse_writeup_json(stored->writeup_json)};
        } catch (const DataError&) {
            return std::nullopt; // unreadable: ask again
        }
    };
    auto outcome =
        ai::write_weekly(writer, services, week_facts(report), format_date(report.as_of));

    if (outcome.writeup) {
        store::WeeklyWriteupRecord record;
        static_cast<store::AiCallRecord&>(record) = ai_call_record(outcome);
        record.writeup_json = ai::writeup_json(*outcome.writeup);
        db.add_weekly_writeup(report.run_id, record);
    }
    log_ai_outcome(logger, "weekly_writeup", "weekly_writeup_rejected", outcome);
    report.writeup = std::move(outcome);
}

} // namespace screener::pipeline
