#pragma once
// Renders a scan report for people (table) and programs (json, csv). Field names of the JSON
// and CSV forms are a stable interface, documented in docs/output.md.

#include "screener/pipeline/scan.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace screener::cli {

enum class OutputFormat { Table, Json, Csv };

OutputFormat parse_output_format(const std::string& text);

std::string render_table(const pipeline::ScanReport& report, const std::string& database);
std::string render_json(const pipeline::ScanReport& report);
std::string render_csv(const pipeline::ScanReport& report);

// One line of `scan --explain SYMBOL`: a trade of one strategy and what became of it. A row with
// an empty strategy is a note about the symbol as a whole (e.g. why it was not screened).
struct ExplainRow {
    std::string strategy; // "bull_put_spread", ...
    std::string trade;    // e.g. "2026-12-18 P180/P175"
    std::string verdict;  // e.g. "kept score 0.1234", "dropped: pop 0.61 < 0.70"
};

// A header line, then one aligned line per row, grouped by strategy (groups in order of first
// appearance, rows in their given order within a group), then the notes.
void print_explain(std::ostream& out, const std::string& symbol,
                   const std::vector<ExplainRow>& rows);

} // namespace screener::cli
