#pragma once
// One screener pass at a time per data dir: an exclusive, non-blocking flock on a lock file.
// The kernel drops the lock when the process dies, so a killed run never leaves it stale.

#include <filesystem>

namespace screener::ops {

class RunLock {
public:
    // Takes the lock or throws LockHeldError("another screener run holds <path>").
    // Throws StoreError when the lock file cannot be created (e.g. unwritable data dir).
    explicit RunLock(const std::filesystem::path& path);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
    int m_fd = -1;
};

} // namespace screener::ops
