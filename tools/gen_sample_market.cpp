// gen_sample_market OUTDIR: writes the bundled SYNTHETIC sample market (data/sample/) in the
// vendors' own formats (EODHD bulk/eod/calendar, MarketData.app expirations/chains), so the
// sample provider exercises the same parsers as the live clients. Model and layout:
// docs/sample-market.md.
//
// Fully deterministic: an own PRNG (splitmix64) and an own Box-Muller transform, one stream per
// symbol and purpose, so adding a symbol leaves every other file unchanged. No std::
// distributions (their output is implementation-defined).

#include "screener/core/date.hpp"
#include "screener/pricing/black_scholes.hpp"
#include "sim_random.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using screener::Date;
using screener::OptionType;
namespace fs = std::filesystem;
using namespace std::chrono;

constexpr std::uint64_t k_seed = 20261120;
constexpr double k_rate = 0.04; // continuous risk-free rate used for every price
constexpr double k_pi = 3.14159265358979323846;
const Date k_as_of{year{2026}, November, day{20}};
const Date k_history_start{year{2025}, November, day{20}};

// ---------------------------------------------------------------------------------------------
// Randomness

using screener::sim::Rng;

using screener::sim::fnv1a;

// An independent stream per (symbol, purpose).
Rng stream(std::string_view symbol, std::string_view purpose) {
    return Rng(k_seed ^ fnv1a(symbol) ^ (fnv1a(purpose) * 0x9E3779B97F4A7C15ULL));
}

// ---------------------------------------------------------------------------------------------
// Dates and times

bool is_holiday(Date d) {
    // NYSE full-day closures inside the generated history (2025-11-20 .. 2026-11-20).
    static const Date k_holidays[] = {
        Date{year{2025}, November, day{27}}, Date{year{2025}, December, day{25}},
        Date{year{2026}, January, day{1}},   Date{year{2026}, January, day{19}},
        Date{year{2026}, February, day{16}}, Date{year{2026}, April, day{3}},
        Date{year{2026}, May, day{25}},      Date{year{2026}, June, day{19}},
        Date{year{2026}, July, day{3}},      Date{year{2026}, September, day{7}},
        Date{year{2026}, November, day{26}},
    };
    return std::find(std::begin(k_holidays), std::end(k_holidays), d) != std::end(k_holidays);
}

bool is_session(Date d) {
    return !screener::is_weekend(d) && !is_holiday(d);
}

Date next_session(Date d) {
    do {
        d = screener::add_days(d, 1);
    } while (!is_session(d));
    return d;
}

// US daylight saving: second Sunday of March to first Sunday of November.
bool is_us_dst(Date d) {
    const auto y = d.year();
    const Date start{sys_days{year_month_weekday{y / March / Sunday[2]}}};
    const Date end{sys_days{year_month_weekday{y / November / Sunday[1]}}};
    return d >= start && d < end;
}

// Unix seconds of hh:mm:ss America/New_York on `d`.
std::int64_t unix_et(Date d, int hh, int mm, int ss) {
    const int offset_hours = is_us_dst(d) ? 4 : 5;
    return screener::unix_from_date(d) + (hh + offset_hours) * 3600 + mm * 60 + ss;
}

// ---------------------------------------------------------------------------------------------
// Numbers

double round_dp(double x, int dp) {
    const double scale = std::pow(10.0, dp);
    return std::round(x * scale) / scale;
}

// Share prices: cents, or 4 decimals for sub-dollar stocks as EODHD shows them.
double round_price(double x) {
    return round_dp(x, x < 1.0 ? 4 : 2);
}

double clamp(double x, double lo, double hi) {
    return std::max(lo, std::min(hi, x));
}

// Compact JSON with numbers written the way the vendors do: integral values without a decimal
// point, others in the shortest form of the rounded value.
class JsonOut {
public:
    JsonOut() : m_writer(m_buffer) {}
    rapidjson::Writer<rapidjson::StringBuffer>& w() { return m_writer; }

    void key(const char* k) { m_writer.Key(k); }
    void str(std::string_view s) {
        m_writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    }
    void null() { m_writer.Null(); }
    void boolean(bool b) { m_writer.Bool(b); }
    void integer(std::int64_t v) { m_writer.Int64(v); }
    void number(double x, int dp) {
        x = round_dp(x, dp);
        if (x == std::trunc(x) && std::fabs(x) < 1e15) {
            m_writer.Int64(static_cast<std::int64_t>(x));
        } else {
            m_writer.Double(x);
        }
    }
    void opt_number(const std::optional<double>& x, int dp) {
        if (x) {
            number(*x, dp);
        } else {
            null();
        }
    }
    std::string text() const { return std::string(m_buffer.GetString()) + "\n"; }

private:
    rapidjson::StringBuffer m_buffer;
    rapidjson::Writer<rapidjson::StringBuffer> m_writer;
};

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        throw std::runtime_error("cannot write " + path.string());
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

// ---------------------------------------------------------------------------------------------
// The universe

enum class Kind { Stock, Etf };

struct SymbolSpec {
    const char* code;
    const char* name;
    Kind kind;
    double price;      // last close on the as-of date
    double vol;        // 30-day ATM implied volatility level
    double market_cap; // USD; 0 = none published (ETFs)
    double avg_volume; // shares per day, about the 50-day average
    double div_yield;  // continuous
    double beta;
    double liquidity; // 1 = most liquid options; larger = wider spreads, thinner open interest
};

