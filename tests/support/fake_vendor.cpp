#include "support/fake_vendor.hpp"

#include "screener/core/calendar.hpp"
#include "screener/pricing/black_scholes.hpp"
#include "sim_random.hpp"
#include "support/loopback_server.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <regex>
#include <stdexcept>
#include <tuple>

namespace screener::testing {

const char* to_string(Vendor vendor) {
    return vendor == Vendor::Eodhd ? "eodhd" : "marketdata";
}

const char* to_string(FaultKind kind) {
    switch (kind) {
    case FaultKind::TooManyRequests:
        return "429";
    case FaultKind::ServerError:
        return "500";
    case FaultKind::BadGatewayHtml:
        return "502";
    case FaultKind::Unavailable:
        return "503";
    case FaultKind::Slow:
        return "slow";
    case FaultKind::Reset:
        return "reset";
    case FaultKind::Truncated:
        return "truncate";
    case FaultKind::MalformedJson:
        return "malformed";
    case FaultKind::NaFields:
        return "na";
    case FaultKind::RaggedArrays:
        return "ragged";
    case FaultKind::Unauthorized:
        return "401";
    case FaultKind::EmptyBody:
        return "empty";
    }
    return "?";
}

namespace {

using namespace std::chrono;
using Clock = steady_clock;

// ---------------------------------------------------------------------------------------------
// Randomness: an own splitmix64 and Box-Muller (std:: distributions are implementation-defined),
// one stream per (seed, symbol, purpose) so a symbol's data never depends on N.

using sim::Rng;

using sim::fnv1a;

Rng stream(std::uint64_t seed, std::string_view symbol, std::string_view purpose) {
    return Rng(seed * 0xD1B54A32D192ED03ULL ^ fnv1a(symbol) ^
               (fnv1a(purpose) * 0x9E3779B97F4A7C15ULL));
}

double round_to(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}
double cents(double value) {
    return round_to(value, 2);
}

std::string_view strip_us(std::string_view code) {
    if (code.size() > 3 && code.substr(code.size() - 3) == ".US") {
        code.remove_suffix(3);
    }
    return code;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto cut = text.find(separator);
        const auto part = text.substr(0, cut);
        if (!part.empty()) {
            out.emplace_back(part);
        }
        if (cut == std::string_view::npos) {
            break;
        }
        text.remove_prefix(cut + 1);
    }
    return out;
}

unsigned day_of(Date date) {
    return static_cast<unsigned>(date.day());
}
weekday weekday_of(Date date) {
    return weekday{sys_days{date}};
}

// Third-Friday monthlies; an expiration moved to Thursday by a Friday holiday keeps its kind.
bool is_monthly(Date expiration) {
    const Date friday = weekday_of(expiration) == Friday ? expiration : add_days(expiration, 1);
    return weekday_of(friday) == Friday && day_of(friday) >= 15 && day_of(friday) <= 21;
}

double strike_step(double spot) {
    if (spot < 10) {
        return 0.5;
    }
    if (spot < 25) {
        return 1;
    }
    if (spot < 100) {
        return 2.5;
    }
    return spot < 250 ? 5 : 10;
}

std::string occ_symbol(std::string_view root, Date expiration, OptionType type, double strike) {
    return fmt::format("{}{:02}{:02}{:02}{}{:08}", root, static_cast<int>(expiration.year()) % 100,
                       static_cast<unsigned>(expiration.month()), day_of(expiration),
                       type == OptionType::Call ? 'C' : 'P', std::llround(strike * 1000));
}

std::optional<Date> parse_date_or_unix(const std::string& text) {
    if (auto date = parse_date(text)) {
        return date;
    }
    if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit)) {
        return new_york_date(std::stoll(text));
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// JSON writing

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct Json {
    rapidjson::StringBuffer buffer;
    Writer w{buffer};
    std::string str() const { return {buffer.GetString(), buffer.GetSize()}; }
    Json& key(std::string_view name) {
        w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
        return *this;
    }
    Json& value(double v) {
        w.Double(v);
        return *this;
    }
    Json& value(long long v) {
        w.Int64(v);
        return *this;
    }
    Json& value(int v) {
        w.Int(v);
        return *this;
    }
    Json& value(bool v) {
        w.Bool(v);
        return *this;
    }
    Json& value(std::string_view v) {
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
        return *this;
    }
    Json& value(const char* v) { return value(std::string_view(v)); }
    Json& value(const std::string& v) { return value(std::string_view(v)); }
    Json& value(std::nullptr_t) {
        w.Null();
        return *this;
    }
    template <typename T>
    Json& value(const std::optional<T>& v) {
        return v ? value(*v) : value(nullptr);
    }
    template <typename T>
    Json& field(std::string_view name, const T& v) {
        return key(name).value(v);
    }
    // A columnar array: one element per row from `get(row)`.
    template <typename Rows, typename Get>
    Json& column(std::string_view name, const Rows& rows, Get get) {
        key(name);
        w.StartArray();
        for (const auto& row : rows) {
            value(get(row));
        }
        w.EndArray();
        return *this;
    }
};

// ---------------------------------------------------------------------------------------------
// Body faults: rewrite a JSON body the way a misbehaving vendor would.

void replace_numbers_with_na(rapidjson::Value& value, rapidjson::Document::AllocatorType& alloc) {
    if (value.IsNumber()) {
        value.SetString("NA", alloc);
    } else if (value.IsArray()) {
        for (auto& element : value.GetArray()) {
            replace_numbers_with_na(element, alloc);
        }
    } else if (value.IsObject()) {
        for (auto& member : value.GetObject()) {
            // EODHD keeps gmtoffset numeric in its "NA" answers.
            if (std::string_view(member.name.GetString()) != "gmtoffset") {
                replace_numbers_with_na(member.value, alloc);
            }
        }
    }
}

std::string rewrite_json(const std::string& body, FaultKind kind) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    if (doc.HasParseError()) {
        return body;
    }
    if (kind == FaultKind::NaFields) {
        replace_numbers_with_na(doc, doc.GetAllocator());
    } else if (kind == FaultKind::RaggedArrays && doc.IsObject()) {
        // Like the documented chain example: "side" (else the last column) one entry too long.
        rapidjson::Value* target = nullptr;
        for (auto& member : doc.GetObject()) {
            if (member.value.IsArray()) {
                target = &member.value;
                if (std::string_view(member.name.GetString()) == "side") {
                    break;
                }
            }
        }
        if (target != nullptr) {
            rapidjson::Value extra;
            if (!target->Empty()) {
                extra.CopyFrom((*target)[target->Size() - 1], doc.GetAllocator());
            }
            target->PushBack(extra, doc.GetAllocator());
        }
    }
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    doc.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

// ---------------------------------------------------------------------------------------------
// Token bucket (rate limits).

struct Bucket {
    double capacity = 0; // 0 = no limit
    double per_second = 0;
    double tokens = 0;
    Clock::time_point last{};

    void configure(double limit, double period_seconds) {
        capacity = std::max(1.0, limit); // a fractional limit still allows one request
        per_second = limit / period_seconds;
        tokens = capacity;
        last = Clock::now();
    }
    void refill(Clock::time_point now) {
        tokens = std::min(capacity, tokens + duration<double>(now - last).count() * per_second);
        last = now;
    }
    // 0 when a token was taken, else the seconds until one is available.
    double take(Clock::time_point now) {
        if (capacity <= 0) {
            return 0;
        }
        refill(now);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (1 - tokens) / per_second;
    }
};

// ---------------------------------------------------------------------------------------------
// What a route answers, before the server-wide policy (headers, faults, latency) is applied.

struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    long long credits = 0;    // charged when the final status is 2xx
    bool marketplace = false; // EODHD marketplace pool
    std::vector<std::pair<std::string, std::string>> headers;
};

Reply json_reply(int status, std::string body, long long credits = 0) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    reply.credits = credits;
    return reply;
}

Reply text_reply(int status, std::string body, std::string content_type) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    reply.content_type = std::move(content_type);
    return reply;
}

const char* k_nginx_502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                          "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.19.10"
                          "</center>\r\n</body>\r\n</html>\r\n";
const char* k_nginx_503 = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title>"
                          "</head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable"
                          "</h1></center>\r\n<hr><center>nginx/1.19.10</center>\r\n</body>\r\n"
                          "</html>\r\n";
const char* k_md_credit_limit =
    R"({"s":"error","errmsg":"API credit limit reached for current window.",)"
    R"("troubleshootingGuide":"https://www.marketdata.app/docs/api/troubleshooting/running-out-of-credits"})";
const char* k_md_concurrency =
    R"({"s":"error","errmsg":"Too many concurrent requests. Please reduce parallel requests and retry.",)"
    R"("troubleshootingGuide":"https://www.marketdata.app/docs/api/troubleshooting/too-many-concurrent-requests"})";
const char* k_md_no_data = R"({"s":"no_data"})";
const char* k_eodhd_rate_limit = R"({"error": "API rate limit exceeded"})";
const char* k_eodhd_concurrency = R"({"error": "Too many concurrent requests"})";

Reply rate_limited(Vendor vendor, bool concurrency) {
    if (vendor == Vendor::MarketData) {
        return json_reply(429, concurrency ? k_md_concurrency : k_md_credit_limit);
    }
    return json_reply(429, concurrency ? k_eodhd_concurrency : k_eodhd_rate_limit);
}

// The request as the routes see it.
struct Call {
    const httplib::Request& req;
    std::string host_url; // "http://HOST:PORT" from the Host header (for links.next)

    bool has(const char* name) const { return req.has_param(name); }
    std::string param(const char* name) const {
        return req.has_param(name) ? req.get_param_value(name) : std::string();
    }
};

// Per-bar statistics of the extended bulk shape.
struct BarStats {
    double ema_50 = 0, ema_200 = 0, hi_250 = 0, lo_250 = 0, prev_close = 0;
    double avgvol_14 = 0, avgvol_50 = 0, avgvol_200 = 0;
};

