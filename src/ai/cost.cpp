#include "screener/ai/cost.hpp"

#include <algorithm>

namespace screener::ai {

Usage& Usage::operator+=(const Usage& other) {
    input_tokens += other.input_tokens;
    output_tokens += other.output_tokens;
    cache_write_tokens += other.cache_write_tokens;
    cache_write_1h_tokens += other.cache_write_1h_tokens;
    cache_read_tokens += other.cache_read_tokens;
    return *this;
}

double call_cost(const ModelPrice& price, const Usage& usage) {
    const auto tokens = [](std::int64_t n) {
        return static_cast<double>(std::max<std::int64_t>(n, 0));
    };
    const std::int64_t writes_1h = std::clamp<std::int64_t>(
        usage.cache_write_1h_tokens, 0, std::max<std::int64_t>(usage.cache_write_tokens, 0));
    const double micro_usd = tokens(usage.input_tokens) * price.input +
                             tokens(usage.cache_write_tokens - writes_1h) * price.cache_write +
                             tokens(writes_1h) * price.cache_write_1h.value_or(price.cache_write) +
                             tokens(usage.cache_read_tokens) * price.cache_read +
                             tokens(usage.output_tokens) * price.output;
    return micro_usd / 1e6;
}

double worst_case_cost(const ModelPrice& price, std::size_t request_bytes, int max_tokens) {
    const double input_tokens = static_cast<double>(request_bytes) / 3.0;
    return (input_tokens * price.input +
            static_cast<double>(std::max(0, max_tokens)) * price.output) /
           1e6;
}

} // namespace screener::ai
