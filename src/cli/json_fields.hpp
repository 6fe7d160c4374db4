#pragma once
// Small helpers for the JSON the subcommands print (RapidJSON writers): a key and its value in
// one call, NaN/Inf and nullopt as null.

#include <cmath>
#include <cstdint>
#include <optional>
#include <rapidjson/rapidjson.h>
#include <string>

namespace screener::cli {

template <typename Writer>
void write_double(Writer& w, double value) {
    // RapidJSON writes the shortest text that reads back to the same double (no rounding here:
    // outside checks recompute from these figures). It cannot write NaN or Inf: null.
    if (std::isfinite(value)) {
        w.Double(value);
    } else {
        w.Null();
    }
}

template <typename Writer>
void write_number(Writer& w, const char* key, double value) {
    w.Key(key);
    write_double(w, value);
}

template <typename Writer>
void write_number(Writer& w, const char* key, std::optional<double> value) {
    w.Key(key);
    if (value) {
        write_double(w, *value);
    } else {
        w.Null();
    }
}

template <typename Writer>
void write_integer(Writer& w, const char* key, std::int64_t value) {
    w.Key(key);
    w.Int64(value);
}

template <typename Writer>
void write_text(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

} // namespace screener::cli
