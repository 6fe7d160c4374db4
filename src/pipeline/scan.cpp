#include "screener/pipeline/scan.hpp"

#include "ai_step.hpp"
#include "provider_set.hpp"
#include "screener/core/calendar.hpp"
#include "screener/core/error.hpp"
#include "screener/core/symbol.hpp"
#include "screener/net/http_client.hpp"
#include "screener/net/vendor_channel.hpp"
#include "screener/ops/run_lock.hpp"
#include "screener/pricing/volatility.hpp"
#include "screener/providers/failover_provider.hpp"
#include "screener/providers/provider.hpp"
#include "screener/providers/reconcile.hpp"
#include "screener/store/store.hpp"
#include "screener/strategy/strategy.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <unistd.h>

namespace screener::pipeline {
namespace {

// The vendor to reconcile the chain vendor with: the next live vendor of the chains route, else
// any other live vendor built for the run; nullptr when there is none.
providers::Provider* second_vendor(const config::Config& config, ProviderSet& set,
                                   const std::string& serving) {
    for (const auto& name : config.providers.chains) {
        if (name != serving && is_live(name) && set.owned.count(name) != 0) {
            return set.owned.at(name).get();
        }
    }
    for (auto& [name, provider] : set.owned) {
        if (name != serving && is_live(name)) {
            return provider.get();
        }
    }
    return nullptr;
}

// Asks a second vendor for a sample of the symbol's contracts and compares. A failure of the
// second vendor is recorded as grade '?', never as a failure of the symbol.
std::optional<providers::Reconciliation>
reconcile_symbol(const config::Config& config, ProviderSet& set, const std::string& symbol,
                 const OptionChain& chain, double spot, Date as_of) {
    const std::string serving = set.chains->active().name();
    providers::Provider* other = second_vendor(config, set, serving);
    const auto sample = providers::reconcile_sample(chain, spot);
    if (other == nullptr || !sample) {
        return std::nullopt;
    }
    try {
        providers::ChainRequest request;
        request.as_of = as_of;
        request.expiration = sample->expiration;
        request.strike_min = sample->strike_min;
        request.strike_max = sample->strike_max;
        const OptionChain theirs = other->option_chain(symbol, request);
        std::optional<double> their_spot;
        for (const auto& c : theirs.contracts) {
            if (c.underlying_price) {
                their_spot = c.underlying_price;
                break;
            }
        }
        if (!their_spot) {
            const auto bars = other->daily_history(symbol, add_days(as_of, -7), as_of);
            if (!bars.empty()) {
                their_spot = bars.back().close;
            }
        }
        return providers::reconcile_chains(symbol, serving, chain, spot, other->name(), theirs,
                                           their_spot, config.providers.reconcile_tolerance);
    } catch (const StoreError&) {
        throw;
    } catch (const std::exception& e) {
        providers::Reconciliation failed;
        failed.symbol = symbol;
        failed.primary = serving;
        failed.secondary = other->name();
        failed.grade = '?';
        failed.details.push_back(e.what());
        return failed;
    }
}

// A row without a market cap (the vendors leave it out for most ETFs) is not filtered on it;
// without a 50-day average volume the session's volume stands in.
bool passes_prefilter(const StockSnapshot& row, const config::PrefilterConfig& filter) {
    return row.close >= filter.min_price && row.close <= filter.max_price &&
           row.avg_volume_50d.value_or(row.volume) >= filter.min_avg_volume &&
           (!row.market_cap || *row.market_cap >= filter.min_market_cap);
}

// One symbol per line; '#' starts a comment. Errors name file:line.
std::vector<std::string> read_universe_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError(fmt::format("{}: cannot read universe file", path.string()));
    }
    std::vector<std::string> symbols;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string symbol = normalize_symbol(line.substr(0, line.find('#')));
        if (symbol.empty()) {
            continue;
        }
        if (!is_ticker_symbol(symbol)) {
            throw ConfigError(
                fmt::format("{}:{}: '{}' is not a ticker symbol", path.string(), number, symbol));
        }
        if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
            symbols.push_back(symbol);
        }
    }
    return symbols;
}

