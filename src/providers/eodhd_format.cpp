#include "screener/providers/eodhd_format.hpp"

#include "screener/providers/vendor_json.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

namespace screener::providers {

namespace vj = vendor_json;

namespace {

// EODHD answers some failures with an object ({"message": ...}, {"error": ...}) where an array
// is expected; quote its message (tokens redacted) instead of a bare "wrong type".
const rapidjson::Value& expect_rows_array(const rapidjson::Value& doc, std::string_view context) {
    if (doc.IsArray()) {
        return doc;
    }
    if (doc.IsObject()) {
        for (const char* key : {"message", "error", "errmsg"}) {
            const auto* text = vj::member(doc, key);
            if (text != nullptr && text->IsString()) {
                vj::fail(context, fmt::format("expected a JSON array of rows, got an object with "
                                              "{} '{}'",
                                              key, vj::sanitize(text->GetString(), 160)));
            }
        }
    }
    vj::fail(context, fmt::format("expected a JSON array of rows, got {}", vj::kind_of(doc)));
}

const rapidjson::Value& expect_row_object(const rapidjson::Value& row, std::size_t index,
                                          std::string_view context) {
    if (!row.IsObject()) {
        vj::fail(context,
                 fmt::format("row {}: expected an object, got {}", index, vj::kind_of(row)));
    }
    return row;
}

struct RowReader {
    const rapidjson::Value& row;
    std::string_view context;
    std::size_t index;

    vj::FieldRef ref(const char* key) const { return {context, key, index}; }
    const rapidjson::Value* get(const char* key) const { return vj::member(row, key); }
    double number(const char* key) const { return vj::require_number(get(key), ref(key)); }
    std::optional<double> opt_number(const char* key) const {
        return vj::read_number(get(key), ref(key));
    }
    std::string string(const char* key) const { return vj::require_string(get(key), ref(key)); }
    std::string opt_string(const char* key) const {
        return vj::read_string(get(key), ref(key)).value_or("");
    }
    Date date(const char* key) const { return vj::require_date(get(key), ref(key)); }
};

} // namespace

std::vector<StockSnapshot> parse_eodhd_bulk(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    const auto& rows = expect_rows_array(doc, context);
    std::vector<StockSnapshot> out;
    out.reserve(rows.Size());
    for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
        const RowReader r{expect_row_object(rows[i], i, context), context, i};
        StockSnapshot s;
        s.symbol = r.string("code");
        s.exchange = r.opt_string("exchange_short_name");
        s.name = r.opt_string("name");
        s.date = r.date("date");
        s.open = r.number("open");
        s.high = r.number("high");
        s.low = r.number("low");
        s.close = r.number("close");
        s.adjusted_close = r.opt_number("adjusted_close").value_or(s.close);
        s.volume = r.number("volume");
        s.market_cap = r.opt_number("MarketCapitalization");
        s.avg_volume_50d = r.opt_number("avgvol_50d");
        s.avg_volume_200d = r.opt_number("avgvol_200d");
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<Bar> parse_eodhd_eod(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    const auto& rows = expect_rows_array(doc, context);
    std::vector<Bar> out;
    out.reserve(rows.Size());
    for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
        const RowReader r{expect_row_object(rows[i], i, context), context, i};
        Bar bar;
        bar.date = r.date("date");
        bar.open = r.number("open");
        bar.high = r.number("high");
        bar.low = r.number("low");
        bar.close = r.number("close");
        bar.adjusted_close = r.opt_number("adjusted_close").value_or(bar.close);
        bar.volume = r.number("volume");
        out.push_back(bar);
    }
    // order=d (or a vendor hiccup) must not reverse the series the pricing code walks.
    const auto by_date = [](const Bar& a, const Bar& b) { return a.date < b.date; };
    if (!std::is_sorted(out.begin(), out.end(), by_date)) {
        std::stable_sort(out.begin(), out.end(), by_date);
    }
    return out;
}

std::vector<EarningsEvent> parse_eodhd_earnings(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    if (!doc.IsObject()) {
        vj::fail(context, fmt::format("expected a JSON object with an 'earnings' array, got {}",
                                      vj::kind_of(doc)));
    }
    const auto* rows = vj::member(doc, "earnings");
    if (rows == nullptr || !rows->IsArray()) {
        const auto* message = vj::member(doc, "message");
        if (message != nullptr && message->IsString()) {
            vj::fail(context, fmt::format("no 'earnings' array; vendor message '{}'",
                                          vj::sanitize(message->GetString(), 160)));
        }
        vj::fail(context, rows == nullptr ? std::string("no 'earnings' array")
                                          : fmt::format("'earnings' is {}, expected an array",
                                                        vj::kind_of(*rows)));
    }
    std::vector<EarningsEvent> out;
    out.reserve(rows->Size());
    for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) {
        const RowReader r{expect_row_object((*rows)[i], i, context), context, i};
        EarningsEvent e;
        e.symbol = r.string("code");
        // Calendar codes carry the exchange ("AAPL.US"); the rest of the screener does not.
        if (e.symbol.size() > 3 && e.symbol.compare(e.symbol.size() - 3, 3, ".US") == 0) {
            e.symbol.resize(e.symbol.size() - 3);
        }
        e.report_date = r.date("report_date");
        e.timing = r.opt_string("before_after_market");
        out.push_back(std::move(e));
    }
    return out;
}