BarStats stats_at(const std::vector<Bar>& bars, std::size_t index) {
    BarStats s;
    const auto average_volume = [&](std::size_t n) {
        const std::size_t first = index + 1 >= n ? index + 1 - n : 0;
        double sum = 0;
        for (std::size_t i = first; i <= index; ++i) {
            sum += bars[i].volume;
        }
        return round_to(sum / static_cast<double>(index + 1 - first), 2);
    };
    const auto ema = [&](double n) {
        const double k = 2.0 / (n + 1);
        double e = bars[0].close;
        for (std::size_t i = 1; i <= index; ++i) {
            e = bars[i].close * k + e * (1 - k);
        }
        return round_to(e, 3);
    };
    s.ema_50 = ema(50);
    s.ema_200 = ema(200);
    s.hi_250 = bars[index].high;
    s.lo_250 = bars[index].low;
    for (std::size_t i = index + 1 >= 250 ? index + 1 - 250 : 0; i <= index; ++i) {
        s.hi_250 = std::max(s.hi_250, bars[i].high);
        s.lo_250 = std::min(s.lo_250, bars[i].low);
    }
    s.prev_close = index > 0 ? bars[index - 1].close : bars[index].open;
    s.avgvol_14 = average_volume(14);
    s.avgvol_50 = average_volume(50);
    s.avgvol_200 = average_volume(200);
    return s;
}

double average_volume(const SimSymbol& symbol) {
    double sum = 0;
    for (const auto& bar : symbol.history) {
        sum += bar.volume;
    }
    return sum / static_cast<double>(symbol.history.size());
}

// =============================================================================================
// EODHD: every /api/... route. Formats: vendors notes section 1.3.

class EodhdRoutes {
public:
    explicit EodhdRoutes(const FakeMarket& market) : m_market(market) {}

    struct Account {
        long long main_credits = 0, marketplace_credits = 0;
    };

    Reply route(const Call& c, const FakeVendorOptions& options, Account account) const {
        static const std::regex bulk("/api/eod-bulk-last-day/([^/]+)/?");
        static const std::regex eod("/api/eod/([^/]+)/?");
        static const std::regex earnings("/api/calendar/earnings/?");
        static const std::regex real_time("/api/real-time/([^/]+)/?");
        static const std::regex contracts("/api/mp/unicornbay/options/contracts/?");
        static const std::regex user("/api/(internal-user|user)/?");
        static const std::regex fundamentals("/api/fundamentals/([^/]+)/?");
        std::smatch m;
        const std::string& path = c.req.path;
        if (std::regex_match(path, m, bulk)) {
            return this->bulk(c, m[1]);
        }
        if (std::regex_match(path, m, eod)) {
            return this->eod(c, m[1]);
        }
        if (std::regex_match(path, earnings)) {
            return this->earnings(c);
        }
        if (std::regex_match(path, m, real_time)) {
            return this->real_time(c, m[1]);
        }
        if (std::regex_match(path, contracts)) {
            return this->contracts(c, options.eodhd_max_page_limit);
        }
        if (std::regex_match(path, user)) {
            return internal_user(account);
        }
        if (std::regex_match(path, m, fundamentals)) {
            return this->fundamentals(c, m[1]);
        }
        return text_reply(404, "Not Found", "text/html; charset=UTF-8");
    }

private:
    static bool wants_json(const Call& c) { return c.param("fmt") == "json"; }

    Reply bulk(const Call& c, const std::string& exchange) const {
        const bool json = wants_json(c);
        const bool extended = json && c.param("filter") == "extended";
        const auto wanted = split(c.param("symbols"), ',');
        const long long credits = 100 + static_cast<long long>(wanted.size());
        Date date = m_market.last_session();
        if (c.has("date")) {
            const auto parsed = parse_date(c.param("date"));
            if (!parsed) {
                return json_reply(422, R"({"message":"The date format is invalid."})");
            }
            date = *parsed;
        }
        const std::string type = c.param("type");
        const bool eod_rows = exchange == "US" && (type.empty() || type == "eod");

        Json j;
        std::string csv = "Code,Ex,Date,Open,High,Low,Close,Adjusted_close,Volume\n";
        j.w.StartArray();
        for (const auto& s : m_market.symbols()) {
            if (!eod_rows) {
                break;
            }
            if (!wanted.empty() &&
                std::none_of(wanted.begin(), wanted.end(),
                             [&](const std::string& w) { return strip_us(w) == s.code; })) {
                continue;
            }
            const auto it = std::find_if(s.history.begin(), s.history.end(),
                                         [&](const Bar& b) { return b.date == date; });
            if (it == s.history.end()) {
                continue;
            }
            const Bar& b = *it;
            if (!json) {
                csv += fmt::format("{},US,{},{},{},{},{},{},{}\n", s.code, format_date(b.date),
                                   b.open, b.high, b.low, b.close, b.adjusted_close, b.volume);
                continue;
            }
            const auto st = stats_at(s.history, static_cast<std::size_t>(it - s.history.begin()));
            j.w.StartObject();
            j.field("code", s.code);
            if (extended) {
                j.field("name", s.name).field("type", "Common Stock");
            }
            j.field("exchange_short_name", "US").field("date", format_date(b.date));
            if (extended) {
                j.field("MarketCapitalization", std::llround(b.close * s.shares))
                    .field("Beta", round_to(s.beta, 3));
            }
            j.field("open", b.open).field("high", b.high).field("low", b.low);
            j.field("close", b.close).field("adjusted_close", b.adjusted_close);
            j.field("volume", std::llround(b.volume));
            if (extended) {
                j.field("ema_50d", st.ema_50).field("ema_200d", st.ema_200);
                j.field("hi_250d", st.hi_250).field("lo_250d", st.lo_250);
                j.field("prev_close", st.prev_close)
                    .field("change", cents(b.close - st.prev_close));
                j.field("change_p", round_to(100 * (b.close / st.prev_close - 1), 4));
                j.field("avgvol_14d", st.avgvol_14).field("avgvol_50d", st.avgvol_50);
                j.field("avgvol_200d", st.avgvol_200);
            }
            j.w.EndObject();
        }
        j.w.EndArray();
        if (!json) {
            auto reply = text_reply(200, csv, "text/csv; charset=UTF-8");
            reply.credits = credits;
            return reply;
        }
        return json_reply(200, j.str(), credits);
    }

    Reply eod(const Call& c, const std::string& ticker) const {
        const SimSymbol* s = find_ticker(ticker);
        if (s == nullptr) {
            return text_reply(404, "Ticker Not Found.", "text/html; charset=UTF-8");
        }
        const auto from = parse_date(c.param("from"));
        const auto to = parse_date(c.param("to"));
        std::vector<Bar> bars;
        for (const auto& b : s->history) {
            if ((!from || b.date >= *from) && (!to || b.date <= *to)) {
                bars.push_back(b);
            }
        }
        const std::string period = c.param("period");
        if (period == "w" || period == "m") {
            bars = aggregate(bars, period == "w");
        }
        if (c.param("order") == "d") {
            std::reverse(bars.begin(), bars.end());
        }
        const std::string filter = c.param("filter");
        if ((filter == "last_close" || filter == "last_volume") && !bars.empty()) {
            const Bar& last = c.param("order") == "d" ? bars.front() : bars.back();
            Json j;
            j.value(filter == "last_close" ? last.close : last.volume);
            return json_reply(200, j.str(), 1);
        }
        if (!wants_json(c)) {
            std::string csv = "Date,Open,High,Low,Close,Adjusted_close,Volume\n";
            for (const auto& b : bars) {
                csv += fmt::format("{},{},{},{},{},{},{}\n", format_date(b.date), b.open, b.high,
                                   b.low, b.close, b.adjusted_close, b.volume);
            }
            auto reply = text_reply(200, csv, "text/csv; charset=UTF-8");
            reply.credits = 1;
            return reply;
        }
        Json j;
        j.w.StartArray();
        for (const auto& b : bars) {
            j.w.StartObject();
            j.field("date", format_date(b.date)).field("open", b.open).field("high", b.high);
            j.field("low", b.low).field("close", b.close).field("adjusted_close", b.adjusted_close);
            j.field("volume", std::llround(b.volume));
            j.w.EndObject();
        }
        j.w.EndArray();
        return json_reply(200, j.str(), 1);
    }

    // Weekly (Monday-based) or monthly bars, dated at the period's first session.
    static std::vector<Bar> aggregate(const std::vector<Bar>& bars, bool weekly) {
        std::vector<Bar> out;
        const auto key = [weekly](Date d) {
            if (weekly) {
                const sys_days day{d};
                return static_cast<long>(
                    (day - (weekday{day} - Monday)).time_since_epoch().count());
            }
            return static_cast<long>(static_cast<int>(d.year()) * 12 +
                                     static_cast<int>(static_cast<unsigned>(d.month())));
        };
        long current = 0;
        for (const auto& b : bars) {
            if (out.empty() || key(b.date) != current) {
                current = key(b.date);
                out.push_back(b);
                continue;
            }
            Bar& agg = out.back();
            agg.high = std::max(agg.high, b.high);
            agg.low = std::min(agg.low, b.low);
            agg.close = b.close;
            agg.adjusted_close = b.adjusted_close;
            agg.volume += b.volume;
        }
        return out;
    }