// The universe when it does not depend on market data (--symbols, a list, a file), resolved
// before anything is locked or stored so that a bad list costs nothing; nullopt for exchange.
std::optional<std::vector<std::string>> fixed_universe(const config::ProfileConfig& profile,
                                                       const ScanOptions& options) {
    if (!options.symbols.empty()) {
        return options.symbols;
    }
    switch (profile.universe.source) {
    case config::UniverseSource::List:
        return profile.universe.symbols;
    case config::UniverseSource::File:
        return read_universe_file(profile.universe.file);
    case config::UniverseSource::Exchange:
        break;
    }
    return std::nullopt;
}

// The exchange snapshot after the prefilter, in a stable order.
std::vector<std::string> prefiltered_exchange(const config::ProfileConfig& profile,
                                              providers::Provider& provider, Date as_of,
                                              ScanReport& report) {
    const auto rows = provider.exchange_snapshot(as_of);
    report.universe_size = static_cast<int>(rows.size());
    std::vector<std::string> symbols;
    for (const auto& row : rows) {
        if (passes_prefilter(row, profile.prefilter)) {
            symbols.push_back(row.symbol);
        }
    }
    std::sort(symbols.begin(), symbols.end());
    return symbols;
}

std::optional<Date> next_earnings_date(const std::vector<EarningsEvent>& events,
                                       const std::string& symbol, Date as_of) {
    std::optional<Date> next;
    for (const auto& e : events) {
        if (e.symbol == symbol && e.report_date >= as_of && (!next || e.report_date < *next)) {
            next = e.report_date;
        }
    }
    return next;
}

// The DTE range covering every enabled strategy of the profile: one chain request per symbol.
providers::ChainRequest chain_request(const config::ProfileConfig& profile, Date as_of) {
    providers::ChainRequest request;
    request.as_of = as_of;
    request.dte_min = 1 << 20;
    request.dte_max = 0;
    bool calls = false, puts = false;
    bool otm_only = true;
    bool single_leg_only = true;
    double delta_min = 1, min_open_interest = 1e300, min_volume = 1e300;
    for (const auto& [name, s] : profile.strategies) {
        if (s.enabled) {
            // Spreads and condors buy wings of any delta; single legs are bounded by delta_min.
            single_leg_only =
                single_leg_only && (name == "cash_secured_put" || name == "covered_call" ||
                                    name == "long_call" || name == "long_put");
            delta_min = std::min(delta_min, s.delta_min);
            // Every leg of every strategy must meet these, so they are safe vendor filters.
            min_open_interest = std::min(min_open_interest, s.min_open_interest);
            min_volume = std::min(min_volume, s.min_volume);
            request.dte_min = std::min(request.dte_min, s.dte_min);
            request.dte_max = std::max(request.dte_max, s.dte_max);
            const bool put_side = name == "cash_secured_put" || name == "bull_put_spread" ||
                                  name == "long_put" || name == "iron_condor";
            const bool call_side = name == "covered_call" || name == "bear_call_spread" ||
                                   name == "long_call" || name == "iron_condor";
            puts = puts || put_side || !(put_side || call_side);
            calls = calls || call_side || !(put_side || call_side);
            // |delta| <= 0.40 keeps a strike out of the money except at extreme IV x sqrt(t)
            // (docs/vendors.md); above that, in-the-money contracts are needed too.
            otm_only = otm_only && s.delta_max <= 0.40;
        }
    }
    if (calls != puts) {
        request.side = calls ? OptionType::Call : OptionType::Put;
    }
    request.otm_only = otm_only && (calls || puts);
    if (calls || puts) {
        // The vendor's deltas are its own model's: leave a margin below ours.
        constexpr double k_delta_margin = 0.03;
        if (single_leg_only && delta_min - k_delta_margin > 0) {
            request.delta_floor = delta_min - k_delta_margin;
        }
        request.min_open_interest = min_open_interest;
        request.min_volume = min_volume;
    }
    if (request.dte_min > request.dte_max) {
        request.dte_min = request.dte_max = 0;
    }
    return request;
}