// The optionable universe: 40 liquid US names with plausible (invented) late-2026 levels.
const std::vector<SymbolSpec>& optionable() {
    static const std::vector<SymbolSpec> k_specs = {
        {"AAPL", "Apple Inc", Kind::Stock, 236.48, 0.26, 3.52e12, 52e6, 0.004, 1.12, 1.0},
        {"MSFT", "Microsoft Corporation", Kind::Stock, 455.12, 0.24, 3.38e12, 21e6, 0.007, 0.90,
         1.0},
        {"NVDA", "NVIDIA Corporation", Kind::Stock, 182.35, 0.48, 4.45e12, 210e6, 0.0002, 1.75,
         1.0},
        {"AMZN", "Amazon.com Inc", Kind::Stock, 214.67, 0.32, 2.28e12, 42e6, 0.0, 1.30, 1.0},
        {"GOOGL", "Alphabet Inc Class A", Kind::Stock, 188.21, 0.30, 2.30e12, 28e6, 0.004, 1.05,
         1.2},
        {"META", "Meta Platforms Inc.", Kind::Stock, 641.90, 0.36, 1.62e12, 14e6, 0.003, 1.25, 1.0},
        {"TSLA", "Tesla Inc", Kind::Stock, 345.26, 0.55, 1.11e12, 95e6, 0.0, 2.20, 1.0},
        {"AMD", "Advanced Micro Devices Inc", Kind::Stock, 158.44, 0.50, 2.57e11, 48e6, 0.0, 1.85,
         1.0},
        {"NFLX", "Netflix Inc", Kind::Stock, 112.73, 0.38, 4.80e11, 35e6, 0.0, 1.30, 1.2},
        {"AVGO", "Broadcom Inc", Kind::Stock, 318.09, 0.42, 1.50e12, 24e6, 0.008, 1.20, 1.2},
        {"JPM", "JPMorgan Chase & Co", Kind::Stock, 262.15, 0.22, 7.30e11, 9e6, 0.021, 1.05, 1.5},
        {"BAC", "Bank of America Corp", Kind::Stock, 47.52, 0.25, 3.60e11, 38e6, 0.022, 1.30, 1.2},
        {"WFC", "Wells Fargo & Company", Kind::Stock, 78.04, 0.27, 2.55e11, 16e6, 0.021, 1.15, 1.5},
        {"GS", "Goldman Sachs Group Inc", Kind::Stock, 610.77, 0.28, 1.90e11, 2.4e6, 0.019, 1.35,
         2.0},
        {"XOM", "Exxon Mobil Corp", Kind::Stock, 112.36, 0.23, 4.80e11, 15e6, 0.034, 0.85, 1.5},
        {"CVX", "Chevron Corp", Kind::Stock, 151.20, 0.24, 2.65e11, 8e6, 0.044, 0.90, 1.5},
        {"KO", "The Coca-Cola Company", Kind::Stock, 69.14, 0.16, 2.97e11, 14e6, 0.029, 0.60, 1.5},
        {"PEP", "PepsiCo Inc", Kind::Stock, 148.33, 0.18, 2.03e11, 7e6, 0.037, 0.55, 1.5},
        {"WMT", "Walmart Inc", Kind::Stock, 98.27, 0.21, 7.80e11, 17e6, 0.010, 0.65, 1.5},
        {"COST", "Costco Wholesale Corp", Kind::Stock, 935.40, 0.21, 4.15e11, 2.1e6, 0.005, 0.80,
         2.0},
        {"HD", "Home Depot Inc", Kind::Stock, 385.62, 0.23, 3.82e11, 3.6e6, 0.024, 1.00, 2.0},
        {"DIS", "Walt Disney Company", Kind::Stock, 112.08, 0.28, 2.03e11, 9.5e6, 0.009, 1.20, 1.5},
        {"INTC", "Intel Corporation", Kind::Stock, 24.57, 0.45, 1.07e11, 85e6, 0.0, 1.10, 1.2},
        {"CSCO", "Cisco Systems Inc", Kind::Stock, 64.18, 0.22, 2.55e11, 19e6, 0.025, 0.85, 1.5},
        {"ORCL", "Oracle Corporation", Kind::Stock, 205.33, 0.40, 5.80e11, 12e6, 0.009, 1.25, 1.5},
        {"CRM", "Salesforce Inc", Kind::Stock, 268.51, 0.34, 2.57e11, 7e6, 0.006, 1.25, 1.5},
        {"ADBE", "Adobe Inc", Kind::Stock, 372.86, 0.33, 1.58e11, 3.4e6, 0.0, 1.20, 2.0},
        {"QCOM", "Qualcomm Inc", Kind::Stock, 162.19, 0.36, 1.78e11, 8.5e6, 0.021, 1.30, 1.5},
        {"PFE", "Pfizer Inc", Kind::Stock, 25.83, 0.24, 1.46e11, 40e6, 0.066, 0.60, 1.2},
        {"MRK", "Merck & Company Inc", Kind::Stock, 98.06, 0.25, 2.46e11, 12e6, 0.033, 0.45, 1.5},
        {"JNJ", "Johnson & Johnson", Kind::Stock, 172.44, 0.17, 4.14e11, 7.5e6, 0.029, 0.50, 1.5},
        {"UNH", "UnitedHealth Group Inc", Kind::Stock, 318.60, 0.38, 2.88e11, 11e6, 0.027, 0.70,
         1.5},
        {"V", "Visa Inc. Class A", Kind::Stock, 338.25, 0.20, 6.50e11, 6.8e6, 0.007, 0.95, 1.5},
        {"MA", "Mastercard Inc", Kind::Stock, 562.14, 0.21, 5.10e11, 2.9e6, 0.005, 1.05, 2.0},
        {"UBER", "Uber Technologies Inc", Kind::Stock, 88.47, 0.40, 1.84e11, 19e6, 0.0, 1.40, 1.2},
        {"SBUX", "Starbucks Corporation", Kind::Stock, 92.31, 0.30, 1.05e11, 10e6, 0.026, 1.00,
         1.5},
        {"NKE", "Nike Inc", Kind::Stock, 74.12, 0.35, 1.10e11, 13e6, 0.021, 1.05, 1.5},
        {"SPY", "SPDR S&P 500 ETF Trust", Kind::Etf, 665.38, 0.15, 0, 65e6, 0.012, 1.00, 0.7},
        {"QQQ", "Invesco QQQ Trust Series 1", Kind::Etf, 590.12, 0.19, 0, 45e6, 0.006, 1.15, 0.7},
        {"IWM", "iShares Russell 2000 ETF", Kind::Etf, 238.74, 0.21, 0, 30e6, 0.011, 1.20, 0.7},
    };
    return k_specs;
}