    Reply earnings(const Call& c) const {
        const Date as_of = m_market.config().as_of;
        const Date from = parse_date(c.param("from")).value_or(as_of);
        const Date to = parse_date(c.param("to")).value_or(add_days(as_of, 7));
        const auto wanted = split(c.param("symbols"), ',');
        struct Row {
            const SimSymbol* symbol;
            const SimEarnings* event;
        };
        std::vector<Row> rows;
        for (const auto& s : m_market.symbols()) {
            const bool listed =
                std::any_of(wanted.begin(), wanted.end(),
                            [&](const std::string& w) { return strip_us(w) == s.code; });
            if (!wanted.empty() && !listed) {
                continue;
            }
            for (const auto& e : s.earnings) {
                // `symbols` overrides the date window, as on the real API.
                if (!wanted.empty() || (e.report_date >= from && e.report_date <= to)) {
                    rows.push_back({&s, &e});
                }
            }
        }
        std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
            return a.event->report_date < b.event->report_date;
        });
        const auto difference = [](const SimEarnings& e) -> std::optional<double> {
            if (!e.actual || !e.estimate) {
                return std::nullopt;
            }
            return round_to(*e.actual - *e.estimate, 4);
        };
        const auto percent = [&](const SimEarnings& e) -> std::optional<double> {
            const auto d = difference(e);
            return d ? std::optional(round_to(100 * *d / *e.estimate, 4)) : std::nullopt;
        };
        if (!wants_json(c)) {
            std::string csv =
                "Code,Report_Date,Date,Before_After_Market,Currency,Actual,Estimate,Difference,"
                "Percent\n";
            const auto opt = [](std::optional<double> v) {
                return v ? fmt::format("{}", *v) : std::string();
            };
            for (const auto& r : rows) {
                csv += fmt::format("{}.US,{},{},{},USD,{},{},{},{}\n", r.symbol->code,
                                   format_date(r.event->report_date),
                                   format_date(r.event->fiscal_period_end), r.event->timing,
                                   opt(r.event->actual), opt(r.event->estimate),
                                   opt(difference(*r.event)), opt(percent(*r.event)));
            }
            auto reply = text_reply(200, csv, "text/csv; charset=UTF-8");
            reply.credits = 1;
            return reply;
        }
        Json j;
        j.w.StartObject();
        j.field("type", "Earnings").field("description", "Historical and upcoming Earnings");
        j.field("from", format_date(from)).field("to", format_date(to));
        j.key("earnings");
        j.w.StartArray();
        for (const auto& r : rows) {
            const SimEarnings& e = *r.event;
            j.w.StartObject();
            j.field("code", r.symbol->code + ".US")
                .field("report_date", format_date(e.report_date));
            j.field("date", format_date(e.fiscal_period_end));
            j.field("before_after_market", e.timing).field("currency", "USD");
            j.field("actual", e.actual).field("estimate", e.estimate);
            j.field("difference", difference(e)).field("percent", percent(e));
            j.w.EndObject();
        }
        j.w.EndArray();
        j.w.EndObject();
        return json_reply(200, j.str(), 1);
    }

    // Only the dividend fields of Highlights and SplitsDividends are simulated; 10 calls. A
    // payer's next ex-date falls 1-80 days after the last session (deterministic per symbol).
    Reply fundamentals(const Call& c, const std::string& ticker) const {
        const SimSymbol* s = find_ticker(ticker);
        if (s == nullptr) {
            return text_reply(404, "Ticker Not Found.", "text/html; charset=UTF-8");
        }
        const auto sections = split(c.param("filter"), ',');
        const auto wanted = [&](const char* name) {
            return sections.empty() ||
                   std::find(sections.begin(), sections.end(), name) != sections.end();
        };
        const double yield = s->dividend_yield > 0 ? std::expm1(s->dividend_yield) : 0.0;
        const double annual = cents(yield * s->last());
        const Date ex_date =
            add_days(m_market.last_session(), 1 + static_cast<int>(sim::fnv1a(s->code) % 80));
        Json j;
        j.w.StartObject();
        if (wanted("Highlights")) {
            j.w.Key("Highlights");
            j.w.StartObject();
            j.field("DividendShare", annual).field("DividendYield", round_to(yield, 4));
            j.w.EndObject();
        }
        if (wanted("SplitsDividends")) {
            j.w.Key("SplitsDividends");
            j.w.StartObject();
            j.field("ForwardAnnualDividendRate", annual)
                .field("ForwardAnnualDividendYield", round_to(yield, 4))
                .field("ExDividendDate", yield > 0 ? format_date(ex_date) : "0000-00-00");
            j.w.EndObject();
        }
        j.w.EndObject();
        return json_reply(200, j.str(), 10);
    }

    Reply real_time(const Call& c, const std::string& ticker) const {
        std::vector<std::string> tickers{ticker};
        for (auto& extra : split(c.param("s"), ',')) {
            tickers.push_back(std::move(extra));
        }
        const bool many = tickers.size() > 1;
        const long long credits = static_cast<long long>(tickers.size());
        const std::int64_t timestamp = market_close_unix(m_market.last_session());
        Json j;
        std::string csv = "code,timestamp,gmtoffset,open,high,low,close,volume,previousClose,"
                          "change,change_p\n";
        if (many) {
            j.w.StartArray();
        }
        for (const auto& t : tickers) {
            const std::string code = t.find('.') == std::string::npos ? t + ".US" : t;
            const SimSymbol* s = find_ticker(t);
            j.w.StartObject();
            j.field("code", code);
            if (s == nullptr) {
                // An unknown code is a 200 with "NA" everywhere (vendors notes 1.3.3).
                j.field("timestamp", "NA").field("gmtoffset", 0);
                for (const char* name : {"open", "high", "low", "close", "volume", "previousClose",
                                         "change", "change_p"}) {
                    j.field(name, "NA");
                }
                csv += fmt::format("{},NA,0,NA,NA,NA,NA,NA,NA,NA,NA\n", code);
            } else {
                const Bar& b = s->history.back();
                const double previous = s->history[s->history.size() - 2].close;
                const double change = cents(b.close - previous);
                const double change_p = round_to(100 * (b.close / previous - 1), 4);
                j.field("timestamp", static_cast<long long>(timestamp)).field("gmtoffset", 0);
                j.field("open", b.open).field("high", b.high).field("low", b.low);
                j.field("close", b.close).field("volume", std::llround(b.volume));
                j.field("previousClose", previous).field("change", change);
                j.field("change_p", change_p);
                csv += fmt::format("{},{},0,{},{},{},{},{},{},{},{}\n", code, timestamp, b.open,
                                   b.high, b.low, b.close, b.volume, previous, change, change_p);
            }
            j.w.EndObject();
        }
        if (many) {
            j.w.EndArray();
        }
        if (!wants_json(c)) {
            auto reply = text_reply(200, csv, "text/csv; charset=UTF-8");
            reply.credits = credits;
            return reply;
        }
        return json_reply(200, j.str(), credits);
    }

    Reply contracts(const Call& c, int max_limit) const {
        const auto unprocessable = [](std::string message) {
            Json j;
            j.w.StartObject();
            j.field("status", 422).field("error", "Unprocessable Entity").field("message", message);
            j.w.EndObject();
            return json_reply(422, j.str());
        };
        const std::string contract = c.param("filter[contract]");
        std::string underlying = c.param("filter[underlying_symbol]");
        if (contract.empty() && underlying.empty()) {
            return unprocessable("filter.contract is required when filter.underlying_symbol is "
                                 "absent");
        }
        if (underlying.empty() && contract.size() > 15) {
            underlying = contract.substr(0, contract.size() - 15); // OCC: root + 15 characters
        }
        const auto number = [&](const char* name, long long fallback) {
            const std::string text = c.param(name);
            return text.empty() ? fallback : std::atoll(text.c_str());
        };
        const long long limit = number("page[limit]", 1000);
        const long long offset = number("page[offset]", 0);
        if (limit < 1 || limit > max_limit) {
            return unprocessable(fmt::format("page.limit must be between 1 and {}", max_limit));
        }
        if (offset < 0 || offset > 10000) {
            return unprocessable("page.offset must be between 0 and 10000");
        }

        // Underlying is the bare code ("AAPL", not "AAPL.US"): a suffixed one matches nothing.
        std::vector<SimOption> rows;
        const SimSymbol* s = m_market.find(underlying);
        if (s != nullptr && underlying.find('.') == std::string::npos) {
            rows = m_market.chain(*s);
        }
        const auto date_param = [&](const char* name) { return parse_date(c.param(name)); };
        const auto strike_param = [&](const char* name) -> std::optional<double> {
            return c.has(name) ? std::optional(std::atof(c.param(name).c_str())) : std::nullopt;
        };
        const auto exp_eq = date_param("filter[exp_date_eq]");
        const auto exp_from = date_param("filter[exp_date_from]");
        const auto exp_to = date_param("filter[exp_date_to]");
        const auto strike_eq = strike_param("filter[strike_eq]");
        const auto strike_from = strike_param("filter[strike_from]");
        const auto strike_to = strike_param("filter[strike_to]");
        const std::string type = c.param("filter[type]");
        std::erase_if(rows, [&](const SimOption& o) {
            return (!contract.empty() && o.contract != contract) ||
                   (exp_eq && o.expiration != *exp_eq) || (exp_from && o.expiration < *exp_from) ||
                   (exp_to && o.expiration > *exp_to) ||
                   (strike_eq && std::fabs(o.strike - *strike_eq) > 1e-9) ||
                   (strike_from && o.strike < *strike_from) ||
                   (strike_to && o.strike > *strike_to) ||
                   (type == "call" && o.type != OptionType::Call) ||
                   (type == "put" && o.type != OptionType::Put);
        });
        const std::string sort = c.param("sort");
        const bool descending = !sort.empty() && sort.front() == '-';
        const std::string sort_key = descending ? sort.substr(1) : sort;
        if (sort_key == "exp_date" || sort_key == "strike") {
            std::stable_sort(rows.begin(), rows.end(), [&](const SimOption& a, const SimOption& b) {
                const bool by_exp = sort_key == "exp_date";
                const bool less = by_exp ? a.expiration < b.expiration : a.strike < b.strike;
                const bool greater = by_exp ? b.expiration < a.expiration : b.strike < a.strike;
                return descending ? greater : less;
            });
        }

        std::vector<std::string> fields = contract_fields();
        if (c.has("fields[options-contracts]")) {
            const auto wanted = split(c.param("fields[options-contracts]"), ',');
            std::erase_if(fields, [&](const std::string& f) {
                return std::find(wanted.begin(), wanted.end(), f) == wanted.end();
            });
        }
        const auto total = static_cast<long long>(rows.size());
        const auto end = std::min(total, offset + limit);

        Json j;
        j.w.StartObject();
        j.key("meta").w.StartObject();
        j.field("offset", offset).field("limit", limit).field("total", total);
        j.key("fields").w.StartArray();
        for (const auto& f : fields) {
            j.value(f);
        }
        j.w.EndArray();
        j.w.EndObject();
        j.key("data").w.StartArray();
        const double spot = s != nullptr ? s->last() : 0;
        for (long long i = offset; i < end; ++i) {
            write_contract(j, rows[static_cast<std::size_t>(i)], *s, spot, fields);
        }
        j.w.EndArray();
        j.key("links").w.StartObject();
        j.key("next");
        if (end < total) {
            j.value(next_link(c, end, limit));
        } else {
            j.value(nullptr);
        }
        j.w.EndObject();
        j.w.EndObject();
        auto reply = json_reply(200, j.str(), 10);
        reply.marketplace = true;
        return reply;
    }

    // The vendor's next link: same query minus the token, literal brackets, page[offset] moved.
    static std::string next_link(const Call& c, long long offset, long long limit) {
        std::string url = c.host_url + c.req.path + "?";
        bool first = true;
        const auto add = [&](const std::string& key, const std::string& value) {
            url += (first ? "" : "&") + key + "=" + value;
            first = false;
        };
        for (const auto& [key, value] : c.req.params) {
            if (key != "api_token" && key != "page[offset]" && key != "page[limit]") {
                add(key, value);
            }
        }
        add("page[offset]", std::to_string(offset));
        add("page[limit]", std::to_string(limit));
        return url;
    }

    void write_contract(Json& j, const SimOption& o, const SimSymbol& s, double spot,
                        const std::vector<std::string>& fields) const {
        const Date session = m_market.last_session();
        const std::string quote_time = format_date(session) + " 20:00:00";
        const bool traded = o.volume > 0;
        const std::optional<double> last = o.last;
        const double moneyness =
            round_to((o.type == OptionType::Call ? spot - o.strike : o.strike - spot) / spot, 2);
        const auto size_from = [&](long long salt) {
            return 1 + static_cast<long long>(fnv1a(o.contract) % 97 + salt) % 250;
        };
        j.w.StartObject();
        j.field("id", o.contract).field("type", "options-contracts");
        j.key("attributes").w.StartObject();
        for (const auto& f : fields) {
            j.key(f);
            if (f == "contract") {
                j.value(o.contract);
            } else if (f == "underlying_symbol") {
                j.value(s.code);
            } else if (f == "exp_date") {
                j.value(format_date(o.expiration));
            } else if (f == "expiration_type") {
                j.value(is_monthly(o.expiration) ? "monthly" : "weekly");
            } else if (f == "type") {
                j.value(o.type == OptionType::Call ? "call" : "put");
            } else if (f == "strike") {
                j.value(o.strike);
            } else if (f == "exchange") {
                j.value("NASDAQ");
            } else if (f == "currency") {
                j.value("USD");
            } else if (f == "open" || f == "high" || f == "low" || f == "last" || f == "previous") {
                j.value(traded || f == "last" || f == "previous" ? last : std::nullopt);
            } else if (f == "last_size") {
                j.value(traded ? 1LL : 0LL);
            } else if (f == "change" || f == "pctchange" || f == "volume_change" ||
                       f == "volume_pctchange" || f == "open_interest_change" ||
                       f == "open_interest_pctchange" || f == "volatility_change" ||
                       f == "volatility_pctchange") {
                j.value(0);
            } else if (f == "previous_date") {
                j.value(format_date(previous_trading_day(session)));
            } else if (f == "bid") {
                j.value(o.bid);
            } else if (f == "bid_date" || f == "ask_date") {
                j.value(quote_time);
            } else if (f == "bid_size") {
                j.value(o.bid > 0 ? size_from(3) : 0LL);
            } else if (f == "ask") {
                j.value(o.ask);
            } else if (f == "ask_size") {
                j.value(size_from(11));
            } else if (f == "moneyness") {
                j.value(moneyness);
            } else if (f == "volume") {
                j.value(o.volume);
            } else if (f == "open_interest") {
                j.value(o.open_interest);
            } else if (f == "volatility") {
                j.value(round_to(o.iv, 4));
            } else if (f == "theoretical") {
                j.value(cents(o.theoretical));
            } else if (f == "delta") {
                j.value(round_to(o.delta, 6));
            } else if (f == "gamma") {
                j.value(round_to(o.gamma, 6));
            } else if (f == "theta") { // per calendar day
                j.value(round_to(o.theta / 365, 6));
            } else if (f == "vega") { // per volatility point
                j.value(round_to(o.vega / 100, 6));
            } else if (f == "rho") { // per rate point
                j.value(round_to(o.rho / 100, 6));
            } else if (f == "tradetime") {
                j.value(format_date(session));
            } else if (f == "vol_oi_ratio") {
                j.value(o.open_interest > 0 ? round_to(static_cast<double>(o.volume) /
                                                           static_cast<double>(o.open_interest),
                                                       2)
                                            : 0.0);
            } else if (f == "dte") {
                j.value(o.dte);
            } else if (f == "midpoint") {
                j.value(o.mid);
            } else {
                j.value(nullptr);
            }
        }
        j.w.EndObject();
        j.w.EndObject();
    }

    Reply internal_user(Account account) const {
        Json j;
        j.w.StartObject();
        j.field("name", "Fake Vendor").field("email", "fake@example.invalid");
        j.field("subscriptionType", "monthly").field("paymentMethod", "PayPal");
        j.field("apiRequests", account.main_credits);
        j.field("apiRequestsDate", format_date(m_market.config().as_of));
        j.field("dailyRateLimit", 100000).field("extraLimit", 0);
        j.field("inviteToken", nullptr).field("inviteTokenClicked", 0);
        j.field("subscriptionMode", "paid").field("canManageOrganizations", false);
        j.key("availableDataFeeds").w.StartArray();
        j.value("EOD Historical Data").value("Live (delayed) Data API");
        j.w.EndArray();
        j.key("availableMarketplaceDataFeeds").w.StartObject();
        j.field("dailyRateLimit", 100000).field("requestsSpent", account.marketplace_credits);
        j.field("timeToReset", "19:01 GMT+0000");
        j.key("subscriptions").w.StartArray();
        j.value("US Stock Options Data API");
        j.w.EndArray();
        j.w.EndObject();
        j.w.EndObject();
        return json_reply(200, j.str(), 1);
    }

    // "SYM0001.US" or "SYM0001" (no suffix means US); other exchanges are unknown.
    const SimSymbol* find_ticker(std::string_view ticker) const {
        const auto code = strip_us(ticker);
        return code.find('.') == std::string_view::npos ? m_market.find(code) : nullptr;
    }

    // The 43 attributes of the documented example, in its order (also meta.fields).
    static const std::vector<std::string>& contract_fields() {
        static const std::vector<std::string> fields =
            split("contract,underlying_symbol,exp_date,expiration_type,type,strike,exchange,"
                  "currency,open,high,low,last,last_size,change,pctchange,previous,previous_date,"
                  "bid,bid_date,bid_size,ask,ask_date,ask_size,moneyness,volume,volume_change,"
                  "volume_pctchange,open_interest,open_interest_change,open_interest_pctchange,"
                  "volatility,volatility_change,volatility_pctchange,theoretical,delta,gamma,theta,"
                  "vega,rho,tradetime,vol_oi_ratio,dte,midpoint",
                  ',');
        return fields;
    }

    const FakeMarket& m_market;
};

