#pragma once
// The one place that masks credentials in text from outside (URLs, vendor error bodies, header
// dumps) before it reaches a log line, an error message or the database.

#include <string>
#include <string_view>

namespace screener {

// Replaces the value after token= / api_token= / apikey= / api_key=, "Bearer " / "Basic ",
// and "x-api-key:" with "***" (case-insensitive); everything else is kept as it is.
std::string redact_credentials(std::string_view text);

} // namespace screener