// Everything the strategy engine needs to know about a symbol besides its chain.
strategy::SymbolContext
symbol_context(const config::Config& config, const config::ProfileConfig& profile,
               const std::string& symbol, Date as_of, const std::vector<Bar>& bars,
               const OptionChain& chain, const std::vector<EarningsEvent>& earnings,
               std::optional<double> live_price, const std::optional<DividendInfo>& dividend,
               store::Store* db) {
    std::vector<double> closes;
    closes.reserve(bars.size());
    for (const auto& bar : bars) {
        closes.push_back(bar.close);
    }
    strategy::SymbolContext context;
    context.symbol = symbol;
    context.as_of = as_of;
    context.risk_free_rate = config.risk_free_rate;
    context.hv20 = pricing::historical_volatility(closes, 20);
    context.hv60 = pricing::historical_volatility(closes, 60);
    context.next_earnings = next_earnings_date(earnings, symbol, as_of);
    context.spot = !chain.contracts.empty() && chain.contracts.front().underlying_price
                       ? *chain.contracts.front().underlying_price
                       : (closes.empty() ? 0.0 : closes.back());
    if (dividend) {
        // The vendor's simple annual yield as the continuous rate the pricing uses; the next
        // payment assumed quarterly (a quarter of the annual amount) on the announced ex-date.
        context.dividend_yield = std::log1p(std::max(0.0, dividend->yield));
        if (dividend->ex_date && *dividend->ex_date >= as_of && dividend->annual_amount &&
            *dividend->annual_amount > 0) {
            context.next_dividend =
                strategy::Dividend{*dividend->ex_date, *dividend->annual_amount / 4};
        }
    }
    if (live_price && *live_price > 0) {
        context.spot = *live_price; // profile.live_quotes: the latest trade, not the close
    }
    if (!(context.spot > 0)) {
        throw DataError(fmt::format("{}: no underlying price in chain or history", symbol));
    }
    if (const auto it = config.sectors.find(symbol); it != config.sectors.end()) {
        context.sector = it->second;
    }
    for (const auto& lot : profile.holdings) {
        if (lot.symbol == symbol) {
            context.holding = lot;
        }
    }
    // IV30 with its rank and percentile against the stored daily history (before today, so a
    // rerun does not compare today with itself).
    context.iv30 = pricing::atm_iv_30d(chain, context.spot, as_of);
    if (context.iv30 && db) {
        const auto history = db->iv_history(symbol, format_date(as_of), 252);
        const auto min_obs = static_cast<std::size_t>(profile.iv_rank_min_observations);
        context.iv_rank = pricing::iv_rank(history, *context.iv30, min_obs).value;
        context.iv_percentile = pricing::iv_percentile(history, *context.iv30, min_obs).value;
    }
    return context;
}

store::ChainQualityRow quality_row(const std::string& symbol,
                                   const strategy::ChainQuality& quality) {
    store::ChainQualityRow row;
    row.symbol = symbol;
    row.contracts = quality.contracts;
    row.usable = quality.usable;
    row.grade = std::string(1, quality.grade);
    row.rankable = quality.rankable;
    row.rejections = quality.rejections;
    row.repairs = quality.repairs;
    return row;
}

// "chain mostly unusable: 312 of 400 contracts rejected (crossed 200, zero_bid 112), limit 50%"
std::string quality_message(const strategy::ChainQuality& quality,
                            const config::ProfileConfig& profile) {
    std::vector<std::string> parts;
    for (const auto& [reason, count] : quality.rejections) {
        parts.push_back(fmt::format("{} {}", reason, count));
    }
    return fmt::format("chain mostly unusable: {} of {} contracts rejected ({}), limit {:.0f}%",
                       quality.contracts - quality.usable, quality.contracts,
                       fmt::join(parts, ", "), profile.max_rejected_fraction * 100);
}

// Records a per-symbol failure everywhere it belongs, right away, so a crash later loses it not.
void record_error(ScanReport& report, store::Store* db, ops::Logger& logger, SymbolError error) {
    logger.error("error_occurred",
                 {{"symbol", error.symbol}, {"stage", error.stage}, {"message", error.message}});
    if (db) {
        db->add_run_error(report.run_id, error);
    }
    report.errors.push_back(std::move(error));
}

// What screening one symbol produced; merged into the report in universe order so the ranking
// does not depend on which worker finished first.
struct SymbolOutcome {
    bool screened = false;
    bool failed = false;
    std::vector<Candidate> candidates;
    std::map<std::string, int> rejections;
    std::int64_t measured = 0, passed = 0;
    std::optional<std::vector<strategy::ExplainLine>> explain;
    std::string explain_note;
    bool vendor_disagreement = false;
};