// =============================================================================================
// MarketData.app: every /v1/... route. Formats: vendors notes section 2.4.

class MarketDataRoutes {
public:
    explicit MarketDataRoutes(const FakeMarket& market) : m_market(market) {}

    Reply route(const Call& c) const {
        static const std::regex candles("/v1/stocks/candles/([^/]+)/([^/]+)/?");
        static const std::regex quote("/v1/stocks/quotes/([^/]+)/?");
        static const std::regex quotes("/v1/stocks/quotes/?");
        static const std::regex expirations("/v1/options/expirations/([^/]+)/?");
        static const std::regex chain("/v1/options/chain/([^/]+)/?");
        static const std::regex earnings("/v1/stocks/earnings/([^/]+)/?");
        static const std::regex bulkcandles("/v1/stocks/bulkcandles/([^/]+)/?");
        std::smatch m;
        const std::string& path = c.req.path;
        if (std::regex_match(path, m, bulkcandles)) {
            return this->bulkcandles(c, m[1]);
        }
        if (std::regex_match(path, m, candles)) {
            return this->candles(c, m[1], m[2]);
        }
        if (std::regex_match(path, m, quote)) {
            return this->quotes({m[1]});
        }
        if (std::regex_match(path, quotes)) {
            return this->quotes(split(c.param("symbols"), ','));
        }
        if (std::regex_match(path, m, expirations)) {
            return this->expirations(m[1]);
        }
        if (std::regex_match(path, m, chain)) {
            return this->chain(c, m[1]);
        }
        if (std::regex_match(path, m, earnings)) {
            return this->earnings(c, m[1]);
        }
        return json_reply(404, R"({"s":"error","errmsg":"Not found."})");
    }

private:
    static Reply no_data() { return json_reply(404, k_md_no_data); }
    static Reply bad_parameter(std::string_view message) {
        Json j;
        j.w.StartObject();
        j.field("s", "error").field("errmsg", message);
        j.w.EndObject();
        return json_reply(400, j.str());
    }

    // Daily candles are stamped at midnight New York time of the session.
    static long long session_unix(Date date) { return new_york_to_unix(date, 0, 0); }

    Reply candles(const Call& c, const std::string& resolution, const std::string& code) const {
        if (resolution != "D" && resolution != "daily" && resolution != "1D") {
            return bad_parameter("Only daily candles are simulated by the fake vendor.");
        }
        const SimSymbol* s = m_market.find(code);
        if (s == nullptr) {
            return no_data();
        }
        const auto from = parse_date_or_unix(c.param("from"));
        const auto to = parse_date_or_unix(c.param("to"));
        std::vector<Bar> bars;
        for (const auto& b : s->history) {
            if ((!from || b.date >= *from) && (!to || b.date <= *to)) {
                bars.push_back(b);
            }
        }
        if (c.has("countback")) {
            const auto n =
                static_cast<std::size_t>(std::max(0, std::atoi(c.param("countback").c_str())));
            if (bars.size() > n) {
                bars.erase(bars.begin(), bars.end() - static_cast<std::ptrdiff_t>(n));
            }
        }
        if (bars.empty()) {
            return no_data();
        }
        Json j;
        j.w.StartObject();
        j.field("s", "ok");
        j.column("c", bars, [](const Bar& b) { return b.close; });
        j.column("h", bars, [](const Bar& b) { return b.high; });
        j.column("l", bars, [](const Bar& b) { return b.low; });
        j.column("o", bars, [](const Bar& b) { return b.open; });
        j.column("t", bars, [](const Bar& b) { return session_unix(b.date); });
        j.column("v", bars, [](const Bar& b) { return std::llround(b.volume); });
        j.w.EndObject();
        return json_reply(200, j.str(), static_cast<long long>((bars.size() + 999) / 1000));
    }