// Invented small, illiquid or penny names: in the bulk snapshot only (no history, no options),
// so the prefilter has something to reject. Their names say they are made up.
const std::vector<SymbolSpec>& small_caps() {
    static const std::vector<SymbolSpec> k_specs = {
        {"PNYM", "Pennymore Mining Corp (synthetic)", Kind::Stock, 0.42, 1.10, 1.8e7, 2.6e6, 0, 1.6,
         0},
        {"GLMR", "Glimmerfield Biotech (synthetic)", Kind::Stock, 1.85, 0.95, 6.4e7, 8.5e5, 0, 1.4,
         0},
        {"TNYC", "TinyCap Holdings (synthetic)", Kind::Stock, 3.10, 0.80, 4.1e7, 3.1e5, 0, 1.2, 0},
        {"DRFT", "Driftwood Energy (synthetic)", Kind::Stock, 0.78, 1.05, 2.2e7, 1.9e6, 0, 1.5, 0},
        {"QZLE", "Quazzle Software (synthetic)", Kind::Stock, 6.40, 0.70, 1.5e8, 4.5e4, 0, 1.1, 0},
        {"BRKN", "Brookline Nanotech (synthetic)", Kind::Stock, 2.25, 0.90, 5.5e7, 6.0e5, 0, 1.7,
         0},
        {"SLWM", "Slowmo Retail Group (synthetic)", Kind::Stock, 11.30, 0.45, 6.0e7, 1.8e4, 0.01,
         0.8, 0},
        {"FZZY", "Fizzy Beverages Inc (synthetic)", Kind::Stock, 4.75, 0.60, 9.0e7, 1.2e5, 0, 0.9,
         0},
        {"MRSH", "Marsh Hollow Bancorp (synthetic)", Kind::Stock, 23.40, 0.30, 8.5e7, 9.0e3, 0.031,
         0.7, 0},
        {"ZNTH", "Zenith Dust Minerals (synthetic)", Kind::Stock, 0.19, 1.30, 6.0e6, 4.2e6, 0, 1.9,
         0},
        {"KLPT", "Kelpit Aquafarms (synthetic)", Kind::Stock, 1.12, 0.85, 3.0e7, 2.4e5, 0, 1.0, 0},
        {"VPRW", "Vaporware Systems (synthetic)", Kind::Stock, 0.55, 1.20, -1, 9.5e5, 0, 2.1, 0},
        {"OBSC", "Obscura Optics (synthetic)", Kind::Stock, 14.80, 0.50, 2.1e8, 2.2e4, 0, 1.0, 0},
        {"NCHE", "Niche Instruments Corp (synthetic)", Kind::Stock, 38.20, 0.35, 1.2e8, 4.0e3,
         0.008, 0.8, 0},
        {"RSTL", "Rustle Rail Services (synthetic)", Kind::Stock, 7.65, 0.55, 1.6e8, 7.5e4, 0, 1.1,
         0},
        {"HLLW", "Hollow Peak Resources (synthetic)", Kind::Stock, 0.08, 1.40, 4.0e6, 1.7e6, 0, 2.0,
         0},
        {"PLNK", "Plinko Gaming (synthetic)", Kind::Stock, 2.95, 0.90, 7.5e7, 5.5e5, 0, 1.5, 0},
        {"GRBL", "Gerbil Logistics (synthetic)", Kind::Stock, 5.10, 0.65, 1.1e8, 1.5e5, 0, 1.2, 0},
        {"WNDR", "Wanderlight Travel (synthetic)", Kind::Stock, 9.90, 0.60, 2.4e8, 6.0e4, 0, 1.3,
         0},
        {"CRMB", "Crumble Foods Co (synthetic)", Kind::Stock, 16.25, 0.40, 1.5e8, 1.2e4, 0.015, 0.6,
         0},
    };
    return k_specs;
}

// ---------------------------------------------------------------------------------------------
// Earnings calendar

enum class Timing { Before, After, Unknown };

struct Earnings {
    const char* code; // with exchange suffix, as EODHD writes it
    Date report;
    Timing timing;
    double estimate; // EPS
};

Date ymd(int y, unsigned m, unsigned d) {
    return Date{year{y}, month{m}, day{d}};
}

// The window of the saved calendar response, and its rows: past reports (with actuals) and
// seven upcoming ones inside the next 70 days, five of them before the December monthly expiry.
const Date k_calendar_from = ymd(2026, 8, 1);
const Date k_calendar_to = ymd(2027, 1, 31);