namespace {

// "YYYY-MM-DD HH:MM:SS" (UTC) -> unix seconds; 0 when absent or malformed (quote age unknown).
std::int64_t parse_utc_datetime(const std::string& text) {
    if (text.size() != 19 || text[10] != ' ') {
        return 0;
    }
    const auto date = parse_date(std::string_view(text).substr(0, 10));
    int h = 0, m = 0, s = 0;
    if (!date || std::sscanf(text.c_str() + 11, "%2d:%2d:%2d", &h, &m, &s) != 3 || h > 23 ||
        m > 59 || s > 60) {
        return 0;
    }
    return unix_from_date(*date) + h * 3600 + m * 60 + s;
}

} // namespace

EodhdOptionsPage parse_eodhd_options(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    if (!doc.IsObject()) {
        vj::fail(context,
                 fmt::format("expected a JSON:API object with 'data', got {}", vj::kind_of(doc)));
    }
    const auto* data = vj::member(doc, "data");
    if (data == nullptr || !data->IsArray()) {
        for (const char* key : {"message", "error"}) {
            const auto* text = vj::member(doc, key);
            if (text != nullptr && text->IsString()) {
                vj::fail(context, fmt::format("no 'data' array; vendor {} '{}'", key,
                                              vj::sanitize(text->GetString(), 160)));
            }
        }
        vj::fail(context, data == nullptr
                              ? std::string("no 'data' array")
                              : fmt::format("'data' is {}, expected an array", vj::kind_of(*data)));
    }
    EodhdOptionsPage page;
    if (const auto* meta = vj::member(doc, "meta")) {
        page.total =
            vj::read_integer(vj::member(*meta, "total"), {context, "meta.total", {}}).value_or(0);
    }
    if (const auto* links = vj::member(doc, "links")) {
        page.next = vj::read_string(vj::member(*links, "next"), {context, "links.next", {}});
        if (page.next && page.next->empty()) {
            page.next.reset();
        }
    }
    page.contracts.reserve(data->Size());
    for (rapidjson::SizeType i = 0; i < data->Size(); ++i) {
        const auto& row = expect_row_object((*data)[i], i, context);
        const auto* attributes = vj::member(row, "attributes");
        if (attributes == nullptr || !attributes->IsObject()) {
            vj::fail(context, fmt::format("row {}: no 'attributes' object", i));
        }
        const RowReader r{*attributes, context, i};
        OptionContract c;
        c.option_symbol = r.string("contract");
        c.underlying = r.string("underlying_symbol");
        c.expiration = r.date("exp_date");
        const std::string type = r.string("type");
        if (type == "call") {
            c.type = OptionType::Call;
        } else if (type == "put") {
            c.type = OptionType::Put;
        } else {
            vj::fail_field(r.ref("type"),
                           fmt::format("is '{}', expected call or put", vj::sanitize(type, 20)));
        }
        c.strike = r.number("strike");
        c.dte = static_cast<int>(vj::read_integer(r.get("dte"), r.ref("dte")).value_or(0));
        c.updated = parse_utc_datetime(r.opt_string("bid_date"));
        c.bid = r.opt_number("bid");
        c.ask = r.opt_number("ask");
        c.mid = r.opt_number("midpoint");
        c.last = r.opt_number("last");
        c.open_interest = r.opt_number("open_interest");
        c.volume = r.opt_number("volume");
        c.iv = r.opt_number("volatility");
        c.delta = r.opt_number("delta");
        c.gamma = r.opt_number("gamma");
        c.theta = r.opt_number("theta");
        c.vega = r.opt_number("vega");
        c.rho = r.opt_number("rho");
        page.contracts.push_back(std::move(c));
    }
    return page;
}

DividendInfo parse_eodhd_dividends(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    if (!doc.IsObject()) {
        vj::fail(context, fmt::format("expected a JSON object of fundamentals sections, got {}",
                                      vj::kind_of(doc)));
    }
    DividendInfo out;
    if (const auto* highlights = vj::member(doc, "Highlights");
        highlights && highlights->IsObject()) {
        out.yield = vj::read_number(vj::member(*highlights, "DividendYield"),
                                    {context, "Highlights.DividendYield", {}})
                        .value_or(0);
        out.annual_amount = vj::read_number(vj::member(*highlights, "DividendShare"),
                                            {context, "Highlights.DividendShare", {}});
    }
    if (const auto* splits = vj::member(doc, "SplitsDividends"); splits && splits->IsObject()) {
        const auto text = vj::read_string(vj::member(*splits, "ExDividendDate"),
                                          {context, "SplitsDividends.ExDividendDate", {}});
        if (text && *text != "0000-00-00") {
            out.ex_date = parse_date(*text);
        }
    }
    return out;
}

std::vector<EodhdQuote> parse_eodhd_real_time(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    std::vector<EodhdQuote> out;
    auto read_row = [&](const rapidjson::Value& value, std::size_t index) {
        const RowReader r{expect_row_object(value, index, context), context, index};
        EodhdQuote q;
        q.code = r.string("code");
        q.timestamp = vj::read_integer(r.get("timestamp"), r.ref("timestamp")).value_or(0);
        q.close = r.opt_number("close");
        q.previous_close = r.opt_number("previousClose");
        q.volume = r.opt_number("volume");
        out.push_back(std::move(q));
    };
    if (doc.IsObject()) {
        read_row(doc, 0);
        return out;
    }
    const auto& rows = expect_rows_array(doc, context);
    for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
        read_row(rows[i], i);
    }
    return out;
}

} // namespace screener::providers
