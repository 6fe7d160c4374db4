#include "screener/ops/process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace screener::ops {

ProgramResult run_program(const std::vector<std::string>& argv,
                          const std::filesystem::path& scratch_dir) {
    if (argv.empty()) {
        throw std::runtime_error("run_program: no program given");
    }
    const std::filesystem::path output_file =
        scratch_dir / fmt::format(".program-output-{}", ::getpid());
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    const int spawn_error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_error != 0) {
        std::error_code ignored;
        std::filesystem::remove(output_file, ignored); // the child may have opened it
        throw std::runtime_error(
            fmt::format("cannot start {}: {}", argv[0], std::strerror(spawn_error)));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error(
                fmt::format("cannot wait for {}: {}", argv[0], std::strerror(errno)));
        }
    }
    ProgramResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    {
        std::ifstream in(output_file, std::ios::binary);
        result.output.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::error_code ignored;
    std::filesystem::remove(output_file, ignored);
    constexpr std::size_t k_keep = 4096;
    if (result.output.size() > k_keep) {
        result.output.erase(0, result.output.size() - k_keep);
    }
    return result;
}

} // namespace screener::ops