const std::vector<Earnings>& earnings() {
    static const std::vector<Earnings> k_rows = {
        {"HD.US", ymd(2026, 8, 18), Timing::Before, 4.71},
        {"BHP.AU", ymd(2026, 8, 19), Timing::Before, 1.52},
        {"WMT.US", ymd(2026, 8, 20), Timing::Before, 0.73},
        {"NVDA.US", ymd(2026, 8, 26), Timing::After, 1.21},
        {"CRM.US", ymd(2026, 9, 2), Timing::After, 2.86},
        {"AVGO.US", ymd(2026, 9, 3), Timing::After, 1.93},
        {"ORCL.US", ymd(2026, 9, 9), Timing::After, 1.68},
        {"ADBE.US", ymd(2026, 9, 10), Timing::After, 5.31},
        {"COST.US", ymd(2026, 9, 24), Timing::After, 5.84},
        {"NKE.US", ymd(2026, 9, 29), Timing::After, 0.44},
        {"PEP.US", ymd(2026, 10, 8), Timing::Before, 2.29},
        {"JPM.US", ymd(2026, 10, 13), Timing::Before, 5.02},
        {"WFC.US", ymd(2026, 10, 13), Timing::Before, 1.62},
        {"GS.US", ymd(2026, 10, 13), Timing::Before, 11.35},
        {"BAC.US", ymd(2026, 10, 14), Timing::Before, 0.98},
        {"JNJ.US", ymd(2026, 10, 14), Timing::Before, 2.81},
        {"NFLX.US", ymd(2026, 10, 15), Timing::After, 0.71},
        {"UNH.US", ymd(2026, 10, 15), Timing::Before, 3.12},
        {"KO.US", ymd(2026, 10, 20), Timing::Before, 0.82},
        {"TSLA.US", ymd(2026, 10, 21), Timing::After, 0.58},
        {"INTC.US", ymd(2026, 10, 22), Timing::After, 0.12},
        {"GOOGL.US", ymd(2026, 10, 27), Timing::After, 2.41},
        {"V.US", ymd(2026, 10, 27), Timing::After, 3.14},
        {"MSFT.US", ymd(2026, 10, 28), Timing::After, 3.92},
        {"META.US", ymd(2026, 10, 28), Timing::After, 7.45},
        {"SBUX.US", ymd(2026, 10, 28), Timing::After, 0.61},
        {"AAPL.US", ymd(2026, 10, 29), Timing::After, 1.84},
        {"AMZN.US", ymd(2026, 10, 29), Timing::After, 1.58},
        {"MA.US", ymd(2026, 10, 29), Timing::Before, 4.38},
        {"MRK.US", ymd(2026, 10, 29), Timing::Before, 2.37},
        {"XOM.US", ymd(2026, 10, 30), Timing::Before, 1.83},
        {"CVX.US", ymd(2026, 10, 30), Timing::Before, 2.05},
        {"AMD.US", ymd(2026, 11, 3), Timing::After, 1.31},
        {"PFE.US", ymd(2026, 11, 3), Timing::Before, 0.71},
        {"QCOM.US", ymd(2026, 11, 4), Timing::After, 3.07},
        {"UBER.US", ymd(2026, 11, 4), Timing::Before, 0.69},
        {"CSCO.US", ymd(2026, 11, 11), Timing::After, 1.02},
        {"DIS.US", ymd(2026, 11, 12), Timing::After, 1.24},
        {"HD.US", ymd(2026, 11, 17), Timing::Before, 3.89},
        {"NVDA.US", ymd(2026, 11, 18), Timing::After, 1.38},
        {"WMT.US", ymd(2026, 11, 19), Timing::Before, 0.64},
        // Upcoming (after the as-of date 2026-11-20).
        {"CRM.US", ymd(2026, 12, 2), Timing::After, 3.05},
        {"ADBE.US", ymd(2026, 12, 9), Timing::After, 5.62},
        {"AVGO.US", ymd(2026, 12, 10), Timing::After, 2.11},
        {"COST.US", ymd(2026, 12, 10), Timing::Unknown, 4.49},
        {"ORCL.US", ymd(2026, 12, 15), Timing::After, 1.79},
        {"JPM.US", ymd(2027, 1, 13), Timing::Before, 4.86},
        {"NFLX.US", ymd(2027, 1, 19), Timing::After, 0.66},
    };
    return k_rows;
}

std::string us_code(const std::string& symbol) {
    return symbol + ".US";
}

// Typical one-day earnings move (standard deviation of the log return).
double earnings_move(const SymbolSpec& s) {
    return s.vol * 0.12;
}

// ---------------------------------------------------------------------------------------------
// Price history

struct HistBar {
    Date date{};
    double open = 0, high = 0, low = 0, close = 0, adjusted_close = 0;
    double volume = 0;
};

std::vector<Date> sessions() {
    std::vector<Date> out;
    for (Date d = k_history_start; d <= k_as_of; d = screener::add_days(d, 1)) {
        if (is_session(d)) {
            out.push_back(d);
        }
    }
    return out;
}

// The session whose close first reflects an announcement.
Date reaction_session(const Earnings& e) {
    if (e.timing == Timing::Before && is_session(e.report)) {
        return e.report;
    }
    return next_session(e.report);
}

// Geometric Brownian motion scaled so the last close is the spec's price, with earnings gaps on
// past report dates and quarterly dividends folded into adjusted_close.
std::vector<HistBar> make_history(const SymbolSpec& s) {
    Rng rng = stream(s.code, "history");
    const auto days = sessions();
    const std::size_t n = days.size();
    const double daily_vol = s.vol * 0.9 / std::sqrt(252.0); // realised a little under implied
    const double year_return_draw = rng.uniform();

    std::vector<Date> jumps;
    for (const auto& e : earnings()) {
        if (us_code(s.code) == e.code && e.report <= k_as_of) {
            jumps.push_back(reaction_session(e));
        }
    }

    std::vector<double> log_close(n, 0.0);
    std::vector<bool> is_jump(n, false);
    for (std::size_t i = 1; i < n; ++i) {
        double r = -0.5 * daily_vol * daily_vol + daily_vol * rng.normal();
        if (std::find(jumps.begin(), jumps.end(), days[i]) != jumps.end()) {
            r += earnings_move(s) * rng.normal();
            is_jump[i] = true;
        }
        log_close[i] = log_close[i - 1] + r;
    }
    // Brownian bridge to a plausible one-year return (-15 % .. +30 %): a free GBM at these
    // vols too often wanders to levels no one would recognise for the name.
    const double target = std::log(0.85 + 0.45 * year_return_draw);
    for (std::size_t i = 1; i < n; ++i) {
        const double share = static_cast<double>(i) / static_cast<double>(n - 1);
        log_close[i] -= share * (log_close[n - 1] - target);
    }

    // Quarterly ex-dividend dates, counted back from a symbol-specific day before the as-of.
    std::vector<Date> ex_dates;
    if (s.div_yield > 0) {
        int offset = 5 + static_cast<int>(rng.uniform() * 80);
        for (int k = 0; k < 5; ++k) {
            ex_dates.push_back(screener::add_days(k_as_of, -(offset + 91 * k)));
        }
    }

    std::vector<HistBar> bars(n);
    const double norm = 1.0 / 1.36; // the volume multipliers below average about 1.36
    for (std::size_t i = 0; i < n; ++i) {
        HistBar& b = bars[i];
        b.date = days[i];
        const double close = s.price * std::exp(log_close[i] - log_close[n - 1]);
        const double prev = i == 0 ? close * std::exp(-daily_vol * rng.normal())
                                   : s.price * std::exp(log_close[i - 1] - log_close[n - 1]);
        const double gap =
            is_jump[i] ? (std::log(close / prev) * 0.8) : 0.3 * daily_vol * rng.normal();
        b.close = round_price(close);
        b.open = round_price(prev * std::exp(gap));
        b.high = round_price(std::max(b.open, b.close) *
                             std::exp(std::fabs(rng.normal()) * daily_vol * 0.4));
        b.low = round_price(std::min(b.open, b.close) *
                            std::exp(-std::fabs(rng.normal()) * daily_vol * 0.4));
        const double move = std::fabs(std::log(close / prev)) / daily_vol;
        double volume = s.avg_volume * norm * std::exp(0.35 * rng.normal() - 0.06) *
                        (1.0 + 0.45 * std::min(move, 4.0));
        if (is_jump[i]) {
            volume *= 2.5;
        }
        b.volume = std::round(volume);
        double factor = 1.0;
        for (const Date& ex : ex_dates) {
            if (b.date < ex) {
                factor *= 1.0 - s.div_yield / 4.0;
            }
        }
        b.adjusted_close = round_dp(b.close * factor, 4);
    }
    // The as-of bar is exactly the spec's price: the bulk row and the chains quote it.
    bars.back().close = round_price(s.price);
    bars.back().adjusted_close = bars.back().close;
    bars.back().high = std::max(bars.back().high, bars.back().close);
    bars.back().low = std::min(bars.back().low, bars.back().close);
    return bars;
}

