#pragma once
// Reading a `runs` row: shared by the store and the maintenance code (backup inspection).

#include "screener/store/store.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>
#include <cmath>
#include <limits>
#include <string_view>

namespace screener::store {

// The columns read_run reads, in select order.
inline constexpr std::string_view k_run_columns =
    "id, execution_id, command, profile, as_of, data_source, status, exit_code, started_at, "
    "finished_at, pid, symbols_total, symbols_screened, symbols_failed, opportunities, "
    "duration_s, cost_usd, message";

// A row selected with k_run_columns first.
inline RunRow read_run(SQLite::Statement& query) {
    const auto real = [&](int i) {
        const auto column = query.getColumn(i);
        return column.isNull() ? std::numeric_limits<double>::quiet_NaN() : column.getDouble();
    };
    RunRow row;
    row.id = query.getColumn(0).getInt64();
    row.execution_id = query.getColumn(1).getString();
    row.command = query.getColumn(2).getString();
    row.profile = query.getColumn(3).getString();
    row.as_of = query.getColumn(4).getString();
    row.data_source = query.getColumn(5).getString();
    row.status = query.getColumn(6).getString();
    if (!query.getColumn(7).isNull()) {
        row.exit_code = query.getColumn(7).getInt();
    }
    row.started_at = query.getColumn(8).getString();
    if (!query.getColumn(9).isNull()) {
        row.finished_at = query.getColumn(9).getString();
    }
    row.pid = query.getColumn(10).getInt();
    row.symbols_total = query.getColumn(11).getInt();
    row.symbols_screened = query.getColumn(12).getInt();
    row.symbols_failed = query.getColumn(13).getInt();
    row.opportunities = query.getColumn(14).getInt();
    row.duration_s = real(15);
    row.cost_usd = real(16);
    row.message = query.getColumn(17).getString();
    return row;
}

} // namespace screener::store