// Shared by the workers of one run: the report's error list and the stop flag.
struct ScreenState {
    std::mutex mutex;
    std::atomic<bool> stop{false};
    std::atomic<bool> no_dividends{false};
    std::string stop_reason;
    int skipped = 0;
};

SymbolOutcome screen_symbol(const config::Config& config, const config::ProfileConfig& profile,
                            const ScanOptions& options, const std::string& symbol,
                            const providers::ChainRequest& request,
                            const std::vector<EarningsEvent>& earnings,
                            const std::map<std::string, double>& live_prices,
                            ProviderSet& providers, store::Store* db, ops::Logger& logger,
                            ScanReport& report, ScreenState& state) {
    SymbolOutcome out;
    std::string stage = "history";
    auto fail = [&](std::string message) {
        out.failed = true;
        std::lock_guard lock(state.mutex);
        record_error(report, db, logger, {symbol, stage, std::move(message)});
    };
    try {
        const Date from = add_days(report.as_of, -profile.history_days);
        const auto bars = providers.history->daily_history(symbol, from, report.as_of);
        stage = "chain";
        const auto chain = providers.chains->option_chain(symbol, request);
        stage = "score";
        std::optional<DividendInfo> dividend;
        if (providers.dividends && !state.no_dividends.load()) {
            try {
                dividend = providers.dividends->dividends(symbol);
            } catch (const StoreError&) {
                throw;
            } catch (const DataError& e) {
                // Enrichment: the symbol is still screened, without dividend facts.
                std::lock_guard lock(state.mutex);
                record_error(report, db, logger, {symbol, "dividends", e.what()});
            } catch (const std::exception& e) {
                // The dividends vendor is out (circuit, key, budget): stop asking, say so once.
                if (!state.no_dividends.exchange(true)) {
                    std::lock_guard lock(state.mutex);
                    record_error(report, db, logger, {"*", "dividends", e.what()});
                }
            }
        }
        const auto live = live_prices.find(symbol);
        const auto context = symbol_context(
            config, profile, symbol, report.as_of, bars, chain, earnings,
            live == live_prices.end() ? std::nullopt : std::optional<double>(live->second),
            dividend, db);
        strategy::ScoreOptions score_options;
        score_options.keep_per_symbol = profile.max_per_symbol;
        score_options.explain = symbol == options.explain_symbol;
        auto scored = strategy::score_symbol(context, chain, profile, score_options);
        if (config.providers.reconcile) {
            stage = "reconcile";
            if (auto agreement = reconcile_symbol(config, providers, symbol, chain, context.spot,
                                                  report.as_of)) {
                if (db) {
                    store::ReconciliationRow row;
                    row.symbol = symbol;
                    row.primary_vendor = agreement->primary;
                    row.secondary_vendor = agreement->secondary;
                    row.contracts_compared = agreement->contracts_compared;
                    row.values_compared = agreement->values_compared;
                    row.disagreements = agreement->disagreements;
                    row.grade = std::string(1, agreement->grade);
                    row.details = agreement->details;
                    db->add_reconciliation(report.run_id, row);
                }
                if (agreement->flagged()) {
                    out.vendor_disagreement = true;
                    for (auto& c : scored.candidates) {
                        c.flags.push_back("vendor_disagreement");
                    }
                }
            }
            stage = "score";
        }
        out.rejections = scored.rejections;
        out.measured = scored.enumerated;
        out.passed = scored.passed;
        if (score_options.explain) {
            out.explain = std::move(scored.explain);
            if (scored.symbol_rejection) {
                out.explain_note =
                    fmt::format("{} was not scored: {}", symbol, *scored.symbol_rejection);
            }
        }
        logger.debug("symbol_screened",
                     {{"symbol", symbol},
                      {"contracts", scored.quality.contracts},
                      {"usable", scored.quality.usable},
                      {"trades", static_cast<std::int64_t>(scored.enumerated)},
                      {"candidates", static_cast<int>(scored.candidates.size())}});
        if (db) {
            db->add_chain_quality(report.run_id, quality_row(symbol, scored.quality));
            if (context.iv30) {
                db->record_iv({symbol, format_date(report.as_of), *context.iv30, context.hv20});
            }
        }
        if (!scored.quality.rankable) {
            // Reported, not ranked: the vendor's chain for this symbol is mostly unusable.
            stage = "quality";
            fail(quality_message(scored.quality, profile));
            return out;
        }
        out.candidates = std::move(scored.candidates);
        out.screened = true;
    } catch (const StoreError&) {
        throw; // the database is failing: no later symbol could be stored either
    } catch (const providers::BudgetExhausted& e) {
        // Stop fetching; what was fetched is still screened. This symbol was not fetched.
        std::lock_guard lock(state.mutex);
        if (!state.stop.exchange(true)) {
            state.stop_reason = e.what();
        }
        ++state.skipped;
    } catch (const net::VendorUnavailable& e) {
        // Every vendor of this kind of data is out (no backup left): stop asking.
        fail(e.what());
        std::lock_guard lock(state.mutex);
        if (!state.stop.exchange(true)) {
            state.stop_reason = e.what();
        }
    } catch (const std::exception& e) {
        // Bad vendor data (DataError) or a bug met by this symbol's data alone: either way
        // one symbol must not cost the run its other results.
        fail(e.what());
    }
    return out;
}

