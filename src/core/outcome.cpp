#include "screener/core/outcome.hpp"

#include "screener/core/error.hpp"

namespace screener {

int exit_code_for(const std::exception& error) {
    if (dynamic_cast<const StoreError*>(&error) || dynamic_cast<const DataError*>(&error)) {
        return k_exit_failed;
    }
    return k_exit_unknown; // ConfigError, LockHeldError, internal errors
}

} // namespace screener