    // The last session's bar of every symbol (snapshot=true) or of the listed ones; 1 credit per
    // symbol returned.
    Reply bulkcandles(const Call& c, const std::string& resolution) const {
        if (resolution != "D" && resolution != "daily" && resolution != "1D") {
            return bad_parameter("Bulk candles are daily only.");
        }
        std::vector<const SimSymbol*> found;
        if (c.param("snapshot") == "true") {
            for (const auto& s : m_market.symbols()) {
                found.push_back(&s);
            }
        } else {
            for (const auto& code : split(c.param("symbols"), ',')) {
                if (const SimSymbol* s = m_market.find(code)) {
                    found.push_back(s);
                }
            }
        }
        if (found.empty()) {
            return no_data();
        }
        Json j;
        j.w.StartObject();
        j.field("s", "ok");
        j.column("symbol", found, [](const SimSymbol* s) { return s->code; });
        j.column("o", found, [](const SimSymbol* s) { return s->history.back().open; });
        j.column("h", found, [](const SimSymbol* s) { return s->history.back().high; });
        j.column("l", found, [](const SimSymbol* s) { return s->history.back().low; });
        j.column("c", found, [](const SimSymbol* s) { return s->history.back().close; });
        j.column("v", found,
                 [](const SimSymbol* s) { return std::llround(s->history.back().volume); });
        j.column("t", found,
                 [](const SimSymbol* s) { return session_unix(s->history.back().date); });
        j.w.EndObject();
        return json_reply(200, j.str(), static_cast<long long>(found.size()));
    }

    Reply quotes(const std::vector<std::string>& codes) const {
        std::vector<const SimSymbol*> found;
        for (const auto& code : codes) {
            if (const SimSymbol* s = m_market.find(code)) {
                found.push_back(s);
            }
        }
        if (found.empty()) {
            return no_data();
        }
        const auto half_spread = [](const SimSymbol* s) {
            return std::max(0.01, cents(s->last() * 0.0002));
        };
        const long long updated = market_close_unix(m_market.last_session());
        Json j;
        j.w.StartObject();
        j.field("s", "ok");
        j.column("symbol", found, [](const SimSymbol* s) { return s->code; });
        j.column("ask", found,
                 [&](const SimSymbol* s) { return cents(s->last() + half_spread(s)); });
        j.column("askSize", found, [](const SimSymbol* s) {
            return static_cast<long long>(100 * (1 + s->code.size() % 4));
        });
        j.column("bid", found,
                 [&](const SimSymbol* s) { return cents(s->last() - half_spread(s)); });
        j.column("bidSize", found,
                 [](const SimSymbol* s) { return 100 * (1 + s->code.back() % 3); });
        j.column("mid", found, [](const SimSymbol* s) { return s->last(); });
        j.column("last", found, [](const SimSymbol* s) { return s->last(); });
        const auto previous = [](const SimSymbol* s) {
            return s->history[s->history.size() - 2].close;
        };
        j.column("change", found,
                 [&](const SimSymbol* s) { return cents(s->last() - previous(s)); });
        j.column("changepct", found,
                 [&](const SimSymbol* s) { return round_to(s->last() / previous(s) - 1, 4); });
        j.column("volume", found,
                 [](const SimSymbol* s) { return std::llround(s->history.back().volume); });
        j.column("updated", found, [&](const SimSymbol*) { return updated; });
        j.w.EndObject();
        return json_reply(200, j.str(), static_cast<long long>(found.size()));
    }

    Reply expirations(const std::string& code) const {
        if (m_market.find(code) == nullptr) {
            return no_data();
        }
        const auto dates = m_market.expirations();
        Json j;
        j.w.StartObject();
        j.field("s", "ok");
        j.column("expirations", dates, [](Date d) { return format_date(d); });
        j.field("updated", static_cast<long long>(market_close_unix(m_market.last_session())));
        j.w.EndObject();
        return json_reply(200, j.str(), 1);
    }

    // Absolute-delta filter: "a-b" range, ">a", "<a", or "a[,b...]" = the contract closest to
    // each value per expiration and side.
    struct DeltaFilter {
        double lo = 0, hi = 1;
        std::vector<double> targets;
    };
    static std::optional<DeltaFilter> parse_delta(const std::string& text) {
        DeltaFilter f;
        try {
            if (text.empty()) {
                return std::nullopt;
            }
            if (text.front() == '>') {
                f.lo = std::stod(text.substr(1));
            } else if (text.front() == '<') {
                f.hi = std::stod(text.substr(1));
            } else if (const auto dash = text.find('-'); dash != std::string::npos) {
                f.lo = std::stod(text.substr(0, dash));
                f.hi = std::stod(text.substr(dash + 1));
            } else {
                for (const auto& part : split(text, ',')) {
                    f.targets.push_back(std::stod(part));
                }
            }
        } catch (const std::exception&) {
            return std::nullopt;
        }
        return f;
    }

    Reply chain(const Call& c, const std::string& code) const {
        const SimSymbol* s = m_market.find(code);
        if (s == nullptr) {
            return no_data();
        }
        auto rows = m_market.chain(*s);
        const auto dates = m_market.expirations();
        const Date as_of = m_market.config().as_of;

        // Expiration selection; the default is the next monthly only (vendors notes 2.3).
        std::vector<Date> chosen;
        const std::string expiration = c.param("expiration");
        if (expiration == "all") {
            chosen = dates;
        } else if (!expiration.empty()) {
            const auto date = parse_date(expiration);
            if (!date) {
                return bad_parameter("Invalid expiration date.");
            }
            chosen = {*date};
        } else if (c.has("dte")) {
            const int dte = std::atoi(c.param("dte").c_str());
            const auto best = std::min_element(dates.begin(), dates.end(), [&](Date a, Date b) {
                return std::abs(days_between(as_of, a) - dte) <
                       std::abs(days_between(as_of, b) - dte);
            });
            if (best != dates.end()) {
                chosen = {*best};
            }
        } else if (c.has("from") || c.has("to")) {
            const auto from = parse_date_or_unix(c.param("from"));
            const auto to = parse_date_or_unix(c.param("to"));
            for (Date d : dates) {
                if ((!from || d >= *from) && (!to || d <= *to)) {
                    chosen.push_back(d);
                }
            }
        } else {
            const auto monthly = std::find_if(dates.begin(), dates.end(), is_monthly);
            if (monthly != dates.end()) {
                chosen = {*monthly};
            }
        }
        const std::string side = c.param("side");
        const double spot = s->last();
        const std::string range = c.param("range");
        const auto min_oi =
            c.has("minOpenInterest") ? std::atoll(c.param("minOpenInterest").c_str()) : 0;
        const auto min_volume = c.has("minVolume") ? std::atoll(c.param("minVolume").c_str()) : 0;
        std::erase_if(rows, [&](const SimOption& o) {
            const bool itm = o.type == OptionType::Call ? o.strike < spot : o.strike > spot;
            return std::find(chosen.begin(), chosen.end(), o.expiration) == chosen.end() ||
                   (side == "call" && o.type != OptionType::Call) ||
                   (side == "put" && o.type != OptionType::Put) || (range == "itm" && !itm) ||
                   (range == "otm" && itm) || o.open_interest < min_oi || o.volume < min_volume;
        });
        if (c.has("delta")) {
            const auto filter = parse_delta(c.param("delta"));
            if (!filter) {
                return bad_parameter("Invalid delta parameter.");
            }
            if (filter->targets.empty()) {
                std::erase_if(rows, [&](const SimOption& o) {
                    const double d = std::fabs(round_to(o.delta, 3));
                    return d < filter->lo || d > filter->hi;
                });
            } else {
                rows = closest_deltas(rows, filter->targets);
            }
        }
        if (c.has("strikeLimit")) {
            rows = limit_strikes(rows, spot, std::atoi(c.param("strikeLimit").c_str()));
        }
        if (rows.empty()) {
            return no_data();
        }
        const long long updated = market_close_unix(m_market.last_session());
        const auto call = [](const SimOption& o) { return o.type == OptionType::Call; };
        const auto intrinsic = [&](const SimOption& o) {
            return cents(std::max(0.0, call(o) ? spot - o.strike : o.strike - spot));
        };
        Json j;
        j.w.StartObject();
        j.field("s", "ok");
        j.column("optionSymbol", rows, [](const SimOption& o) { return o.contract; });
        j.column("underlying", rows, [&](const SimOption&) { return s->code; });
        j.column("expiration", rows, [](const SimOption& o) {
            return static_cast<long long>(new_york_to_unix(o.expiration, 16, 0));
        });
        j.column("side", rows, [&](const SimOption& o) { return call(o) ? "call" : "put"; });
        j.column("strike", rows, [](const SimOption& o) { return o.strike; });
        j.column("firstTraded", rows, [](const SimOption& o) {
            return static_cast<long long>(new_york_to_unix(add_days(o.expiration, -182), 9, 30));
        });
        j.column("dte", rows, [](const SimOption& o) { return o.dte; });
        j.column("updated", rows, [&](const SimOption&) { return updated; });
        j.column("bid", rows, [](const SimOption& o) { return o.bid; });
        j.column("bidSize", rows, [](const SimOption& o) {
            return o.bid > 0 ? 1 + static_cast<long long>(fnv1a(o.contract) % 120) : 0LL;
        });
        j.column("mid", rows, [](const SimOption& o) { return o.mid; });
        j.column("ask", rows, [](const SimOption& o) { return o.ask; });
        j.column("askSize", rows, [](const SimOption& o) {
            return 1 + static_cast<long long>(fnv1a(o.contract) % 150);
        });
        j.column("last", rows, [](const SimOption& o) { return o.last; });
        j.column("openInterest", rows, [](const SimOption& o) { return o.open_interest; });
        j.column("volume", rows, [](const SimOption& o) { return o.volume; });
        j.column("inTheMoney", rows, [&](const SimOption& o) { return intrinsic(o) > 0; });
        j.column("intrinsicValue", rows, intrinsic);
        j.column("extrinsicValue", rows,
                 [&](const SimOption& o) { return cents(std::max(0.0, o.mid - intrinsic(o))); });
        j.column("underlyingPrice", rows, [&](const SimOption&) { return spot; });
        j.column("iv", rows, [](const SimOption& o) { return round_to(o.iv, 4); });
        j.column("delta", rows, [](const SimOption& o) { return round_to(o.delta, 3); });
        j.column("gamma", rows, [](const SimOption& o) { return round_to(o.gamma, 4); });
        j.column("theta", rows, [](const SimOption& o) { return round_to(o.theta / 365, 3); });
        j.column("vega", rows, [](const SimOption& o) { return round_to(o.vega / 100, 3); });
        j.w.EndObject();
        // Billed one credit per option symbol returned (price columns included).
        return json_reply(200, j.str(), static_cast<long long>(rows.size()));
    }

