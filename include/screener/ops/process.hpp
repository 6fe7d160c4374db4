#pragma once
// Runs a helper program (e.g. /bin/tar) from an argument vector, never through a shell, so no
// path or name is ever parsed as shell syntax.

#include <filesystem>
#include <string>
#include <vector>

namespace screener::ops {

struct ProgramResult {
    int exit_code = -1; // the program's exit status; -1 when a signal ended it
    std::string output; // its stdout and stderr, merged (at most the last 4 KiB)
};

// Starts argv[0] (an absolute path) with stdin from /dev/null, waits for it and returns how it
// ended. Throws std::runtime_error when it cannot be started; `scratch_dir` holds the
// temporary file that collects its output.
ProgramResult run_program(const std::vector<std::string>& argv,
                          const std::filesystem::path& scratch_dir);

} // namespace screener::ops
