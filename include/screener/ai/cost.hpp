#pragma once
// Token accounting: what one Messages API call cost, from its usage and the model's prices
// (USD per million tokens, vendors notes section 3.4).

#include <cstdint>
#include <optional>

namespace screener::ai {

struct Usage {
    std::int64_t input_tokens = 0;          // uncached input
    std::int64_t output_tokens = 0;         // thinking included
    std::int64_t cache_write_tokens = 0;    // cache_creation_input_tokens (5 m and 1 h together)
    std::int64_t cache_write_1h_tokens = 0; // of those, 1-hour writes (usage.cache_creation)
    std::int64_t cache_read_tokens = 0;     // cache_read_input_tokens

    Usage& operator+=(const Usage& other);
};

struct ModelPrice {
    double input = 0;
    double output = 0;
    double cache_write = 0;
    std::optional<double> cache_write_1h; // none: cache_write
    double cache_read = 0;
};

// (input x in + 5 m writes x write + 1 h writes x write_1h + reads x read + output x out) / 1e6.
double call_cost(const ModelPrice& price, const Usage& usage);

// The most one call can cost before it is sent: its input (estimated from the request size at
// a conservative 3 bytes per token, all uncached) plus max_tokens of output.
double worst_case_cost(const ModelPrice& price, std::size_t request_bytes, int max_tokens);

} // namespace screener::ai
