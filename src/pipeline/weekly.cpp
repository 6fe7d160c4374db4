#include "screener/pipeline/weekly.hpp"

#include "provider_set.hpp"
#include "screener/core/calendar.hpp"
#include "screener/core/date.hpp"
#include "screener/core/error.hpp"
#include "screener/ops/run_lock.hpp"
#include "screener/review/grading.hpp"
#include "screener/store/sqlite_store.hpp"
#include "weekly_writeup.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <rapidjson/document.h>
#include <set>
#include <thread>
#include <unistd.h>

namespace screener::pipeline {
namespace {

store::PickOutcomeRow outcome_row(std::int64_t result_id, Date as_of,
                                  const review::PickGrade& grade) {
    store::PickOutcomeRow row;
    row.result_id = result_id;
    row.status = review::to_string(grade.status);
    row.outcome = grade.outcome;
    row.as_of = format_date(as_of);
    if (grade.priced_on) {
        row.priced_on = format_date(*grade.priced_on);
    }
    row.underlying = grade.underlying;
    row.pnl_per_share = grade.pnl_per_share;
    row.return_on_capital = grade.return_on_capital;
    row.win = grade.win;
    row.short_strike_touched = grade.short_strike_touched;
    row.detail = grade.detail;
    return row;
}

// Expected P&L per share (real-world, from the pick's metrics) over its collateral.
std::optional<double> predicted_roc(const Candidate& pick) {
    if (!(pick.collateral > 0) || pick.metrics_json.empty()) {
        return std::nullopt;
    }
    rapidjson::Document metrics;
    metrics.Parse(pick.metrics_json.c_str(), pick.metrics_json.size());
    if (metrics.HasParseError() || !metrics.IsObject()) {
        return std::nullopt;
    }
    const auto it = metrics.FindMember("ev_real_world");
    if (it == metrics.MemberEnd() || !it->value.IsNumber()) {
        return std::nullopt;
    }
    return it->value.GetDouble() / pick.collateral;
}

// Grades every pick without a final grade, a symbol's picks from one history request; symbols
// are fetched by `workers` threads.
GradingSummary grade_picks(const config::Config& config, ProviderSet& providers, store::Store& db,
                           std::int64_t run_id, Date as_of, ops::Logger& logger) {
    GradingSummary summary;
    const auto picks = db.ungraded_picks(k_no_data_grace_days);
    summary.picks = static_cast<int>(picks.size());
    std::map<std::string, std::vector<const store::StoredPick*>> by_symbol;
    for (const auto& p : picks) {
        by_symbol[p.pick.symbol].push_back(&p);
    }
    std::vector<std::pair<std::string, std::vector<const store::StoredPick*>>> work(
        by_symbol.begin(), by_symbol.end());

    std::mutex mutex;
    std::atomic<std::size_t> next{0};
    auto grade_symbol = [&](const std::string& symbol,
                            const std::vector<const store::StoredPick*>& group) {
        Date from = as_of;
        bool needs_history = false;
        for (const auto* p : group) {
            const auto picked = parse_date(p->picked_on);
            if (picked) {
                from = std::min(from, *picked);
                needs_history = needs_history || *picked < as_of;
            }
        }
        std::vector<Bar> bars;
        if (needs_history) {
            try {
                bars = providers.history->daily_history(symbol, from, as_of);
            } catch (const StoreError&) {
                throw;
            } catch (const NotFoundError& e) {
                // The vendor has no such symbol (delisted): graded as "no data", not guessed.
                logger.info("grading_no_history", {{"symbol", symbol}, {"reason", e.what()}});
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex);
                summary.failed += static_cast<int>(group.size());
                summary.errors.push_back({symbol, "grading", e.what()});
                logger.warn("grading_failed", {{"symbol", symbol}, {"error", e.what()}});
                return;
            }
        }
        for (const auto* p : group) {
            const Date picked = parse_date(p->picked_on).value_or(as_of);
            const auto grade = review::grade_pick(p->pick, picked, as_of, bars);
            db.record_outcome(run_id, outcome_row(p->result_id, as_of, grade));
            std::lock_guard lock(mutex);
            switch (grade.status) {
            case review::GradeStatus::Graded:
                ++summary.graded;
                ++summary.outcomes[grade.outcome];
                break;
            case review::GradeStatus::Open:
                ++summary.open;
                break;
            case review::GradeStatus::NoData:
                ++summary.no_data;
                if (days_between(review::settlement_session(p->pick.expiration), as_of) >=
                    k_no_data_grace_days) {
                    ++summary.no_data_final;
                }
                break;
            }
        }
    };
    const int workers =
        std::max(1, std::min<int>(config.providers.workers, static_cast<int>(work.size())));
    std::vector<std::thread> threads;
    std::exception_ptr fatal;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            for (std::size_t i = next++; i < work.size(); i = next++) {
                try {
                    grade_symbol(work[i].first, work[i].second);
                } catch (...) {
                    std::lock_guard lock(mutex);
                    if (!fatal) {
                        fatal = std::current_exception();
                    }
                    next = work.size();
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    if (fatal) {
        std::rethrow_exception(fatal);
    }
    std::sort(summary.errors.begin(), summary.errors.end(),
              [](const SymbolError& a, const SymbolError& b) { return a.symbol < b.symbol; });
    return summary;
}

std::string buckets_json(const review::CalibrationGroup& g) {
    std::vector<std::string> items;
    for (const auto& b : g.buckets) {
        items.push_back(fmt::format(R"({{"lo":{},"hi":{},"picks":{},"wins":{},"mean_pop":{},)"
                                    R"("win_rate":{},"ci_lo":{},"ci_hi":{}}})",
                                    b.lo, b.hi, b.picks, b.wins, b.mean_pop, b.win_rate, b.ci_lo,
                                    b.ci_hi));
    }
    return fmt::format("[{}]", fmt::join(items, ","));
}

std::string legs_text(const Candidate& pick) {
    std::vector<std::string> legs;
    for (const auto& leg : pick.legs) {
        if (leg.is_stock) {
            legs.push_back(fmt::format("+{} shares", leg.quantity));
        } else {
            legs.push_back(fmt::format("{}{}{:g}", leg.quantity < 0 ? '-' : '+',
                                       leg.type == OptionType::Put ? 'P' : 'C', leg.strike));
        }
    }
    return fmt::format("{}", fmt::join(legs, "/"));
}

WeeklySummary summarise_week(store::Store& db) {
    using namespace std::chrono;
    WeeklySummary s;
    const auto now = system_clock::now();
    s.from = store::format_utc_timestamp(now - days(7));
    s.to = store::format_utc_timestamp(now + seconds(1));
    const auto runs = db.runs_between(s.from, s.to);
    std::map<std::string, RecurringCandidate> recurring;
    for (const auto& run : runs) {
        ++s.runs;
        s.ok += run.status == "ok";
        s.degraded += run.status == "degraded";
        s.failed += run.status == "failed";
        s.interrupted += run.status == "interrupted";
        s.symbols_failed += run.symbols_failed;
        s.opportunities += run.opportunities;
        s.cost_usd += run.cost_usd;
        if (run.status != "ok" && run.status != "degraded") {
            continue;
        }
        std::set<std::string> seen; // a trade counts once per run
        for (const auto& c : db.results(run.id)) {
            const std::string key = trade_key(c);
            if (!seen.insert(key).second) {
                continue;
            }
            auto& r = recurring[key];
            if (r.runs == 0) {
                r.symbol = c.symbol;
                r.strategy = c.strategy;
                r.expiration = format_date(c.expiration);
                r.legs = legs_text(c);
                r.best_score = c.score;
                r.best_rank = c.rank;
            }
            ++r.runs;
            r.best_score = std::max(r.best_score, c.score);
            r.best_rank = std::min(r.best_rank, c.rank);
        }
    }
    s.spend = db.spend_between(s.from, s.to);
    for (auto& [key, r] : recurring) {
        if (r.runs >= 2) {
            s.recurring.push_back(r);
        }
    }
    std::sort(s.recurring.begin(), s.recurring.end(), [](const auto& a, const auto& b) {
        return a.runs != b.runs ? a.runs > b.runs : a.best_score > b.best_score;
    });
    if (s.recurring.size() > 10) {
        s.recurring.resize(10);
    }
    return s;
}

} // namespace

std::string trade_key(const Candidate& pick) {
    return fmt::format("{}|{}|{}|{}", pick.symbol, pick.strategy, format_date(pick.expiration),
                       legs_text(pick));
}

std::vector<review::GradedPick>
calibration_input(const std::vector<std::pair<store::StoredPick, store::PickOutcomeRow>>& graded) {
    std::vector<review::GradedPick> out;
    std::set<std::string> seen;
    for (const auto& [stored, outcome] : graded) {
        if (!outcome.win || !std::isfinite(stored.pick.pop) ||
            !seen.insert(stored.profile + "|" + trade_key(stored.pick)).second) {
            continue;
        }
        review::GradedPick p;
        p.profile = stored.profile;
        p.strategy = stored.pick.strategy;
        p.pop = stored.pick.pop;
        p.win = *outcome.win;
        p.realized_roc = outcome.return_on_capital.value_or(0);
        p.predicted_roc = predicted_roc(stored.pick);
        out.push_back(std::move(p));
    }
    return out;
}

WeeklyReport run_weekly(const config::Config& config, const WeeklyOptions& options,
                        ops::Logger& logger) {
    const auto started = std::chrono::steady_clock::now();
    config.profile(options.profile); // ConfigError naming the known profiles
    WeeklyReport report;
    if (options.scan) {
        ScanOptions scan_options;
        scan_options.command = "weekly";
        scan_options.profile = options.profile;
        scan_options.as_of = options.as_of;
        report.scan = run_scan(config, scan_options, logger);
        report.run_id = report.scan->run_id;
    }

    auto providers = build_providers(config);
    const auto snapshot = providers->chains->snapshot_date();
    report.as_of =
        report.scan ? report.scan->as_of : options.as_of.value_or(snapshot.value_or(today_utc()));
    report.since = options.since.value_or(add_days(report.as_of, -365));

    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
        throw StoreError(
            fmt::format("cannot create data dir {}: {}", config.data_dir.string(), ec.message()));
    }
    ops::RunLock lock(config.data_dir / "screener.lock");
    auto db = store::open_sqlite_store(config.database);
    if (!report.scan) {
        report.run_id = db->begin_run(
            {new_execution_id(), "weekly", options.profile, format_date(report.as_of),
             describe_sources(*providers, snapshot.has_value()), static_cast<int>(::getpid())});
    }
    providers->cache.attach(db.get());
    observe_calls(*providers, logger, db.get(), report.run_id, snapshot.has_value(), nullptr);

