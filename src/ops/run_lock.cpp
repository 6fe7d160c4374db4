#include "screener/ops/run_lock.hpp"

#include "screener/core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

namespace screener::ops {

RunLock::RunLock(const std::filesystem::path& path) : m_path(path) {
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) {
        throw StoreError(
            fmt::format("cannot create lock file {}: {}", path.string(), std::strerror(errno)));
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        ::close(m_fd);
        m_fd = -1;
        if (err == EWOULDBLOCK) {
            throw LockHeldError(fmt::format("another screener run holds {}", path.string()));
        }
        throw StoreError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
    }
    // The pid is informational (for a person looking at the file); the flock is the truth.
    const std::string pid = fmt::format("{}\n", ::getpid());
    if (::ftruncate(m_fd, 0) == 0) {
        [[maybe_unused]] const auto written = ::write(m_fd, pid.data(), pid.size());
    }
}

RunLock::~RunLock() {
    if (m_fd >= 0) {
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
    }
}

} // namespace screener::ops