void write_history(const fs::path& out, const SymbolSpec& s, const std::vector<HistBar>& bars) {
    JsonOut j;
    j.w().StartArray();
    for (const auto& b : bars) {
        const int dp = b.close < 1.0 ? 4 : 2;
        j.w().StartObject();
        j.key("date");
        j.str(screener::format_date(b.date));
        j.key("open");
        j.number(b.open, dp);
        j.key("high");
        j.number(b.high, dp);
        j.key("low");
        j.number(b.low, dp);
        j.key("close");
        j.number(b.close, dp);
        j.key("adjusted_close");
        j.number(b.adjusted_close, 4);
        j.key("volume");
        j.integer(static_cast<std::int64_t>(b.volume));
        j.w().EndObject();
    }
    j.w().EndArray();
    write_file(out / "eodhd" / "eod" / (std::string(s.code) + ".US.json"), j.text());
}

// ---------------------------------------------------------------------------------------------
// Bulk snapshot (filter=extended)

double ema(const std::vector<HistBar>& bars, int period) {
    const double alpha = 2.0 / (period + 1.0);
    double value = bars.front().close;
    for (const auto& b : bars) {
        value = alpha * b.close + (1 - alpha) * value;
    }
    return value;
}

double avg_volume(const std::vector<HistBar>& bars, std::size_t count) {
    count = std::min(count, bars.size());
    double sum = 0;
    for (std::size_t i = bars.size() - count; i < bars.size(); ++i) {
        sum += bars[i].volume;
    }
    return sum / static_cast<double>(count);
}

void write_bulk_row(JsonOut& j, const SymbolSpec& s, const std::vector<HistBar>& bars) {
    const HistBar& last = bars.back();
    const HistBar& prev = bars[bars.size() - 2];
    const int dp = last.close < 1.0 ? 4 : 2;
    const std::size_t window = std::min<std::size_t>(250, bars.size());
    double hi = 0, lo = 1e300;
    for (std::size_t i = bars.size() - window; i < bars.size(); ++i) {
        hi = std::max(hi, bars[i].high);
        lo = std::min(lo, bars[i].low);
    }
    j.w().StartObject();
    j.key("code");
    j.str(s.code);
    j.key("name");
    j.str(s.name);
    j.key("type");
    j.str(s.kind == Kind::Etf ? "ETF" : "Common Stock");
    j.key("exchange_short_name");
    j.str("US");
    j.key("date");
    j.str(screener::format_date(last.date));
    j.key("MarketCapitalization");
    if (s.market_cap > 0) {
        j.number(s.market_cap, 0);
    } else if (s.market_cap < 0) {
        j.str("NA"); // EODHD's way of saying "unknown"
    } else {
        j.null();
    }
    j.key("Beta");
    j.number(s.beta, 3);
    j.key("open");
    j.number(last.open, dp);
    j.key("high");
    j.number(last.high, dp);
    j.key("low");
    j.number(last.low, dp);
    j.key("close");
    j.number(last.close, dp);
    j.key("adjusted_close");
    j.number(last.adjusted_close, 4);
    j.key("volume");
    if (std::string_view(s.code) == "HLLW") {
        j.number(last.volume + 0.53, 2); // fractional volume, as EODHD bulk rows sometimes show
    } else {
        j.integer(static_cast<std::int64_t>(last.volume));
    }
    j.key("ema_50d");
    j.number(ema(bars, 50), 3);
    j.key("ema_200d");
    j.number(ema(bars, 200), 3);
    j.key("hi_250d");
    j.number(hi, 3);
    j.key("lo_250d");
    j.number(lo, 3);
    j.key("prev_close");
    j.number(prev.close, dp);
    j.key("change");
    j.number(last.close - prev.close, dp);
    j.key("change_p");
    j.number((last.close - prev.close) / prev.close * 100.0, 4);
    j.key("avgvol_14d");
    j.number(avg_volume(bars, 14), 2);
    j.key("avgvol_50d");
    j.number(avg_volume(bars, 50), 2);
    j.key("avgvol_200d");
    j.number(avg_volume(bars, 200), 2);
    j.w().EndObject();
}

// ---------------------------------------------------------------------------------------------
// Option chains

struct Expiry {
    Date date;
    bool monthly;
};

const std::vector<Expiry>& expiries() {
    static const std::vector<Expiry> k_list = {
        {ymd(2026, 11, 27), false}, {ymd(2026, 12, 4), false}, {ymd(2026, 12, 11), false},
        {ymd(2026, 12, 18), true},  {ymd(2027, 1, 15), true},  {ymd(2027, 2, 19), true},
    };
    return k_list;
}

struct Row {
    std::string option_symbol;
    std::string underlying;
    std::int64_t expiration = 0;
    bool call = true;
    double strike = 0;
    std::int64_t first_traded = 0;
    int dte = 0;
    std::int64_t updated = 0;
    double bid = 0;
    int bid_size = 0;
    double mid = 0;
    double ask = 0;
    int ask_size = 0;
    std::optional<double> last;
    int open_interest = 0;
    int volume = 0;
    bool in_the_money = false;
    double intrinsic = 0;
    double extrinsic = 0;
    double underlying_price = 0;
    std::optional<double> iv, delta, gamma, theta, vega, rho;
};

