#pragma once
// SHA-256 (FIPS 180-4), streaming: what `sha256sum` prints, for checking backup archives
// without a crypto library.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace screener {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    // The digest of everything given so far; the object must not be updated afterwards.
    std::array<std::uint8_t, 32> finish();
    // finish() as 64 lowercase hex digits.
    std::string finish_hex();

private:
    void compress(const std::uint8_t* block);

    std::array<std::uint32_t, 8> m_state;
    std::array<std::uint8_t, 64> m_buffer{};
    std::size_t m_buffered = 0;
    std::uint64_t m_total_bytes = 0;
};

std::string sha256_hex(std::string_view data);
// The digest of a file's content as 64 lowercase hex digits; throws std::runtime_error naming
// the file when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& file);

} // namespace screener