    static std::vector<SimOption> closest_deltas(const std::vector<SimOption>& rows,
                                                 const std::vector<double>& targets) {
        std::vector<SimOption> out;
        std::map<std::pair<long, int>, std::vector<const SimOption*>> groups;
        for (const auto& o : rows) {
            groups[{sys_days{o.expiration}.time_since_epoch().count(), static_cast<int>(o.type)}]
                .push_back(&o);
        }
        for (const auto& [key, group] : groups) {
            for (double target : targets) {
                const auto best = std::min_element(
                    group.begin(), group.end(), [&](const SimOption* a, const SimOption* b) {
                        return std::fabs(std::fabs(a->delta) - target) <
                               std::fabs(std::fabs(b->delta) - target);
                    });
                if (best != group.end() &&
                    std::none_of(out.begin(), out.end(), [&](const SimOption& o) {
                        return o.contract == (*best)->contract;
                    })) {
                    out.push_back(**best);
                }
            }
        }
        std::stable_sort(out.begin(), out.end(), [](const SimOption& a, const SimOption& b) {
            return std::tie(a.expiration, a.strike) < std::tie(b.expiration, b.strike);
        });
        return out;
    }

    // Keeps, per expiration, the `limit` strikes closest to the money (both sides).
    static std::vector<SimOption> limit_strikes(const std::vector<SimOption>& rows, double spot,
                                                int limit) {
        std::map<long, std::vector<double>> strikes;
        for (const auto& o : rows) {
            auto& list = strikes[sys_days{o.expiration}.time_since_epoch().count()];
            if (std::find(list.begin(), list.end(), o.strike) == list.end()) {
                list.push_back(o.strike);
            }
        }
        for (auto& [key, list] : strikes) {
            std::stable_sort(list.begin(), list.end(), [&](double a, double b) {
                return std::fabs(a - spot) < std::fabs(b - spot);
            });
            if (list.size() > static_cast<std::size_t>(std::max(0, limit))) {
                list.resize(static_cast<std::size_t>(std::max(0, limit)));
            }
        }
        std::vector<SimOption> out;
        for (const auto& o : rows) {
            const auto& list = strikes[sys_days{o.expiration}.time_since_epoch().count()];
            if (std::find(list.begin(), list.end(), o.strike) != list.end()) {
                out.push_back(o);
            }
        }
        return out;
    }

    Reply earnings(const Call& c, const std::string& code) const {
        const SimSymbol* s = m_market.find(code);
        if (s == nullptr) {
            return no_data();
        }
        const auto from = parse_date_or_unix(c.param("from"));
        const auto to = parse_date_or_unix(c.param("to"));
        std::vector<SimEarnings> rows;
        for (const auto& e : s->earnings) {
            if ((!from || e.report_date >= *from) && (!to || e.report_date <= *to)) {
                rows.push_back(e);
            }
        }
        if (c.has("countback")) {
            const auto n =
                static_cast<std::size_t>(std::max(0, std::atoi(c.param("countback").c_str())));
            if (rows.size() > n) {
                rows.erase(rows.begin(), rows.end() - static_cast<std::ptrdiff_t>(n));
            }
        }
        if (rows.empty()) {
            return no_data();
        }
        const long long updated = market_close_unix(m_market.last_session());
        const auto surprise = [](const SimEarnings& e) -> std::optional<double> {
            return e.actual && e.estimate ? std::optional(round_to(*e.actual - *e.estimate, 4))
                                          : std::nullopt;
        };
        Json j;
        j.w.StartObject();
        j.field("s", "ok");
        j.column("symbol", rows, [&](const SimEarnings&) { return s->code; });
        j.column("fiscalYear", rows,
                 [](const SimEarnings& e) { return static_cast<int>(e.fiscal_period_end.year()); });
        j.column("fiscalQuarter", rows, [](const SimEarnings& e) {
            return static_cast<int>((static_cast<unsigned>(e.fiscal_period_end.month()) - 1) / 3 +
                                    1);
        });
        j.column("date", rows,
                 [](const SimEarnings& e) { return session_unix(e.fiscal_period_end); });
        j.column("reportDate", rows,
                 [](const SimEarnings& e) { return session_unix(e.report_date); });
        j.column("reportTime", rows, [](const SimEarnings& e) {
            return e.timing == "BeforeMarket" ? "before market open" : "after market close";
        });
        j.column("currency", rows, [](const SimEarnings&) { return "USD"; });
        j.column("reportedEPS", rows, [](const SimEarnings& e) { return e.actual; });
        j.column("estimatedEPS", rows, [](const SimEarnings& e) { return e.estimate; });
        j.column("surpriseEPS", rows, surprise);
        j.column("surpriseEPSpct", rows, [&](const SimEarnings& e) -> std::optional<double> {
            const auto d = surprise(e);
            return d ? std::optional(round_to(100 * *d / *e.estimate, 4)) : std::nullopt;
        });
        j.column("updated", rows, [&](const SimEarnings&) { return updated; });
        j.w.EndObject();
        return json_reply(200, j.str(), 1);
    }

    const FakeMarket& m_market;
};

// Symbols a request is about, for fault matching: the last path segment, the marketplace
// underlying and the comma lists of symbols= / s= (".US" stripped).
std::vector<std::string> request_symbols(const httplib::Request& req) {
    std::vector<std::string> out;
    const auto segments = split(req.path, '/');
    if (!segments.empty()) {
        out.emplace_back(strip_us(segments.back()));
    }
    for (const char* key : {"filter[underlying_symbol]", "symbols", "s"}) {
        if (req.has_param(key)) {
            for (const auto& code : split(req.get_param_value(key), ',')) {
                out.emplace_back(strip_us(code));
            }
        }
    }
    return out;
}

// Next 09:30 New York time after `now` (MarketData's daily credit window reset).
long long next_marketdata_reset(std::int64_t now) {
    Date day = new_york_date(now);
    for (int i = 0; i < 3; ++i, day = add_days(day, 1)) {
        const auto reset = new_york_to_unix(day, 9, 30);
        if (reset > now) {
            return reset;
        }
    }
    return now + 86400;
}

} // namespace

// =============================================================================================
// FakeMarket

FakeMarket::FakeMarket(const MarketConfig& config) : m_config(config) {
    std::vector<std::string> codes;
    const int width = config.symbols > 9999 ? 5 : 4;
    for (int i = 1; i <= config.symbols; ++i) {
        codes.push_back(fmt::format("SYM{:0{}d}", i, width));
    }
    codes.insert(codes.end(), config.extra_symbols.begin(), config.extra_symbols.end());

    std::vector<Date> days;
    for (Date d = last_session(); static_cast<int>(days.size()) < std::max(config.history_days, 2);
         d = previous_trading_day(d)) {
        days.push_back(d);
    }
    std::reverse(days.begin(), days.end());

    const double dt = 1.0 / 252;
    for (const auto& code : codes) {
        SimSymbol s;
        s.code = code;
        s.name = fmt::format("{} Synthetic Holdings Inc", code);
        Rng profile = stream(config.seed, code, "profile");
        s.sigma = 0.15 + 0.5 * profile.uniform();
        s.iv_base = s.sigma * (0.9 + 0.3 * profile.uniform());
        const double start = profile.log_uniform(8, 600);
        s.dividend_yield = profile.uniform() < 0.4 ? 0 : round_to(0.03 * profile.uniform(), 4);
        s.shares = std::round(profile.log_uniform(2e7, 1e10));
        s.beta = 0.4 + 1.4 * profile.uniform();
        const double mu = -0.1 + 0.3 * profile.uniform();
        const double adv = profile.log_uniform(2e5, 5e7);

        // Geometric Brownian motion for the close; open gaps, ranges and volume around it.
        Rng path = stream(config.seed, code, "history");
        double previous = start;
        const double step_sd = s.sigma * std::sqrt(dt);
        for (const Date day : days) {
            const double z = path.normal(), gap = path.normal();
            const double up = std::fabs(path.normal()), down = std::fabs(path.normal());
            const double vol_noise = path.normal();
            Bar b;
            b.date = day;
            b.open = std::max(0.01, cents(previous * std::exp(0.25 * step_sd * gap)));
            b.close = std::max(0.01, cents(previous * std::exp((mu - 0.5 * s.sigma * s.sigma) * dt +
                                                               step_sd * z)));
            b.high = cents(std::max(b.open, b.close) * (1 + 0.5 * step_sd * up));
            b.low = std::max(0.01, cents(std::min(b.open, b.close) * (1 - 0.5 * step_sd * down)));
            b.adjusted_close = b.close;
            b.volume = std::round(adv * std::exp(0.4 * vol_noise - 0.08));
            s.history.push_back(b);
            previous = b.close;
        }

        // Quarterly earnings for ~60 % of the symbols: three reported, the next within 90 days.
        Rng earn = stream(config.seed, code, "earnings");
        if (earn.uniform() < 0.6) {
            const Date next = add_days(config.as_of, 1 + static_cast<int>(earn.uniform() * 89));
            for (int q = 3; q >= 0; --q) {
                SimEarnings e;
                Date report = add_days(next, -91 * q);
                if (!is_trading_day(report)) {
                    report = next_trading_day(report);
                }
                e.report_date = report;
                const Date quarter_end = add_days(report, -30);
                e.fiscal_period_end = Date{quarter_end.year() / quarter_end.month() / last};
                e.timing = earn.uniform() < 0.5 ? "BeforeMarket" : "AfterMarket";
                e.estimate = cents(0.2 + 3 * earn.uniform());
                const double surprise = 0.08 * earn.normal();
                if (report <= last_session()) {
                    e.actual = cents(*e.estimate * (1 + surprise));
                }
                s.earnings.push_back(e);
            }
        }
        m_index.emplace(s.code, m_symbols.size());
        m_symbols.push_back(std::move(s));
    }
}

