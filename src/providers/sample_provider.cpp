#include "screener/providers/sample_provider.hpp"

#include "screener/core/calendar.hpp"
#include "screener/core/error.hpp"
#include "screener/core/symbol.hpp"
#include "screener/providers/eodhd_format.hpp"
#include "screener/providers/marketdata_format.hpp"
#include "screener/providers/vendor_json.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <memory>

namespace screener::providers {

namespace fs = std::filesystem;
namespace vj = vendor_json;

namespace {

// Symbols become file names: only what tickers use, so "../x" never leaves the sample.
void check_symbol(const std::string& symbol) {
    if (!is_ticker_symbol(symbol)) {
        throw DataError(fmt::format("'{}': not a valid ticker symbol for the sample market",
                                    vj::sanitize(symbol, 40)));
    }
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

} // namespace

std::string read_whole_file(const fs::path& path) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        throw DataError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    }
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        throw DataError(fmt::format("cannot size {}: {}", path.string(), ec.message()));
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    if (size > 0 && std::fread(text.data(), 1, text.size(), file.get()) != text.size()) {
        throw DataError(fmt::format("cannot read {}: short read", path.string()));
    }
    return text;
}

SampleProvider::SampleProvider(fs::path directory) : m_dir(std::move(directory)) {
    const fs::path manifest = m_dir / "manifest.json";
    const std::string context = fmt::format("sample market manifest ({})", manifest.string());
    if (!fs::is_regular_file(manifest)) {
        throw DataError(fmt::format("{}: no such file; is '{}' a sample market directory?", context,
                                    m_dir.string()));
    }
    const auto doc = vj::parse_body(read_whole_file(manifest), context);
    if (!doc.IsObject()) {
        vj::fail(context, fmt::format("expected a JSON object, got {}", vj::kind_of(doc)));
    }
    const auto* synthetic = vj::member(doc, "synthetic");
    if (synthetic == nullptr || !synthetic->IsBool() || !synthetic->GetBool()) {
        // The flag is what lets every report say the data is not real.
        vj::fail(context, "field 'synthetic' must be true");
    }
    m_as_of = vj::require_date(vj::member(doc, "as_of"), {context, "as_of", std::nullopt});
    const auto* symbols = vj::member(doc, "symbols");
    if (symbols == nullptr || !symbols->IsArray()) {
        vj::fail(context, "field 'symbols' must be an array of ticker symbols");
    }
    for (rapidjson::SizeType i = 0; i < symbols->Size(); ++i) {
        m_symbols.push_back(vj::require_string(&(*symbols)[i], {context, "symbols", i}));
    }
}

SampleProvider::Response SampleProvider::read_response(const std::string& symbol,
                                                       const char* vendor, const char* endpoint,
                                                       const fs::path& file,
                                                       const char* what) const {
    const std::string who = symbol.empty() ? std::string("sample") : symbol;
    ApiCall call{"sample", fmt::format("{} {}", vendor, endpoint), symbol, 404, 0, 0, 0, false, 0};
    if (!fs::exists(file)) {
        report_call(call);
        throw DataError(
            fmt::format("{}: no {} in the sample market ({})", who, what, file.string()));
    }
    const auto started = std::chrono::steady_clock::now();
    Response response{read_whole_file(file),
                      fmt::format("{}: {} {} ({})", who, vendor, endpoint, file.string())};
    call.status = 200;
    call.bytes = static_cast<std::int64_t>(response.body.size());
    call.duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    report_call(call);
    return response;
}

std::vector<StockSnapshot> SampleProvider::exchange_snapshot(Date /*as_of*/) {
    const auto r =
        read_response("", "eodhd", "/eod-bulk-last-day/{exchange}",
                      m_dir / "eodhd" / "eod-bulk-last-day" / "US.json", "exchange snapshot");
    return parse_eodhd_bulk(r.body, r.context);
}

std::vector<StockQuote> SampleProvider::quotes(const std::vector<std::string>& symbols) {
    std::vector<StockQuote> out;
    const auto rows = exchange_snapshot(m_as_of);
    for (const auto& symbol : symbols) {
        for (const auto& row : rows) {
            if (row.symbol == symbol) {
                StockQuote q;
                q.symbol = symbol;
                q.last = row.close;
                q.volume = row.volume;
                q.updated = market_close_unix(row.date);
                out.push_back(std::move(q));
                break;
            }
        }
    }
    return out;
}

std::vector<Bar> SampleProvider::daily_history(const std::string& symbol, Date from, Date to) {
    check_symbol(symbol);
    const auto r = read_response(symbol, "eodhd", "/eod/{ticker}",
                                 m_dir / "eodhd" / "eod" / (symbol + ".US.json"), "daily history");
    auto bars = parse_eodhd_eod(r.body, r.context);
    std::erase_if(bars, [&](const Bar& b) { return b.date < from || b.date > to; });
    return bars;
}

std::vector<Date> SampleProvider::expirations(const std::string& symbol) {
    check_symbol(symbol);
    const auto r =
        read_response(symbol, "marketdata", "/v1/options/expirations/{symbol}/",
                      m_dir / "marketdata" / "options" / "expirations" / (symbol + ".json"),
                      "option expirations");
    return parse_marketdata_expirations(r.body, r.context);
}

OptionChain SampleProvider::option_chain(const std::string& symbol, const ChainRequest& request) {
    check_symbol(symbol);
    const auto r = read_response(symbol, "marketdata", "/v1/options/chain/{symbol}/",
                                 m_dir / "marketdata" / "options" / "chain" / (symbol + ".json"),
                                 "option chain");
    OptionChain chain = parse_marketdata_chain(r.body, r.context);
    chain.underlying = symbol;
    std::erase_if(chain.contracts, [&](OptionContract& c) {
        c.dte = days_between(request.as_of, c.expiration);
        return c.dte < request.dte_min || c.dte > request.dte_max;
    });
    return chain;
}

std::vector<EarningsEvent> SampleProvider::earnings_calendar(Date from, Date to) {
    const auto r =
        read_response("", "eodhd", "/calendar/earnings",
                      m_dir / "eodhd" / "calendar" / "earnings.json", "earnings calendar");
    auto events = parse_eodhd_earnings(r.body, r.context);
    std::erase_if(
        events, [&](const EarningsEvent& e) { return e.report_date < from || e.report_date > to; });
    return events;
}

} // namespace screener::providers
