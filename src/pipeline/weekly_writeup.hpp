#pragma once
// The weekly pass's AI write-up (docs/weekly.md, "AI write-up"), called by run_weekly after the
// week's summary.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/ops/log.hpp"
#include "screener/pipeline/weekly.hpp"
#include "screener/store/store.hpp"

#include <memory>

namespace screener::pipeline {

// Sets report.writeup (or report.writeup_note when AI is off), stores the write-up and adds its
// calls' cost to report.cost_usd; `http` is created when no live vendor made one. A write-up that
// was asked for and did not happen is left for run_weekly to make the pass degraded. StoreError
// passes.
void write_weekly_summary(const config::Config& config, std::unique_ptr<net::HttpClient>& http,
                          store::Store& db, ops::Logger& logger, WeeklyReport& report);

} // namespace screener::pipeline
