#pragma once
// Exceptions carry context up to the subcommand boundary, where cli/ maps them to exit codes.
// Per-symbol failures that are expected in a run are not exceptions but SymbolError values.

#include <stdexcept>
#include <string>

namespace screener {

// Base of every error the screener raises on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bad configuration or usage: exit 3. The message names file:line:column and the key path.
class ConfigError : public Error {
public:
    using Error::Error;
};

// Malformed vendor data (or sample file): names the symbol and the endpoint or file at fault.
class DataError : public Error {
public:
    using Error::Error;
};

// The vendor answered that it has no such symbol or data (HTTP 404): a fact about the symbol
// (delisted, renamed), not a fault to retry.
class NotFoundError : public DataError {
public:
    using DataError::DataError;
};

// The database could not be opened, migrated or written: exit 2.
class StoreError : public Error {
public:
    using Error::Error;
};

// Another process holds the run lock: exit 3, nothing touched.
class LockHeldError : public Error {
public:
    using Error::Error;
};

} // namespace screener
