#include "screener/providers/eodhd_format.hpp"

#include "screener/providers/vendor_json.hpp"

#include <algorithm>
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

} // namespace screener::providers