std::string occ_symbol(const std::string& root, Date expiration, bool call, double strike) {
    return fmt::format(
        "{}{:02d}{:02d}{:02d}{}{:08d}", root, static_cast<int>(expiration.year()) % 100,
        static_cast<unsigned>(expiration.month()), static_cast<unsigned>(expiration.day()),
        call ? 'C' : 'P', static_cast<long long>(std::llround(strike * 1000)));
}

// A strike increment on the listed grid giving 15-25 strikes across the wanted range.
double strike_increment(double spot, double half_width, int* count) {
    static const double k_increments[] = {0.5, 1, 2.5, 5, 10, 25, 50};
    double best = k_increments[0];
    int best_count = 0;
    double best_error = 1e300;
    for (const double inc : k_increments) {
        if (spot < 5 * inc) {
            break; // never coarser than a fifth of the price
        }
        const int n = 2 * static_cast<int>(std::floor(half_width * spot / inc)) + 1;
        const double error = std::fabs(n - 21.0);
        if (error < best_error) {
            best_error = error;
            best = inc;
            best_count = n;
        }
    }
    *count = std::clamp(best_count, 15, 25) | 1; // odd: the at-the-money strike in the middle
    return best;
}

// Expirations whose price includes the next earnings announcement, with its size.
std::optional<double> earnings_variance(const SymbolSpec& s, Date expiration) {
    for (const auto& e : earnings()) {
        if (us_code(s.code) != e.code || e.report <= k_as_of) {
            continue;
        }
        const bool inside =
            e.timing == Timing::Before ? e.report <= expiration : e.report < expiration;
        if (inside) {
            const double move = earnings_move(s);
            return move * move;
        }
    }
    return std::nullopt;
}

// One deliberately imperfect row of a chain (docs/sample-market.md lists them).
enum class Defect { None, ZeroBid, WideSpread, NoLast, SentinelGreeks };

struct DefectRule {
    const char* symbol;
    Date expiration;
    bool call;
    double moneyness; // strike nearest spot * moneyness
    Defect defect;
};

const std::vector<DefectRule>& defect_rules() {
    static const std::vector<DefectRule> k_rules = {
        {"AAPL", ymd(2026, 12, 18), false, 0.92, Defect::ZeroBid},
        {"MSFT", ymd(2026, 12, 18), false, 0.95, Defect::WideSpread},
        {"NVDA", ymd(2026, 12, 18), true, 1.05, Defect::NoLast},
        {"TSLA", ymd(2027, 1, 15), false, 0.90, Defect::SentinelGreeks},
    };
    return k_rules;
}

double floor_cents(double x) {
    return std::floor(x * 100.0 + 1e-7) / 100.0;
}
double ceil_cents(double x) {
    return std::ceil(x * 100.0 - 1e-7) / 100.0;
}