void screen_symbols(const config::Config& config, const config::ProfileConfig& profile,
                    const ScanOptions& options,
                    const std::optional<std::vector<std::string>>& fixed, ProviderSet& providers,
                    store::Store* db, ops::Logger& logger, ScanReport& report) {
    std::vector<std::string> symbols;
    if (fixed) {
        symbols = *fixed;
        report.universe_size = static_cast<int>(symbols.size());
    } else {
        try {
            symbols = prefiltered_exchange(profile, *providers.universe, report.as_of, report);
        } catch (const StoreError&) {
            throw;
        } catch (const std::exception& e) {
            record_error(report, db, logger, {"*", "universe", e.what()});
            report.outcome = Outcome::Failed;
            report.message = "the universe could not be loaded";
            return;
        }
    }
    report.symbols_total = static_cast<int>(symbols.size());
    const auto request = chain_request(profile, report.as_of);

    std::vector<EarningsEvent> earnings;
    try {
        earnings = providers.earnings->earnings_calendar(report.as_of,
                                                         add_days(report.as_of, request.dte_max));
    } catch (const StoreError&) {
        throw;
    } catch (const std::exception& e) {
        // Without the calendar the run goes on, but an earnings surprise is no longer flagged.
        record_error(report, db, logger, {"*", "earnings", e.what()});
    }

    if (!options.explain_symbol.empty() &&
        std::find(symbols.begin(), symbols.end(), options.explain_symbol) == symbols.end()) {
        report.explain_note = fmt::format("{} is not in the universe of profile {} after the "
                                          "prefilter",
                                          options.explain_symbol, profile.name);
    }

    // profile.live_quotes: one batched quote call for the whole universe. Without it the run
    // goes on at the chains' underlying prices or the last closes.
    std::map<std::string, double> live_prices;
    if (profile.live_quotes && !symbols.empty()) {
        try {
            for (const auto& quote : providers.quotes->quotes(symbols)) {
                live_prices[quote.symbol] = quote.last;
            }
        } catch (const StoreError&) {
            throw;
        } catch (const std::exception& e) {
            record_error(report, db, logger, {"*", "quotes", e.what()});
        }
    }

    // Workers take symbols in order; each vendor's channel caps what is in flight and the rate,
    // so more workers than the vendors allow only wait.
    std::vector<SymbolOutcome> outcomes(symbols.size());
    ScreenState state;
    std::atomic<std::size_t> next{0};
    std::exception_ptr fatal;
    auto work = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= symbols.size()) {
                return;
            }
            if (state.stop.load()) {
                std::lock_guard lock(state.mutex);
                ++state.skipped;
                continue;
            }
            try {
                outcomes[i] = screen_symbol(config, profile, options, symbols[i], request, earnings,
                                            live_prices, providers, db, logger, report, state);
            } catch (...) {
                std::lock_guard lock(state.mutex);
                if (!fatal) {
                    fatal = std::current_exception();
                }
                state.stop = true;
            }
        }
    };
    const int workers = std::clamp<int>(config.providers.workers, 1,
                                        std::max<int>(1, static_cast<int>(symbols.size())));
    const std::size_t errors_before = report.errors.size();
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) {
        threads.emplace_back(work);
    }
    work();
    for (auto& thread : threads) {
        thread.join();
    }
    if (fatal) {
        std::rethrow_exception(fatal);
    }
    // Workers finish in any order; the report lists their errors in universe order.
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < symbols.size(); ++i) {
        position.emplace(symbols[i], i);
    }
    std::stable_sort(report.errors.begin() + static_cast<std::ptrdiff_t>(errors_before),
                     report.errors.end(), [&](const SymbolError& a, const SymbolError& b) {
                         const auto pa = position.find(a.symbol);
                         const auto pb = position.find(b.symbol);
                         return (pa == position.end() ? symbols.size() : pa->second) <
                                (pb == position.end() ? symbols.size() : pb->second);
                     });

    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        auto& outcome = outcomes[i];
        for (const auto& [reason, count] : outcome.rejections) {
            report.rejections[reason] += count;
        }
        report.trades_measured += outcome.measured;
        report.trades_passed += outcome.passed;
        if (outcome.explain) {
            report.explain = std::move(*outcome.explain);
            if (!outcome.explain_note.empty()) {
                report.explain_note = outcome.explain_note;
            }
        }
        report.symbols_screened += outcome.screened ? 1 : 0;
        if (outcome.vendor_disagreement) {
            report.vendor_disagreements.push_back(symbols[i]);
        }
        report.symbols_failed += outcome.failed ? 1 : 0;
        for (auto& c : outcome.candidates) {
            candidates.push_back(std::move(c));
        }
    }
    report.symbols_skipped = state.skipped;
    if (state.stop && !fatal) {
        report.stop_reason = state.stop_reason;
        record_error(report, db, logger,
                     {"*", "stopped",
                      fmt::format("stopped fetching after {} of {} symbols ({} skipped): {}",
                                  symbols.size() - static_cast<std::size_t>(state.skipped),
                                  symbols.size(), state.skipped, state.stop_reason)});
    }
    {
        std::lock_guard lock(providers.mutex);
        for (const auto& failover : providers.failovers) {
            std::string message = fmt::format("{}: {} -> {}: {}", failover.role, failover.from,
                                              failover.to, failover.reason);
            logger.warn("vendor_failover", {{"role", failover.role},
                                            {"from", failover.from},
                                            {"to", failover.to},
                                            {"reason", failover.reason}});
            report.failovers.push_back(message);
            record_error(report, db, logger, {"*", "failover", message});
        }
    }
    const int top_n = options.limit > 0 ? options.limit : profile.top_n;
    report.results = strategy::rank_candidates(std::move(candidates), top_n, profile.max_per_symbol,
                                               profile.max_per_sector);
}

