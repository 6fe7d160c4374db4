#pragma once
// Deterministic randomness for the simulated markets (tools/gen_sample_market.cpp and the fake
// vendor server in tests/support/): splitmix64, so a seed gives the same market on every
// platform and compiler, and FNV-1a to derive per-symbol streams from names.

#include <cmath>
#include <cstdint>
#include <string_view>

namespace screener::sim {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // [0, 1)
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // (0, 1]: safe for log()
    double uniform_open() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
    // Standard normal by Box-Muller (one value per two uniforms, the sine half discarded).
    double normal() {
        const double u1 = uniform_open();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
    }
    // exp-uniform between lo and hi: prices, sizes and volumes spread over decades.
    double log_uniform(double lo, double hi) {
        return std::exp(std::log(lo) + uniform() * (std::log(hi) - std::log(lo)));
    }

private:
    std::uint64_t m_state;
};

inline std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

} // namespace screener::sim