std::vector<Row> make_chain(const SymbolSpec& s, double spot) {
    Rng rng = stream(s.code, "chain");
    const bool etf = s.kind == Kind::Etf;
    const double skew = etf ? 0.14 : 0.09;
    const double curvature = etf ? 0.012 : 0.02;
    const double oi_base = clamp(s.avg_volume / 2500.0, 200.0, 30000.0) / s.liquidity;
    const std::int64_t updated = unix_et(k_as_of, 15, 59, 32);
    std::vector<Row> rows;

    for (std::size_t e = 0; e < expiries().size(); ++e) {
        const Expiry& x = expiries()[e];
        const int dte = screener::days_between(k_as_of, x.date);
        const double t = dte / 365.0;
        // Term structure: a little contango from the weekly to the three-month ATM level.
        const double atm = s.vol * (0.95 + 0.09 * std::sqrt(std::min(t, 0.5) / 0.25));
        double atm_eff = atm;
        if (auto var = earnings_variance(s, x.date)) {
            atm_eff = std::sqrt(atm * atm + *var / t);
        }
        const double forward = spot * std::exp((k_rate - s.div_yield) * t);
        // Listed range: about +-20 % for weeklies, wider for the longer and the wilder.
        const double half_width = 0.20 + 0.6 * s.vol * std::sqrt(t);
        int count = 0;
        const double inc = strike_increment(spot, half_width, &count);
        const double atm_strike = std::round(spot / inc) * inc;
        const double open_interest_scale = x.monthly ? (e == 4 ? 1.2 : (e == 3 ? 1.0 : 0.6))
                                                     : (e == 0 ? 0.5 : (e == 1 ? 0.3 : 0.2));
        const Date listed = screener::add_days(x.date, x.monthly ? (e == 4 ? -840 : -270) : -36);

        std::vector<double> strikes;
        for (int k = -(count / 2); k <= count / 2; ++k) {
            const double strike = atm_strike + k * inc;
            if (strike > 0) {
                strikes.push_back(round_dp(strike, 2));
            }
        }
        // Per-strike IV noise shared by call and put, as parity keeps them together.
        std::vector<double> iv_noise;
        std::vector<int> listed_late;
        for (std::size_t k = 0; k < strikes.size(); ++k) {
            iv_noise.push_back(1.0 + 0.004 * rng.normal());
            listed_late.push_back(
                static_cast<int>(rng.uniform() * 0.8 * screener::days_between(listed, k_as_of)));
        }

        for (const bool call : {true, false}) {
            const OptionType type = call ? OptionType::Call : OptionType::Put;
            for (std::size_t k = 0; k < strikes.size(); ++k) {
                const double strike = strikes[k];
                const double z = std::log(strike / forward) / (atm_eff * std::sqrt(t));
                const double zc = clamp(z, -4.0, 3.5);
                const double iv = atm_eff * (1.0 - skew * zc + curvature * zc * zc) * iv_noise[k];
                const auto g =
                    screener::pricing::bs_greeks(type, spot, strike, t, k_rate, s.div_yield, iv);
                const double intrinsic =
                    call ? std::max(0.0, spot - strike) : std::max(0.0, strike - spot);
                // Listed options are American: nobody sells below intrinsic.
                const double value = std::max(g.price, intrinsic);

                Defect defect = Defect::None;
                for (const auto& rule : defect_rules()) {
                    if (rule.symbol == std::string_view(s.code) && rule.expiration == x.date &&
                        rule.call == call) {
                        const double target = spot * rule.moneyness;
                        const auto nearest = std::min_element(
                            strikes.begin(), strikes.end(), [&](double a, double b) {
                                return std::fabs(a - target) < std::fabs(b - target);
                            });
                        if (*nearest == strike) {
                            defect = rule.defect;
                        }
                    }
                }

                Row r;
                r.underlying = s.code;
                r.option_symbol = occ_symbol(s.code, x.date, call, strike);
                r.expiration = unix_et(x.date, 16, 0, 0);
                r.call = call;
                r.strike = strike;
                r.dte = dte;
                r.updated = updated;
                r.underlying_price = spot;
                r.in_the_money = intrinsic > 0;
                r.intrinsic = intrinsic;

                // Spreads widen with price, distance from the money and thinner names.
                const double spread = s.liquidity * (0.012 + 0.007 * value) *
                                      (1.0 + 0.25 * std::fabs(zc)) * (0.85 + 0.3 * rng.uniform());
                r.bid = value < 0.02 ? 0.0 : std::max(0.0, floor_cents(value - spread / 2));
                r.ask = std::max(ceil_cents(value + spread / 2), r.bid + 0.01);
                if (defect == Defect::ZeroBid) {
                    r.bid = 0;
                } else if (defect == Defect::WideSpread) {
                    r.bid = floor_cents(value * 0.55);
                    r.ask = ceil_cents(value * 1.45);
                }
                r.mid = round_dp((r.bid + r.ask) / 2, 3);
                const double depth = std::exp(-0.3 * zc * zc);
                r.bid_size = r.bid > 0 ? 1 + static_cast<int>(300 * depth * rng.uniform()) : 0;
                r.ask_size = 1 + static_cast<int>(300 * depth * rng.uniform());

                // Open interest peaks near the money, favours OTM puts and round strikes.
                double oi = oi_base * open_interest_scale * std::exp(-0.5 * (z / 1.6) * (z / 1.6));
                if (!call && z < 0) {
                    oi *= 1.25;
                }
                if (std::fmod(strike, inc * 2) == 0 || std::fmod(strike, 10.0) == 0) {
                    oi *= 1.4;
                }
                oi *= std::exp(0.45 * rng.normal() - 0.1);
                r.open_interest = static_cast<int>(oi);
                const double turnover = (0.01 + 0.15 * std::exp(-z * z)) * (dte <= 14 ? 1.6 : 1.0);
                r.volume =
                    static_cast<int>(r.open_interest * turnover * std::exp(0.5 * rng.normal()));
                const double last_noise = 1.0 + 0.03 * rng.normal();
                if (r.volume > 0 || r.open_interest > 0) {
                    r.last = std::max(0.01, round_dp(value * last_noise, 2));
                }
                if (defect == Defect::NoLast) {
                    r.volume = 0;
                    r.last.reset();
                }

                const int late = std::fabs(z) > 2.0 ? listed_late[k] : 0;
                Date first = screener::add_days(listed, late);
                while (!is_session(first)) {
                    first = screener::add_days(first, 1);
                }
                r.first_traded = unix_et(first, 9, 30, 0);
                r.extrinsic = r.mid - intrinsic;

                const bool deepest_weekly_put = !call && !x.monthly && k + 1 == strikes.size();
                if (deepest_weekly_put && g.price + 1e-9 < intrinsic) {
                    // No volatility reproduces a quote at intrinsic below the European value:
                    // the vendor's solver gives up and publishes nulls, as real chains do.
                } else if (defect == Defect::SentinelGreeks) {
                    r.iv = r.delta = r.gamma = r.theta = r.vega = r.rho = 0.0;
                } else {
                    r.iv = iv;
                    r.delta = g.delta;
                    r.gamma = g.gamma;
                    r.theta = g.theta / 365.0; // vendors quote theta per calendar day
                    r.vega = g.vega / 100.0;   // and vega/rho per 1 point of vol/rate
                    r.rho = g.rho / 100.0;
                }
                rows.push_back(std::move(r));
            }
        }
    }
    return rows;
}

void write_chain(const fs::path& out, const SymbolSpec& s, const std::vector<Row>& rows) {
    JsonOut j;
    j.w().StartObject();
    j.key("s");
    j.str("ok");
    const auto column = [&](const char* name, auto&& emit) {
        j.key(name);
        j.w().StartArray();
        for (const auto& r : rows) {
            emit(r);
        }
        j.w().EndArray();
    };
    column("optionSymbol", [&](const Row& r) { j.str(r.option_symbol); });
    column("underlying", [&](const Row& r) { j.str(r.underlying); });
    column("expiration", [&](const Row& r) { j.integer(r.expiration); });
    column("side", [&](const Row& r) { j.str(r.call ? "call" : "put"); });
    column("strike", [&](const Row& r) { j.number(r.strike, 2); });
    column("firstTraded", [&](const Row& r) { j.integer(r.first_traded); });
    column("dte", [&](const Row& r) { j.integer(r.dte); });
    column("updated", [&](const Row& r) { j.integer(r.updated); });
    column("bid", [&](const Row& r) { j.number(r.bid, 2); });
    column("bidSize", [&](const Row& r) { j.integer(r.bid_size); });
    column("mid", [&](const Row& r) { j.number(r.mid, 3); });
    column("ask", [&](const Row& r) { j.number(r.ask, 2); });
    column("askSize", [&](const Row& r) { j.integer(r.ask_size); });
    column("last", [&](const Row& r) { j.opt_number(r.last, 2); });
    column("openInterest", [&](const Row& r) { j.integer(r.open_interest); });
    column("volume", [&](const Row& r) { j.integer(r.volume); });
    column("inTheMoney", [&](const Row& r) { j.boolean(r.in_the_money); });
    column("intrinsicValue", [&](const Row& r) { j.number(r.intrinsic, 2); });
    column("extrinsicValue", [&](const Row& r) { j.number(r.extrinsic, 2); });
    column("underlyingPrice", [&](const Row& r) { j.number(r.underlying_price, 2); });
    column("iv", [&](const Row& r) { j.opt_number(r.iv, 4); });
    column("delta", [&](const Row& r) { j.opt_number(r.delta, 4); });
    column("gamma", [&](const Row& r) { j.opt_number(r.gamma, 4); });
    column("theta", [&](const Row& r) { j.opt_number(r.theta, 4); });
    column("vega", [&](const Row& r) { j.opt_number(r.vega, 4); });
    column("rho", [&](const Row& r) { j.opt_number(r.rho, 4); });
    j.w().EndObject();
    write_file(out / "marketdata" / "options" / "chain" / (std::string(s.code) + ".json"),
               j.text());
}

