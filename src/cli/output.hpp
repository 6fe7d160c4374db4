#pragma once
// Renders a scan report for people (table) and programs (json, csv). Field names of the JSON
// and CSV forms are a stable interface, documented in docs/output.md.

#include "screener/pipeline/scan.hpp"

#include <string>

namespace screener::cli {

enum class OutputFormat { Table, Json, Csv };

OutputFormat parse_output_format(const std::string& text);

std::string render_table(const pipeline::ScanReport& report, const std::string& database);
std::string render_json(const pipeline::ScanReport& report);
std::string render_csv(const pipeline::ScanReport& report);

} // namespace screener::cli
