#pragma once
// Writing JSON text by hand where a document builder would be overkill (log lines, small
// database columns). Control characters are escaped, which also stops log-line injection.

#include <string>
#include <string_view>

namespace screener {

// Appends `text` as a quoted JSON string; UTF-8 bytes pass through unchanged.
void append_json_string(std::string& out, std::string_view text);
// Appends the shortest text that reads back to the same double; NaN and Inf become null.
void append_json_number(std::string& out, double value);

} // namespace screener