Outcome judge(const ScanReport& report, std::string& message) {
    if (report.outcome == Outcome::Failed) {
        return Outcome::Failed;
    }
    if (report.symbols_total > 0 && report.symbols_screened == 0) {
        message = fmt::format("no symbol could be screened ({} failed{})", report.symbols_failed,
                              report.stop_reason.empty() ? "" : "; " + report.stop_reason);
        return Outcome::Failed;
    }
    if (!report.stop_reason.empty()) {
        message = fmt::format("stopped early, {} symbol(s) skipped: {}", report.symbols_skipped,
                              report.stop_reason);
        return Outcome::Degraded;
    }
    if (!report.failovers.empty()) {
        message = fmt::format("vendor failover: {}", report.failovers.front());
        return Outcome::Degraded;
    }
    if (report.ai && report.ai->degraded()) {
        message = fmt::format("AI analysis skipped: {}", report.ai->reason);
        return Outcome::Degraded;
    }
    if (!report.errors.empty()) {
        message = fmt::format("{} symbol(s) failed, {} error(s) recorded", report.symbols_failed,
                              report.errors.size());
        return Outcome::Degraded;
    }
    if (report.symbols_total == 0) {
        message = "the universe is empty after the prefilter";
        return Outcome::Degraded;
    }
    return Outcome::Ok;
}

} // namespace

