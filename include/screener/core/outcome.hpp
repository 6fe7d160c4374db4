#pragma once
// Health-style outcomes and the exit codes cron, systemd and monitoring plugins read.
// This file is the one place that decides exit codes, for outcomes and for exceptions.

#include <exception>

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

// The exit code for a pass that ended in `error`: ConfigError and LockHeldError (and anything
// unexpected) cannot judge -> 3; StoreError and DataError mean the pass failed -> 2.
int exit_code_for(const std::exception& error);

} // namespace screener