void write_expirations(const fs::path& out, const SymbolSpec& s) {
    JsonOut j;
    j.w().StartObject();
    j.key("s");
    j.str("ok");
    j.key("expirations");
    j.w().StartArray();
    for (const auto& x : expiries()) {
        j.str(screener::format_date(x.date));
    }
    j.w().EndArray();
    j.key("updated");
    j.integer(unix_et(k_as_of, 16, 0, 0));
    j.w().EndObject();
    write_file(out / "marketdata" / "options" / "expirations" / (std::string(s.code) + ".json"),
               j.text());
}

// ---------------------------------------------------------------------------------------------
// Calendar and manifest

// The fiscal period an announcement reports: the last calendar quarter end at least ten days
// earlier (real fiscal calendars vary; nothing downstream reads this field).
Date period_end(Date report) {
    const Date back = screener::add_days(report, -10);
    int y = static_cast<int>(back.year());
    unsigned m = static_cast<unsigned>(back.month());
    if (m % 3 == 0 && back == Date{year_month_day_last{back.year() / back.month() / last}}) {
        return back;
    }
    m = (m - 1) / 3 * 3; // month ending the previous quarter: 0, 3, 6 or 9
    if (m == 0) {
        --y;
        m = 12;
    }
    return Date{year_month_day_last{year{y} / month{m} / last}};
}

void write_earnings(const fs::path& out) {
    std::vector<Earnings> rows = earnings();
    std::stable_sort(rows.begin(), rows.end(), [](const Earnings& a, const Earnings& b) {
        return a.report != b.report ? a.report < b.report : std::string_view(a.code) < b.code;
    });
    JsonOut j;
    j.w().StartObject();
    j.key("type");
    j.str("Earnings");
    j.key("description");
    j.str("Historical and upcoming Earnings");
    j.key("from");
    j.str(screener::format_date(k_calendar_from));
    j.key("to");
    j.str(screener::format_date(k_calendar_to));
    j.key("earnings");
    j.w().StartArray();
    for (const auto& e : rows) {
        Rng rng = stream(e.code, "earnings-" + screener::format_date(e.report));
        const bool past = e.report <= k_as_of;
        j.w().StartObject();
        j.key("code");
        j.str(e.code);
        j.key("report_date");
        j.str(screener::format_date(e.report));
        j.key("date");
        j.str(screener::format_date(period_end(e.report)));
        j.key("before_after_market");
        if (e.timing == Timing::Unknown) {
            j.null();
        } else {
            j.str(e.timing == Timing::Before ? "BeforeMarket" : "AfterMarket");
        }
        j.key("currency");
        j.str(std::string_view(e.code).ends_with(".AU") ? "AUD" : "USD");
        const double actual = round_dp(e.estimate * (1.0 + 0.06 * rng.normal() + 0.02), 2);
        const double difference = round_dp(actual - e.estimate, 2);
        j.key("actual");
        j.opt_number(past ? std::optional<double>(actual) : std::nullopt, 2);
        j.key("estimate");
        j.number(e.estimate, 2);
        j.key("difference");
        j.opt_number(past ? std::optional<double>(difference) : std::nullopt, 2);
        j.key("percent");
        j.opt_number(past ? std::optional<double>(difference / std::fabs(e.estimate) * 100.0)
                          : std::nullopt,
                     4);
        j.w().EndObject();
    }
    j.w().EndArray();
    j.w().EndObject();
    write_file(out / "eodhd" / "calendar" / "earnings.json", j.text());
}

void write_manifest(const fs::path& out) {
    JsonOut j;
    j.w().StartObject();
    j.key("synthetic");
    j.boolean(true);
    j.key("as_of");
    j.str(screener::format_date(k_as_of));
    j.key("generator");
    j.str("tools/gen_sample_market.cpp");
    j.key("seed");
    j.integer(static_cast<std::int64_t>(k_seed));
    j.key("symbols");
    j.w().StartArray();
    for (const auto& s : optionable()) {
        j.str(s.code);
    }
    j.w().EndArray();
    j.key("description");
    j.str("SYNTHETIC sample market, not real quotes: 40 optionable US symbols with one year of "
          "daily bars (GBM), Black-Scholes-Merton option chains with a skewed smile, an earnings "
          "calendar, and 20 invented small or illiquid names in the bulk snapshot only. Files are "
          "in the EODHD and MarketData.app response formats. See docs/sample-market.md.");
    j.w().EndObject();
    write_file(out / "manifest.json", j.text());
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argc > 0 ? argv[0] : "gen_sample_market");
        return 2;
    }
    const fs::path out = argv[1];
    try {
        write_manifest(out);
        write_earnings(out);

        std::vector<std::pair<const SymbolSpec*, std::vector<HistBar>>> all;
        for (const auto& s : optionable()) {
            all.emplace_back(&s, make_history(s));
        }
        for (const auto& s : small_caps()) {
            all.emplace_back(&s, make_history(s));
        }
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
            return std::string_view(a.first->code) < b.first->code;
        });

        JsonOut bulk;
        bulk.w().StartArray();
        for (const auto& [spec, bars] : all) {
            write_bulk_row(bulk, *spec, bars);
        }
        bulk.w().EndArray();
        write_file(out / "eodhd" / "eod-bulk-last-day" / "US.json", bulk.text());

        for (const auto& [spec, bars] : all) {
            if (spec->liquidity <= 0) {
                continue; // universe-only names: no history file, no options
            }
            write_history(out, *spec, bars);
            write_expirations(out, *spec);
            write_chain(out, *spec, make_chain(*spec, bars.back().close));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gen_sample_market: %s\n", e.what());
        return 1;
    }
    return 0;
}