std::string new_execution_id() {
    std::random_device device;
    std::mt19937_64 rng(
        (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    const std::uint64_t hi = (rng() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    const std::uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                       hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

ScanReport run_scan(const config::Config& config, const ScanOptions& options, ops::Logger& logger) {
    const auto started = std::chrono::steady_clock::now();
    const auto& profile = config.profile(options.profile);
    auto provider_set = build_providers(config);
    auto& providers = *provider_set;

    ScanReport report;
    report.execution_id = new_execution_id();
    report.profile = profile.name;
    const auto snapshot = providers.chains->snapshot_date();
    report.synthetic = snapshot.has_value();
    report.data_source = describe_sources(providers, report.synthetic);
    report.as_of = options.as_of.value_or(snapshot.value_or(today_utc()));
    if (snapshot && report.as_of != *snapshot) {
        throw ConfigError(fmt::format("--as-of {}: the sample market is a snapshot of {} only",
                                      format_date(report.as_of), format_date(*snapshot)));
    }
    logger.set_context({{"execution_id", report.execution_id}});
    const auto universe = fixed_universe(profile, options);

    std::unique_ptr<ops::RunLock> lock;
    std::unique_ptr<store::Store> db;
    if (!options.dry_run) {
        std::error_code ec;
        std::filesystem::create_directories(config.data_dir, ec);
        if (ec) {
            throw StoreError(fmt::format("cannot create data dir {}: {}", config.data_dir.string(),
                                         ec.message()));
        }
        lock = std::make_unique<ops::RunLock>(config.data_dir / "screener.lock");
        db = store::open_sqlite_store(config.database);
        report.interrupted_runs_marked = db->mark_interrupted_runs();
        if (report.interrupted_runs_marked > 0) {
            logger.warn("runs_marked_interrupted", {{"count", report.interrupted_runs_marked}});
        }
        report.run_id = db->begin_run({report.execution_id, options.command, profile.name,
                                       format_date(report.as_of), report.data_source,
                                       static_cast<int>(::getpid())});
    }
    providers.cache.attach(db.get());
    auto cost_mutex = std::make_shared<std::mutex>();
    observe_calls(providers, logger, db.get(), report.run_id, report.synthetic,
                  [&report, cost_mutex](double cost) {
                      std::lock_guard lock(*cost_mutex);
                      report.cost_usd += cost;
                  });
    logger.info("screening_started", {{"command", options.command},
                                      {"profile", profile.name},
                                      {"as_of", format_date(report.as_of)},
                                      {"data_source", report.data_source},
                                      {"trading_day", is_trading_day(report.as_of)},
                                      {"dry_run", options.dry_run}});

    auto finish = [&](const std::string& status, int code) {
        report.duration_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (db) {
            db->finish_run(report.run_id,
                           {status, code, report.symbols_total, report.symbols_screened,
                            report.symbols_failed, static_cast<int>(report.results.size()),
                            report.duration_s, report.cost_usd, report.message});
        }
    };
    try {
        screen_symbols(config, profile, options, universe, providers, db.get(), logger, report);
        if (db) {
            db->add_results(report.run_id, report.results);
        }
        analyse_top_picks(
            config, profile, options, providers.http, db.get(), logger, report,
            [&](SymbolError error) { record_error(report, db.get(), logger, std::move(error)); });
    } catch (const std::exception& e) {
        // Leave a finished, failed run row behind rather than one stuck in "running".
        report.outcome = Outcome::Failed;
        report.message = e.what();
        try {
            finish("failed", exit_code_for(e));
        } catch (const std::exception&) {
            // The database itself is failing; the next run marks this one interrupted.
        }
        throw;
    }
    report.outcome = judge(report, report.message);
    finish(outcome_status(report.outcome), exit_code(report.outcome));
    logger.info("screening_completed", {{"profile", profile.name},
                                        {"status", outcome_status(report.outcome)},
                                        {"duration_s", report.duration_s},
                                        {"symbols_screened", report.symbols_screened},
                                        {"symbols_failed", report.symbols_failed},
                                        {"opportunities", static_cast<int>(report.results.size())},
                                        {"cost_usd", report.cost_usd},
                                        {"error_count", static_cast<int>(report.errors.size())}});
    return report;
}

} // namespace screener::pipeline