const SimSymbol* FakeMarket::find(std::string_view code) const {
    const auto it = m_index.find(strip_us(code));
    return it == m_index.end() ? nullptr : &m_symbols[it->second];
}

Date FakeMarket::last_session() const {
    return is_trading_day(m_config.as_of) ? m_config.as_of : previous_trading_day(m_config.as_of);
}

std::vector<Date> FakeMarket::expirations() const {
    std::vector<Date> out;
    for (int i = 1; i <= m_config.expiration_window_days; ++i) {
        const Date day = add_days(m_config.as_of, i);
        if (weekday_of(day) == Friday) {
            // A Friday holiday moves the expiration to the session before it.
            out.push_back(is_trading_day(day) ? day : previous_trading_day(day));
        }
    }
    return out;
}

std::vector<SimOption> FakeMarket::chain(const SimSymbol& symbol) const {
    std::vector<SimOption> out;
    const double spot = symbol.last();
    const double step = strike_step(spot);
    const double atm = std::round(spot / step) * step;
    const double adv = average_volume(symbol);
    const double r = m_config.rate, q = symbol.dividend_yield;
    Rng rng = stream(m_config.seed, symbol.code, "chain");
    for (const Date expiration : expirations()) {
        const int dte = days_between(m_config.as_of, expiration);
        const double t = dte / 365.0;
        // Earnings inside the option's life lift its volatility.
        const bool earnings_inside =
            std::any_of(symbol.earnings.begin(), symbol.earnings.end(), [&](const SimEarnings& e) {
                return e.report_date > m_config.as_of && e.report_date <= expiration;
            });
        const double term = (1 + 0.1 * (0.25 - t)) * (earnings_inside ? 1.12 : 1.0);
        for (int k = -m_config.strikes_each_side; k <= m_config.strikes_each_side; ++k) {
            const double strike = round_to(atm + k * step, 2);
            if (strike <= 0) {
                continue;
            }
            const double m = std::log(strike / spot);
            if (std::fabs(m) > 0.7) {
                continue; // listed strikes stay within about half to twice the spot
            }
            const double iv =
                std::clamp(symbol.iv_base * term * (1 - 0.3 * m + 1.2 * m * m), 0.05, 3.0);
            const double sd = std::max(0.02, symbol.iv_base * std::sqrt(t));
            const double liquidity = std::exp(-0.5 * (m / sd) * (m / sd));
            for (const OptionType type : {OptionType::Call, OptionType::Put}) {
                const double u_oi = rng.uniform(), u_volume = rng.uniform(), u_last = rng.uniform();
                const auto g = pricing::bs_greeks(type, spot, strike, t, r, q, iv);
                SimOption o;
                o.contract = occ_symbol(symbol.code, expiration, type, strike);
                o.expiration = expiration;
                o.type = type;
                o.strike = strike;
                o.dte = dte;
                o.iv = iv;
                o.delta = g.delta;
                o.gamma = g.gamma;
                o.theta = g.theta;
                o.vega = g.vega;
                o.rho = g.rho;
                o.theoretical = g.price;
                // Spreads widen away from the money; penny options quote 0 x 0.05.
                const double half = 0.01 + g.price * (0.01 + 0.05 * (1 - liquidity));
                if (g.price < 0.03) {
                    o.bid = 0;
                    o.ask = 0.05;
                } else {
                    o.bid = std::max(0.0, std::floor((g.price - half) * 100) / 100);
                    o.ask = std::max(o.bid + 0.01, std::ceil((g.price + half) * 100) / 100);
                }
                o.bid = cents(o.bid);
                o.ask = cents(o.ask);
                o.mid = round_to((o.bid + o.ask) / 2, 3);
                o.open_interest =
                    std::llround(adv / 150 * liquidity * (0.2 + u_oi) *
                                 (type == OptionType::Put ? 0.8 : 1.0) * std::exp(-2 * t));
                o.volume = std::llround(static_cast<double>(o.open_interest) * 0.2 * u_volume);
                if (o.open_interest > 0) {
                    o.last = cents(std::clamp(o.bid + u_last * (o.ask - o.bid), o.bid, o.ask));
                }
                out.push_back(std::move(o));
            }
        }
    }
    return out;
}

// =============================================================================================
// Faults

Fault parse_fault(std::string_view spec) {
    const auto parts = split(spec, ':');
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument(fmt::format("fault '{}': {} (expected "
                                                 "VENDOR:PATH:KIND[:COUNT[:SYMBOL]])",
                                                 spec, why));
    };
    if (parts.size() < 3) {
        throw bad("too few fields");
    }
    Fault fault;
    if (parts[0] == "eodhd") {
        fault.vendor = Vendor::Eodhd;
    } else if (parts[0] == "marketdata") {
        fault.vendor = Vendor::MarketData;
    } else {
        throw bad("unknown vendor '" + parts[0] + "'");
    }
    static const std::map<std::string, FaultKind> kinds = {
        {"429", FaultKind::TooManyRequests}, {"500", FaultKind::ServerError},
        {"502", FaultKind::BadGatewayHtml},  {"503", FaultKind::Unavailable},
        {"slow", FaultKind::Slow},           {"reset", FaultKind::Reset},
        {"truncate", FaultKind::Truncated},  {"malformed", FaultKind::MalformedJson},
        {"na", FaultKind::NaFields},         {"ragged", FaultKind::RaggedArrays},
        {"401", FaultKind::Unauthorized},    {"empty", FaultKind::EmptyBody}};
    // The path may itself contain ':' (a regex); the kind is the last field naming one.
    std::size_t kind_index = 0;
    for (std::size_t i = 2; i < parts.size(); ++i) {
        if (kinds.count(parts[i]) != 0) {
            kind_index = i;
        }
    }
    if (kind_index == 0) {
        throw bad("no fault kind");
    }
    for (std::size_t i = 1; i < kind_index; ++i) {
        fault.path += (i > 1 ? ":" : "") + parts[i];
    }
    fault.kind = kinds.at(parts[kind_index]);
    if (kind_index + 1 < parts.size()) {
        const std::string& count = parts[kind_index + 1];
        if (count == "always") {
            fault.count = -1;
        } else if (!count.empty() && std::all_of(count.begin(), count.end(), ::isdigit)) {
            fault.count = std::stoi(count);
        } else {
            throw bad("bad count '" + count + "'");
        }
    }
    if (kind_index + 2 < parts.size()) {
        fault.symbol = parts[kind_index + 2];
    }
    if (kind_index + 3 < parts.size()) {
        throw bad("too many fields");
    }
    return fault;
}

// =============================================================================================
// FakeVendor

struct FakeVendor::Impl {
    struct VendorState {
        int in_flight = 0;
        int max_in_flight = 0;
        long long credits = 0;
        long long marketplace_credits = 0;
        std::size_t requests = 0;
        Bucket per_second, per_minute;
        Bucket window;           // never enforced: feeds EODHD's X-RateLimit-* headers
        long long successes = 0; // for the 203 toggle
    };
    struct ActiveFault {
        Fault fault;
        std::optional<std::regex> pattern;
        int used = 0;
    };

    FakeMarket market;
    EodhdRoutes eodhd_routes{market};
    MarketDataRoutes marketdata_routes{market};
    httplib::Server server;
    std::unique_ptr<LoopbackServer> loopback;

    mutable std::mutex mutex;
    std::condition_variable wake; // interrupts sleeps on stop
    bool stopping = false;
    FakeVendorOptions options;
    std::vector<ActiveFault> faults;
    std::vector<RequestRecord> records;
    std::uint64_t generation = 0; // bumped by reset_accounting (stale record indexes)
    VendorState state[2];

