#include "screener/providers/marketdata_format.hpp"

#include "screener/providers/vendor_json.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

namespace screener::providers {

namespace vj = vendor_json;

namespace {

enum class Status { Ok, NoData };

// Reads "s". Absent "s" is fine: `columns=` and `human=true` suppress it on success.
Status check_status(const rapidjson::Document& doc, std::string_view context) {
    if (!doc.IsObject()) {
        vj::fail(context, fmt::format("expected a JSON object, got {}", vj::kind_of(doc)));
    }
    const auto* status = vj::member(doc, "s");
    if (status == nullptr) {
        return Status::Ok;
    }
    if (!status->IsString()) {
        vj::fail(context, fmt::format("status 's' is {}, expected a string", vj::kind_of(*status)));
    }
    const std::string_view s(status->GetString(), status->GetStringLength());
    if (s == "ok") {
        return Status::Ok;
    }
    if (s == "no_data") {
        return Status::NoData;
    }
    const auto* errmsg = vj::member(doc, "errmsg");
    const std::string message = errmsg != nullptr && errmsg->IsString()
                                    ? vj::sanitize(errmsg->GetString(), 300)
                                    : std::string("(no errmsg)");
    if (s == "error") {
        vj::fail(context, fmt::format("vendor error: {}", message));
    }
    vj::fail(context, fmt::format("unknown status 's':\"{}\": {}", vj::sanitize(s, 40), message));
}

// The parallel arrays of a columnar body, checked to be of one length.
class Columns {
public:
    // `reference` is the column every other array is compared with; it must exist.
    Columns(const rapidjson::Document& doc, std::string_view context, const char* reference)
        : m_doc(doc), m_context(context) {
        const auto* ref = column(reference, true);
        m_rows = ref->Size();
        for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
            if (it->value.IsArray() && it->value.Size() != m_rows) {
                vj::fail(context, fmt::format("ragged columns: '{}' has {} entries but '{}' has {}",
                                              std::string_view(it->name.GetString(),
                                                               it->name.GetStringLength()),
                                              it->value.Size(), reference, m_rows));
            }
        }
    }

    std::size_t rows() const { return m_rows; }

    // The array named `name`; nullptr when absent and optional. A non-array is an error.
    const rapidjson::Value* column(const char* name, bool required) const {
        const auto* value = vj::member(m_doc, name);
        if (value == nullptr) {
            if (required) {
                vj::fail(m_context, fmt::format("required column '{}' is missing", name));
            }
            return nullptr;
        }
        if (!value->IsArray()) {
            vj::fail(m_context, fmt::format("column '{}' is {}, expected an array", name,
                                            vj::kind_of(*value)));
        }
        return value;
    }

private:
    const rapidjson::Document& m_doc;
    std::string_view m_context;
    std::size_t m_rows = 0;
};

// One column bound to its name, read row by row.
struct Column {
    const rapidjson::Value* array;
    const char* name;
    std::string_view context;

    const rapidjson::Value* at(std::size_t row) const {
        return array == nullptr ? nullptr : &(*array)[static_cast<rapidjson::SizeType>(row)];
    }
    vj::FieldRef ref(std::size_t row) const { return {context, name, row}; }
    std::optional<double> opt_number(std::size_t row) const {
        return vj::read_number(at(row), ref(row));
    }
    double number(std::size_t row) const { return vj::require_number(at(row), ref(row)); }
    std::optional<std::int64_t> opt_integer(std::size_t row) const {
        return vj::read_integer(at(row), ref(row));
    }
    std::int64_t integer(std::size_t row) const { return vj::require_integer(at(row), ref(row)); }
    std::string string(std::size_t row) const { return vj::require_string(at(row), ref(row)); }
};

} // namespace

OptionChain parse_marketdata_chain(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    OptionChain chain;
    if (check_status(doc, context) == Status::NoData) {
        return chain;
    }
    const Columns cols(doc, context, "optionSymbol");
    const auto col = [&](const char* name, bool required = false) {
        return Column{cols.column(name, required), name, context};
    };
    const Column option_symbol = col("optionSymbol", true);
    const Column underlying = col("underlying", true);
    const Column expiration = col("expiration", true);
    const Column side = col("side", true);
    const Column strike = col("strike", true);
    const Column dte = col("dte");
    const Column updated = col("updated");
    const Column bid = col("bid"), ask = col("ask"), mid = col("mid"), last = col("last");
    const Column open_interest = col("openInterest"), volume = col("volume");
    const Column underlying_price = col("underlyingPrice");
    const Column iv = col("iv"), delta = col("delta"), gamma = col("gamma");
    const Column theta = col("theta"), vega = col("vega"), rho = col("rho");

    chain.contracts.reserve(cols.rows());
    for (std::size_t i = 0; i < cols.rows(); ++i) {
        OptionContract c;
        c.option_symbol = option_symbol.string(i);
        c.underlying = underlying.string(i);
        c.expiration = date_from_unix(expiration.integer(i));
        const std::string side_text = side.string(i);
        if (side_text == "call") {
            c.type = OptionType::Call;
        } else if (side_text == "put") {
            c.type = OptionType::Put;
        } else {
            vj::fail_field(side.ref(i), fmt::format("is \"{}\", expected \"call\" or \"put\"",
                                                    vj::sanitize(side_text, 20)));
        }
        c.strike = strike.number(i);
        if (!(c.strike > 0)) {
            vj::fail_field(strike.ref(i),
                           fmt::format("is {}, expected a positive price", c.strike));
        }
        c.dte = static_cast<int>(dte.opt_integer(i).value_or(0));
        c.updated = updated.opt_integer(i).value_or(0);
        c.bid = bid.opt_number(i);
        c.ask = ask.opt_number(i);
        c.mid = mid.opt_number(i);
        c.last = last.opt_number(i);
        c.open_interest = open_interest.opt_number(i);
        c.volume = volume.opt_number(i);
        c.underlying_price = underlying_price.opt_number(i);
        c.iv = iv.opt_number(i);
        c.delta = delta.opt_number(i);
        c.gamma = gamma.opt_number(i);
        c.theta = theta.opt_number(i);
        c.vega = vega.opt_number(i);
        c.rho = rho.opt_number(i);
        chain.contracts.push_back(std::move(c));
    }
    if (!chain.contracts.empty()) {
        chain.underlying = chain.contracts.front().underlying;
    }
    return chain;
}