    logger.info("grading_started", {{"as_of", format_date(report.as_of)}});
    report.grading = grade_picks(config, *providers, *db, report.run_id, report.as_of, logger);
    for (const auto& e : report.grading.errors) {
        db->add_run_error(report.run_id, e);
    }

    const auto graded = db->graded_picks(format_date(report.since));
    report.calibration = review::calibrate(calibration_input(graded));
    std::vector<store::CalibrationRow> rows;
    for (const auto& g : report.calibration) {
        rows.push_back({format_date(report.since), g.profile, g.strategy, g.picks, g.wins,
                        g.mean_pop, g.win_rate, g.brier, g.mean_predicted_roc, g.mean_realized_roc,
                        buckets_json(g)});
    }
    db->add_calibration(report.run_id, rows);
    report.summary = summarise_week(*db);
    report.cost_usd = report.scan ? report.scan->cost_usd : 0;
    write_weekly_summary(config, providers->http, *db, logger, report);
    if (report.writeup && report.writeup->degraded()) {
        db->add_run_error(report.run_id, {"*", "ai", report.writeup->reason});
    }

    // Outcome: every part that fell short makes the pass degraded; it failed only when neither
    // the scan nor the grading could do anything.
    std::vector<std::string> reasons;
    const auto& g = report.grading;
    if (report.scan && report.scan->outcome != Outcome::Ok) {
        reasons.push_back(fmt::format("weekly scan {}: {}", outcome_status(report.scan->outcome),
                                      report.scan->message));
    }
    if (report.writeup && report.writeup->degraded()) {
        reasons.push_back(fmt::format("weekly write-up {}: {}",
                                      ai::to_string(report.writeup->status),
                                      report.writeup->reason));
    }
    if (g.failed > 0) {
        reasons.push_back(fmt::format("{} pick(s) not graded: history unavailable for {} symbol(s)",
                                      g.failed, g.errors.size()));
    }
    if (g.no_data > 0) {
        reasons.push_back(fmt::format("{} expired pick(s) without a settlement close ({} final)",
                                      g.no_data, g.no_data_final));
    }
    const bool grading_failed = g.failed > 0 && g.failed == g.picks;
    if (reasons.empty()) {
        report.outcome = Outcome::Ok;
    } else if (report.scan && report.scan->outcome == Outcome::Failed && grading_failed) {
        report.outcome = Outcome::Failed;
    } else {
        report.outcome = Outcome::Degraded;
    }
    report.message = fmt::format("{}", fmt::join(reasons, "; "));
    report.duration_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const auto* scan = report.scan ? &*report.scan : nullptr;
    db->finish_run(report.run_id,
                   {outcome_status(report.outcome), exit_code(report.outcome),
                    scan ? scan->symbols_total : 0, scan ? scan->symbols_screened : 0,
                    scan ? scan->symbols_failed : 0,
                    scan ? static_cast<int>(scan->results.size()) : 0, report.duration_s,
                    report.cost_usd, report.message});
    logger.info("weekly_finished", {{"graded", g.graded},
                                    {"open", g.open},
                                    {"no_data", g.no_data},
                                    {"failed", g.failed},
                                    {"calibration_groups", static_cast<int>(rows.size())},
                                    {"status", outcome_status(report.outcome)}});
    return report;
}

} // namespace screener::pipeline