    Impl(const MarketConfig& market_config, const FakeVendorOptions& vendor_options)
        : market(market_config), options(vendor_options) {
        configure_buckets();
        server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res);
        });
    }

    VendorState& of(Vendor v) { return state[static_cast<int>(v)]; }
    const VendorState& of(Vendor v) const { return state[static_cast<int>(v)]; }
    const VendorBehaviour& behaviour(Vendor v) const {
        return v == Vendor::Eodhd ? options.eodhd : options.marketdata;
    }

    void configure_buckets() {
        for (const Vendor v : {Vendor::Eodhd, Vendor::MarketData}) {
            const RateLimit& limit = behaviour(v).rate_limit;
            of(v).per_second = {};
            of(v).per_minute = {};
            of(v).window.configure(limit.per_minute > 0 ? limit.per_minute : 1000, 60);
            if (limit.per_second > 0) {
                of(v).per_second.configure(limit.per_second, 1);
            }
            if (limit.per_minute > 0) {
                of(v).per_minute.configure(limit.per_minute, 60);
            }
        }
    }

    // Waits `duration` unless the server is stopping.
    void sleep(milliseconds duration) {
        std::unique_lock lock(mutex);
        wake.wait_for(lock, duration, [this] { return stopping; });
    }

    std::optional<FaultKind> take_fault(Vendor vendor, const httplib::Request& req, Fault* out) {
        const auto symbols = request_symbols(req);
        for (auto& active : faults) {
            const Fault& f = active.fault;
            if (f.vendor != vendor || (f.count >= 0 && active.used >= f.count)) {
                continue;
            }
            const bool path_ok = active.pattern ? std::regex_search(req.path, *active.pattern)
                                                : req.path.rfind(f.path, 0) == 0;
            const bool symbol_ok = f.symbol.empty() || std::find(symbols.begin(), symbols.end(),
                                                                 f.symbol) != symbols.end();
            if (path_ok && symbol_ok) {
                ++active.used;
                *out = f;
                return f.kind;
            }
        }
        return std::nullopt;
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        const bool eodhd = req.path.rfind("/api/", 0) == 0;
        const bool marketdata = req.path.rfind("/v1/", 0) == 0;
        if (!eodhd && !marketdata) {
            res.status = 404;
            res.set_content("Not Found", "text/plain");
            return;
        }
        const Vendor vendor = eodhd ? Vendor::Eodhd : Vendor::MarketData;
        const auto arrival = Clock::now();

        std::size_t index = 0;
        std::uint64_t arrival_generation = 0;
        int in_flight = 0;
        VendorBehaviour how;
        FakeVendorOptions opts;
        {
            std::lock_guard lock(mutex);
            auto& st = of(vendor);
            in_flight = ++st.in_flight;
            st.max_in_flight = std::max(st.max_in_flight, in_flight);
            ++st.requests;
            RequestRecord record;
            record.arrival = arrival;
            record.vendor = vendor;
            record.path = req.path;
            for (const auto& [key, value] : req.params) {
                if (key != "api_token" && key != "token") {
                    record.params.emplace_back(key, value);
                }
            }
            record.in_flight = in_flight;
            index = records.size();
            arrival_generation = generation;
            records.push_back(std::move(record));
            how = behaviour(vendor);
            opts = options;
        }

        Fault fault;
        std::optional<FaultKind> kind;
        Reply reply;
        try {
            reply = decide(vendor, req, how, opts, in_flight, &fault, &kind);
        } catch (const std::exception& error) {
            // A bug or an absurd parameter must not leak this request's in-flight count.
            reply = text_reply(500, fmt::format("fake vendor: {}", error.what()), "text/plain");
        }
        if (how.latency.count() > 0) {
            sleep(how.latency);
        }
        if (kind == FaultKind::Slow) {
            sleep(duration_cast<milliseconds>(fault.delay));
        }

        const bool success = reply.status >= 200 && reply.status < 300;
        long long charged = success ? reply.credits : 0;
        {
            std::lock_guard lock(mutex);
            auto& st = of(vendor);
            --st.in_flight;
            if (vendor == Vendor::MarketData && success) {
                if (opts.marketdata_203_every > 0 &&
                    ++st.successes % opts.marketdata_203_every == 0) {
                    reply.status = 203; // cache-served: same body, still billed
                }
            }
            if (reply.marketplace) {
                st.marketplace_credits += charged;
            }
            st.credits += charged;
            if (generation == arrival_generation && index < records.size()) {
                records[index].status = reply.status;
                records[index].credits = charged;
                records[index].fault = kind ? to_string(*kind) : "";
            }
            add_rate_headers(vendor, reply, charged, opts);
        }
        write(res, reply, kind);
    }

    // Auth, concurrency cap, rate limit, credit window, faults, then the vendor's route.
    Reply decide(Vendor vendor, const httplib::Request& req, const VendorBehaviour& how,
                 const FakeVendorOptions& opts, int in_flight, Fault* fault,
                 std::optional<FaultKind>* kind) {
        if (!authorised(vendor, req, how.token)) {
            if (vendor == Vendor::Eodhd) {
                return text_reply(401, "Unauthenticated", "text/html; charset=UTF-8");
            }
            return json_reply(401, R"({"s":"error","errmsg":"Invalid token. Check your token )"
                                   R"(in the Authorization header."})");
        }
        if (how.max_concurrent > 0 && in_flight > how.max_concurrent) {
            auto reply = rate_limited(vendor, true);
            reply.headers.emplace_back("Retry-After", "1");
            return reply;
        }
        {
            std::lock_guard lock(mutex);
            auto& st = of(vendor);
            const auto now = Clock::now();
            const double wait = std::max(st.per_second.take(now), st.per_minute.take(now));
            st.window.take(now);
            if (wait > 0) {
                auto reply = rate_limited(vendor, false);
                reply.headers.emplace_back(
                    "Retry-After", std::to_string(std::max(1, static_cast<int>(std::ceil(wait)))));
                return reply;
            }
            if (vendor == Vendor::MarketData && st.credits >= opts.marketdata_daily_credits) {
                return rate_limited(vendor, false);
            }
            *kind = take_fault(vendor, req, fault);
        }
        if (*kind) {
            switch (**kind) {
            case FaultKind::TooManyRequests: {
                auto reply = rate_limited(vendor, false);
                reply.headers.emplace_back("Retry-After",
                                           std::to_string(fault->retry_after_seconds));
                return reply;
            }
            case FaultKind::ServerError:
                return vendor == Vendor::MarketData
                           ? json_reply(500, R"({"s":"error","errmsg":"Internal server error."})")
                           : text_reply(500, "Internal Server Error", "text/html; charset=UTF-8");
            case FaultKind::BadGatewayHtml:
                return text_reply(502, k_nginx_502, "text/html");
            case FaultKind::Unavailable:
                return text_reply(503, k_nginx_503, "text/html");
            case FaultKind::Unauthorized:
                return text_reply(401, "Unauthenticated", "text/html; charset=UTF-8");
            default:
                break;
            }
        }

        const std::string host = req.get_header_value("Host");
        const Call call{req, "http://" + (host.empty() ? std::string("127.0.0.1") : host)};
        Reply reply;
        if (vendor == Vendor::Eodhd) {
            EodhdRoutes::Account account;
            {
                std::lock_guard lock(mutex);
                account.marketplace_credits = of(vendor).marketplace_credits;
                account.main_credits = of(vendor).credits - account.marketplace_credits;
            }
            reply = eodhd_routes.route(call, opts, account);
        } else {
            reply = marketdata_routes.route(call);
        }
        if (*kind && reply.status == 200) {
            switch (**kind) {
            case FaultKind::MalformedJson:
                reply.body.resize(reply.body.size() / 2);
                break;
            case FaultKind::NaFields:
            case FaultKind::RaggedArrays:
                reply.body = rewrite_json(reply.body, **kind);
                break;
            case FaultKind::EmptyBody:
                reply.body.clear();
                break;
            default:
                break;
            }
        }
        return reply;
    }

    static bool authorised(Vendor vendor, const httplib::Request& req, const std::string& token) {
        if (token.empty()) {
            return true;
        }
        if (vendor == Vendor::Eodhd) {
            return req.has_param("api_token") && req.get_param_value("api_token") == token;
        }
        return req.get_header_value("Authorization") == "Bearer " + token ||
               (req.has_param("token") && req.get_param_value("token") == token);
    }

    // Called with the mutex held.
    void add_rate_headers(Vendor vendor, Reply& reply, long long charged,
                          const FakeVendorOptions& opts) {
        auto& st = of(vendor);
        if (vendor == Vendor::Eodhd) {
            // The real API reports its per-minute request window (1000 documented).
            st.window.refill(Clock::now());
            const long long limit = std::llround(st.window.capacity);
            const auto remaining = static_cast<long long>(st.window.tokens);
            reply.headers.emplace_back("X-RateLimit-Limit", std::to_string(limit));
            reply.headers.emplace_back("X-RateLimit-Remaining", std::to_string(remaining));
            return;
        }
        const auto now = static_cast<std::int64_t>(
            duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
        reply.headers.emplace_back("X-Api-Ratelimit-Limit",
                                   std::to_string(opts.marketdata_daily_credits));
        reply.headers.emplace_back(
            "X-Api-Ratelimit-Remaining",
            std::to_string(std::max(0LL, opts.marketdata_daily_credits - st.credits)));
        reply.headers.emplace_back("X-Api-Ratelimit-Reset",
                                   std::to_string(next_marketdata_reset(now)));
        reply.headers.emplace_back("X-Api-Ratelimit-Consumed", std::to_string(charged));
    }

    static void write(httplib::Response& res, const Reply& reply, std::optional<FaultKind> kind) {
        res.status = reply.status;
        for (const auto& [name, value] : reply.headers) {
            res.set_header(name.c_str(), value);
        }
        if (kind == FaultKind::Reset || kind == FaultKind::Truncated) {
            // Promise the whole body, send part of it (nothing for Reset), then abort: httplib
            // closes the connection and the client sees a transfer cut short.
            const std::size_t cut = kind == FaultKind::Reset ? 0 : reply.body.size() / 2;
            auto body = std::make_shared<std::string>(reply.body.empty() ? std::string(64, ' ')
                                                                         : reply.body);
            res.set_content_provider(
                body->size(), reply.content_type,
                [body, cut](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                    if (offset == 0 && cut > 0) {
                        sink.write(body->data(), cut);
                    }
                    return false;
                });
            return;
        }
        res.set_content(reply.body, reply.content_type);
    }
};

FakeVendor::FakeVendor(const MarketConfig& market, const FakeVendorOptions& options)
    : m_impl(std::make_unique<Impl>(market, options)) {}

FakeVendor::~FakeVendor() {
    stop();
}

void FakeVendor::start(int port, int threads) {
    if (m_impl->loopback) {
        return;
    }
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stopping = false;
    }
    m_impl->loopback = std::make_unique<LoopbackServer>(m_impl->server, threads, port);
}

void FakeVendor::stop() {
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stopping = true;
    }
    m_impl->wake.notify_all();
    m_impl->loopback.reset();
}

int FakeVendor::port() const {
    return m_impl->loopback ? m_impl->loopback->port() : 0;
}

std::string FakeVendor::eodhd_base_url() const {
    return fmt::format("http://127.0.0.1:{}/api", port());
}

std::string FakeVendor::marketdata_base_url() const {
    return fmt::format("http://127.0.0.1:{}", port());
}

const FakeMarket& FakeVendor::market() const {
    return m_impl->market;
}

FakeVendorOptions FakeVendor::options() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->options;
}

void FakeVendor::set_options(const FakeVendorOptions& options) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->options = options;
    m_impl->configure_buckets();
}

void FakeVendor::add_fault(const Fault& fault) {
    Impl::ActiveFault active{fault, std::nullopt, 0};
    if (!fault.path.empty() && fault.path.front() == '^') {
        active.pattern.emplace(fault.path);
    }
    std::lock_guard lock(m_impl->mutex);
    m_impl->faults.push_back(std::move(active));
}

void FakeVendor::clear_faults() {
    std::lock_guard lock(m_impl->mutex);
    m_impl->faults.clear();
}

std::vector<RequestRecord> FakeVendor::requests() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->records;
}

std::size_t FakeVendor::request_count(Vendor vendor) const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->of(vendor).requests;
}

long long FakeVendor::credits(Vendor vendor) const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->of(vendor).credits;
}

long long FakeVendor::eodhd_marketplace_credits() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->of(Vendor::Eodhd).marketplace_credits;
}

int FakeVendor::max_in_flight(Vendor vendor) const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->of(vendor).max_in_flight;
}

void FakeVendor::reset_accounting() {
    std::lock_guard lock(m_impl->mutex);
    m_impl->records.clear();
    ++m_impl->generation;
    for (auto& st : m_impl->state) {
        st.max_in_flight = st.in_flight;
        st.credits = 0;
        st.marketplace_credits = 0;
        st.requests = 0;
        st.successes = 0;
    }
    m_impl->configure_buckets();
}

} // namespace screener::testing