std::vector<Date> parse_marketdata_expirations(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    std::vector<Date> out;
    if (check_status(doc, context) == Status::NoData) {
        return out;
    }
    const auto* list = vj::member(doc, "expirations");
    if (list == nullptr || !list->IsArray()) {
        vj::fail(context, list == nullptr ? std::string("no 'expirations' array")
                                          : fmt::format("'expirations' is {}, expected an array",
                                                        vj::kind_of(*list)));
    }
    out.reserve(list->Size());
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        out.push_back(vj::require_date(&(*list)[i], {context, "expirations", i}));
    }
    return out;
}

std::vector<Bar> parse_marketdata_candles(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    std::vector<Bar> out;
    if (check_status(doc, context) == Status::NoData) {
        return out;
    }
    const Columns cols(doc, context, "t");
    const auto col = [&](const char* name) {
        return Column{cols.column(name, true), name, context};
    };
    const Column t = col("t"), o = col("o"), h = col("h"), l = col("l"), c = col("c"), v = col("v");
    out.reserve(cols.rows());
    for (std::size_t i = 0; i < cols.rows(); ++i) {
        Bar bar;
        bar.date = date_from_unix(t.integer(i));
        bar.open = o.number(i);
        bar.high = h.number(i);
        bar.low = l.number(i);
        bar.close = c.number(i);
        bar.adjusted_close = bar.close;
        bar.volume = v.number(i);
        out.push_back(bar);
    }
    const auto by_date = [](const Bar& a, const Bar& b) { return a.date < b.date; };
    if (!std::is_sorted(out.begin(), out.end(), by_date)) {
        std::stable_sort(out.begin(), out.end(), by_date);
    }
    return out;
}

std::vector<StockSnapshot> parse_marketdata_bulkcandles(std::string_view json,
                                                        std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    std::vector<StockSnapshot> out;
    if (check_status(doc, context) == Status::NoData) {
        return out;
    }
    const Columns cols(doc, context, "symbol");
    const auto col = [&](const char* name) {
        return Column{cols.column(name, true), name, context};
    };
    const Column symbol = col("symbol"), t = col("t"), o = col("o"), h = col("h"), l = col("l"),
                 c = col("c"), v = col("v");
    out.reserve(cols.rows());
    for (std::size_t i = 0; i < cols.rows(); ++i) {
        StockSnapshot row;
        row.symbol = symbol.string(i);
        row.exchange = "US";
        row.date = date_from_unix(t.integer(i));
        row.open = o.number(i);
        row.high = h.number(i);
        row.low = l.number(i);
        row.close = c.number(i);
        row.adjusted_close = row.close;
        row.volume = v.number(i);
        out.push_back(std::move(row));
    }
    return out;
}

std::vector<StockQuote> parse_marketdata_quotes(std::string_view json, std::string_view context) {
    const auto doc = vj::parse_body(json, context);
    std::vector<StockQuote> out;
    if (check_status(doc, context) == Status::NoData) {
        return out;
    }
    const Columns cols(doc, context, "symbol");
    const auto col = [&](const char* name, bool required) {
        return Column{cols.column(name, required), name, context};
    };
    const Column symbol = col("symbol", true), last = col("last", true), bid = col("bid", false),
                 ask = col("ask", false), volume = col("volume", false),
                 updated = col("updated", false);
    out.reserve(cols.rows());
    for (std::size_t i = 0; i < cols.rows(); ++i) {
        StockQuote q;
        q.symbol = symbol.string(i);
        const auto price = last.opt_number(i);
        if (!price) {
            continue; // no trade yet: nothing to use as a price
        }
        q.last = *price;
        q.bid = bid.opt_number(i);
        q.ask = ask.opt_number(i);
        q.volume = volume.opt_number(i);
        q.updated = updated.opt_integer(i).value_or(0);
        out.push_back(std::move(q));
    }
    return out;
}

} // namespace screener::providers
