#pragma once
// Health-style outcomes and the exit codes cron, systemd and monitoring plugins read.
// This file and cli/exit.cpp (for exceptions) are the only places that decide exit codes.

namespace screener {

enum class Outcome { Ok, Degraded, Failed };

enum ExitCode : int {
    k_exit_ok = 0,       // the pass did everything it was asked
    k_exit_degraded = 1, // finished and stored, but something was below par
    k_exit_failed = 2,   // could not produce its result
    k_exit_unknown = 3,  // bad config or usage, lock held, internal error
};

constexpr int exit_code(Outcome outcome) {
    return outcome == Outcome::Ok         ? k_exit_ok
           : outcome == Outcome::Degraded ? k_exit_degraded
                                          : k_exit_failed;
}

constexpr const char* outcome_status(Outcome outcome) {
    return outcome == Outcome::Ok ? "ok" : outcome == Outcome::Degraded ? "degraded" : "failed";
}

} // namespace screener
