#pragma once
// What `screener weekly` prints: a text report (grading, calibration table, the week) or the
// same as one JSON document.

#include "screener/pipeline/weekly.hpp"

#include <string>

namespace screener::cli {

std::string render_weekly_text(const pipeline::WeeklyReport& report);
std::string render_weekly_json(const pipeline::WeeklyReport& report);

} // namespace screener::cli
