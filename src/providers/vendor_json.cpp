#include "screener/providers/vendor_json.hpp"

#include "screener/core/error.hpp"
#include "screener/core/redact.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <rapidjson/error/en.h>

namespace screener::providers::vendor_json {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

std::string where(const FieldRef& ref) {
    if (ref.row) {
        return fmt::format("row {}: field '{}'", *ref.row, ref.field);
    }
    return fmt::format("field '{}'", ref.field);
}

// Strict decimal number in a string ("12.5", "-3", "1e6"); leading/trailing junk rejects.
std::optional<double> number_from_string(std::string_view text) {
    text = trim(text);
    if (text.empty()) {
        return std::nullopt;
    }
    double value = 0;
    const auto* first = text.data();
    const auto* last = text.data() + text.size();
    if (*first == '+') {
        ++first;
    }
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr != last || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::string sanitize(std::string_view text, std::size_t max_chars) {
    std::string out = redact_credentials(text);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = ' ';
        }
    }
    if (out.size() > max_chars) {
        out.resize(max_chars);
        out += "...";
    }
    return out;
}

void fail(std::string_view context, std::string_view what) {
    throw DataError(sanitize(fmt::format("{}: {}", context, what), 1000));
}

void fail_field(const FieldRef& ref, std::string_view problem) {
    fail(ref.context, fmt::format("{} {}", where(ref), problem));
}

rapidjson::Document parse_body(std::string_view body, std::string_view context) {
    const std::string_view text = trim(body);
    if (text.empty()) {
        fail(context, "empty body, expected JSON");
    }
    const char first = text.front();
    if (first != '{' && first != '[') {
        const std::string_view first_line = text.substr(0, text.find('\n'));
        if (text.rfind("Unauthenticated", 0) == 0) {
            fail(context, "body is not JSON: 'Unauthenticated' (the vendor rejected the API "
                          "token)");
        }
        if (first == '<') {
            fail(context, fmt::format("body is HTML, not JSON: '{}'", sanitize(first_line, 80)));
        }
        if (first_line.find(',') != std::string_view::npos) {
            fail(context, fmt::format("body is CSV, not JSON (request without fmt=json?): first "
                                      "line '{}'",
                                      sanitize(first_line, 80)));
        }
    }
    rapidjson::Document doc;
    // Full precision: prices such as 217.1402 must round-trip exactly.
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
        std::string_view reason = rapidjson::GetParseError_En(doc.GetParseError());
        if (!reason.empty() && reason.back() == '.') {
            reason.remove_suffix(1);
        }
        fail(context, fmt::format("body is not valid JSON ({} at offset {}): '{}'", reason,
                                  doc.GetErrorOffset(), sanitize(text, 60)));
    }
    return doc;
}

const char* kind_of(const rapidjson::Value& value) {
    switch (value.GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "a boolean";
    case rapidjson::kObjectType:
        return "an object";
    case rapidjson::kArrayType:
        return "an array";
    case rapidjson::kStringType:
        return "a string";
    case rapidjson::kNumberType:
        return "a number";
    }
    return "a value of unknown type";
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* key) {
    if (!object.IsObject()) {
        return nullptr;
    }
    const auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<double> read_number(const rapidjson::Value* value, const FieldRef& ref) {
    if (value == nullptr || value->IsNull()) {
        return std::nullopt;
    }
    if (value->IsNumber()) {
        return value->GetDouble();
    }
    if (value->IsString()) {
        const std::string_view text(value->GetString(), value->GetStringLength());
        const std::string_view trimmed = trim(text);
        // EODHD fills unknown values with "NA"; treat it like null.
        if (trimmed.empty() || trimmed == "NA") {
            return std::nullopt;
        }
        if (auto number = number_from_string(trimmed)) {
            return number;
        }
        fail_field(ref, fmt::format("is not a number: \"{}\"", sanitize(text, 40)));
    }
    fail_field(ref, fmt::format("is {}, expected a number", kind_of(*value)));
}

double require_number(const rapidjson::Value* value, const FieldRef& ref) {
    if (auto number = read_number(value, ref)) {
        return *number;
    }
    if (value == nullptr) {
        fail_field(ref, "is missing");
    }
    if (value->IsNull()) {
        fail_field(ref, "is null");
    }
    fail_field(ref, fmt::format("is \"{}\" (no value)",
                                sanitize({value->GetString(), value->GetStringLength()}, 20)));
}

std::optional<std::int64_t> read_integer(const rapidjson::Value* value, const FieldRef& ref) {
    if (value != nullptr && value->IsInt64()) {
        return value->GetInt64();
    }
    const auto number = read_number(value, ref);
    if (!number) {
        return std::nullopt;
    }
    if (std::trunc(*number) != *number || std::fabs(*number) > 9.0e15) {
        fail_field(ref, fmt::format("is {}, expected a whole number", *number));
    }
    return static_cast<std::int64_t>(*number);
}

std::int64_t require_integer(const rapidjson::Value* value, const FieldRef& ref) {
    if (auto number = read_integer(value, ref)) {
        return *number;
    }
    require_number(value, ref); // throws the precise "missing"/"null"/"NA" message
    fail_field(ref, "has no value");
}

std::optional<std::string> read_string(const rapidjson::Value* value, const FieldRef& ref) {
    if (value == nullptr || value->IsNull()) {
        return std::nullopt;
    }
    if (!value->IsString()) {
        fail_field(ref, fmt::format("is {}, expected a string", kind_of(*value)));
    }
    return std::string(value->GetString(), value->GetStringLength());
}

std::string require_string(const rapidjson::Value* value, const FieldRef& ref) {
    if (value == nullptr) {
        fail_field(ref, "is missing");
    }
    auto text = read_string(value, ref);
    if (!text) {
        fail_field(ref, "is null");
    }
    if (text->empty()) {
        fail_field(ref, "is empty");
    }
    return *text;
}

Date require_date(const rapidjson::Value* value, const FieldRef& ref) {
    const std::string text = require_string(value, ref);
    if (auto date = parse_date(text)) {
        return *date;
    }
    fail_field(ref, fmt::format("is not a date (YYYY-MM-DD): \"{}\"", sanitize(text, 40)));
}

} // namespace screener::providers::vendor_json
