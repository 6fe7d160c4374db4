#pragma once
// A fresh directory under the system temp dir, removed with everything in it when the test
// scope ends. Names carry the pid and a counter, so parallel test processes never collide.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>

namespace screener::testing {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "screener-test") {
        static std::atomic<int> counter{0};
        m_path = std::filesystem::temp_directory_path() /
                 (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::filesystem::path& relative) const {
        return m_path / relative;
    }
    // Writes `content` to `name` (parent directories created), optionally with a mode.
    std::filesystem::path write(const std::string& name, const std::string& content,
                                std::optional<std::filesystem::perms> mode = std::nullopt) const {
        const auto file = m_path / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << content;
        if (mode) {
            std::filesystem::permissions(file, *mode);
        }
        return file;
    }

private:
    std::filesystem::path m_path;
};

} // namespace screener::testing
