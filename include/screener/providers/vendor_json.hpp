#pragma once
// Building blocks shared by the vendor-format parsers (EODHD, MarketData.app): parsing a response
// body with a clear error when it is not JSON at all, and reading fields that may arrive as JSON
// numbers, null, the string "NA" or a numeric string. Every failure is a one-line DataError that
// starts with the caller's context and never echoes an API token.

#include "screener/core/date.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <rapidjson/document.h>
#include <string>
#include <string_view>

namespace screener::providers::vendor_json {

// Where a field sits, for error messages: "<context>: row 3: field 'close' ...".
struct FieldRef {
    std::string_view context;
    std::string_view field;
    std::optional<std::size_t> row; // index in the rows array; none for top-level fields
};

// Throws DataError("<context>: <what>"), with newlines flattened and tokens redacted.
[[noreturn]] void fail(std::string_view context, std::string_view what);
[[noreturn]] void fail_field(const FieldRef& ref, std::string_view problem);

// Masks credentials (core/redact.hpp), flattens control characters and truncates, so vendor
// text can be quoted in a one-line message.
std::string sanitize(std::string_view text, std::size_t max_chars = 200);

// Parses a response body. A body that is not JSON gets a specific message: plain-text
// "Unauthenticated" (EODHD bad token), HTML, CSV (EODHD without fmt=json), empty, or the
// parser's own error with its offset.
rapidjson::Document parse_body(std::string_view body, std::string_view context);

// "an object", "an array", "a string", "a number", "a boolean", "null".
const char* kind_of(const rapidjson::Value& value);

// The member `key` of `object`, or nullptr when absent (or when `object` is not an object).
const rapidjson::Value* member(const rapidjson::Value& object, const char* key);

// Numbers: JSON number, or a string holding one. null, "NA" and "" are missing -> nullopt.
// Anything else (boolean, object, non-numeric string) is an error.
std::optional<double> read_number(const rapidjson::Value* value, const FieldRef& ref);
// As read_number, but missing/null/"NA" is an error.
double require_number(const rapidjson::Value* value, const FieldRef& ref);
// Integral numbers (unix seconds, counts); a fractional value is an error.
std::optional<std::int64_t> read_integer(const rapidjson::Value* value, const FieldRef& ref);
std::int64_t require_integer(const rapidjson::Value* value, const FieldRef& ref);

// Strings: null is missing -> nullopt; a non-string is an error.
std::optional<std::string> read_string(const rapidjson::Value* value, const FieldRef& ref);
// Non-empty string required.
std::string require_string(const rapidjson::Value* value, const FieldRef& ref);
// Strict "YYYY-MM-DD".
Date require_date(const rapidjson::Value* value, const FieldRef& ref);

} // namespace screener::providers::vendor_json
