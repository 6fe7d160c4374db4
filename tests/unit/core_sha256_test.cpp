#include "screener/core/sha256.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace screener;

// Known answers from FIPS 180-4's examples and the NIST test vectors.
TEST_CASE("SHA-256 of the standard test vectors", "[core][sha256]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 gives the same digest however the input is split", "[core][sha256]") {
    std::string text;
    for (int i = 0; i < 1000; ++i) {
        text += static_cast<char>(i * 7 + 3);
    }
    const std::string whole = sha256_hex(text);
    // Split sizes around the 64-byte block and the 56-byte padding boundary.
    for (const std::size_t chunk : {1, 3, 55, 56, 63, 64, 65, 127, 999}) {
        Sha256 hash;
        for (std::size_t at = 0; at < text.size(); at += chunk) {
            hash.update(std::string_view(text).substr(at, chunk));
        }
        CHECK(hash.finish_hex() == whole);
    }
    // Lengths that end exactly at the padding boundaries.
    CHECK(sha256_hex(std::string(55, 'x')) != sha256_hex(std::string(56, 'x')));
    CHECK(sha256_hex(std::string(64, 'a')) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("SHA-256 of a file matches the digest of its content", "[core][sha256]") {
    screener::testing::TempDir dir;
    const std::string content(200000, 'q');
    const auto file = dir.write("blob", content);
    CHECK(sha256_file_hex(file) == sha256_hex(content));
    CHECK_THROWS_WITH(sha256_file_hex(dir / "missing"), Catch::Contains("missing"));
}
