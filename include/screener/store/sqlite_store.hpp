#pragma once
// The SQLite implementation of Store: one connection per instance, WAL, migrations on open.

#include "screener/store/store.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace SQLite {
class Database;
class Statement;
} // namespace SQLite

namespace screener::store {

struct SqliteStoreOptions {
    // Clock for started_at, finished_at, created_at and ts; empty means system_clock::now.
    // Tests inject a fixed time to assert exact timestamps.
    std::function<std::chrono::system_clock::time_point()> now;
};

// What a connection actually runs with, read back through PRAGMAs (tests, health).
struct ConnectionSettings {
    std::string journal_mode; // "wal"
    int synchronous = -1;     // 1 = NORMAL
    int busy_timeout_ms = -1;
    bool foreign_keys = false;
    int user_version = 0;
};

// RFC 3339 UTC with milliseconds, e.g. "2026-11-28T12:00:00.123Z" (truncated, not rounded).
std::string format_utc_timestamp(std::chrono::system_clock::time_point time);
// The inverse for the store's own timestamps ("YYYY-MM-DDTHH:MM:SS[.fff]Z"); nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text);

// Every method is serialised by a mutex, so one store may be shared by worker threads.
// Every SQLite failure surfaces as StoreError naming the database path and the operation.
class SqliteStore final : public Store {
public:
    // Opens or creates `database` (its directory must exist), configures the connection
    // (journal_mode=WAL, synchronous=NORMAL, busy_timeout=5000, foreign_keys=ON), refuses a
    // schema newer than latest_schema_version(), proves the file writable with a write that is
    // rolled back, and applies pending migrations.
    explicit SqliteStore(const std::filesystem::path& database, SqliteStoreOptions options = {});
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    std::int64_t begin_run(const RunStart& start) override;
    // Throws StoreError for an unknown run, or for status "running" (a finish must end it).
    void finish_run(std::int64_t run_id, const RunFinish& finish) override;
    void add_results(std::int64_t run_id, const std::vector<Candidate>& results) override;
    void add_run_error(std::int64_t run_id, const SymbolError& error) override;
    void add_chain_quality(std::int64_t run_id, const ChainQualityRow& row) override;
    void record_api_call(std::int64_t run_id, const ApiCallRecord& call) override;
    // A later observation of the same symbol and session replaces atm_iv; hv20 is kept when
    // the later one has none. StoreError for a non-finite atm_iv or a date not YYYY-MM-DD.
    void record_iv(const IvObservation& observation) override;
    int mark_interrupted_runs() override;

    std::optional<RunRow> run(std::int64_t run_id) override;
    std::optional<RunRow> latest_run(const std::string& command) override;
    // Ordered by rank. A figure stored as NULL (it was NaN) reads back as NaN; the optional
    // figures (max_profit, max_loss, the returns) read NULL back as nullopt; sector NULL as "".
    // Rows written before schema v3 read back from the v1 columns (fill_price = premium, ...)
    // with NaN leg quotes.
    std::vector<Candidate> results(std::int64_t run_id) override;
    std::vector<SymbolError> run_errors(std::int64_t run_id) override;
    std::vector<ChainQualityRow> chain_quality(std::int64_t run_id) override;
    // StoreError for a before_date that is not YYYY-MM-DD.
    std::vector<double> iv_history(const std::string& symbol, const std::string& before_date,
                                   int limit) override;
    void add_reconciliation(std::int64_t run_id, const ReconciliationRow& row) override;
    std::vector<ReconciliationRow> reconciliations(std::int64_t run_id) override;
    std::optional<std::string> cached_response(const std::string& key,
                                               std::chrono::system_clock::time_point now) override;
    void cache_response(const std::string& key, const std::string& body,
                        std::chrono::system_clock::time_point fetched,
                        std::chrono::system_clock::time_point expires) override;
    double credits_spent(const std::string& provider,
                         std::chrono::system_clock::time_point since) override;
    std::vector<StoredPick> ungraded_picks(int no_data_grace_days) override;
    bool record_outcome(std::int64_t run_id, const PickOutcomeRow& outcome) override;
    std::optional<PickOutcomeRow> outcome(std::int64_t result_id) override;
    std::vector<std::pair<StoredPick, PickOutcomeRow>>
    graded_picks(const std::string& since) override;
    void add_calibration(std::int64_t run_id, const std::vector<CalibrationRow>& rows) override;
    std::vector<CalibrationRow> calibration(std::int64_t run_id) override;
    std::vector<RunRow> runs_between(const std::string& from, const std::string& to) override;
    std::vector<ProviderSpend> spend_between(const std::string& from,
                                             const std::string& to) override;
    std::int64_t add_ai_analysis(std::int64_t run_id, const AiAnalysisRecord& record) override;
    std::int64_t add_weekly_writeup(std::int64_t run_id,
                                    const WeeklyWriteupRecord& record) override;
    std::optional<StoredWeeklyWriteup>
    cached_weekly_writeup(const std::string& input_hash,
                          std::chrono::system_clock::time_point since) override;
    std::optional<StoredAiAnalysis>
    cached_ai_analysis(const std::string& input_hash,
                       std::chrono::system_clock::time_point since) override;
    double cost_spent(const std::string& provider,
                      std::chrono::system_clock::time_point since) override;
    std::optional<RunRow> latest_successful_run(const std::string& command,
                                                const std::string& profile) override;
    int ai_analyses(std::int64_t run_id) override;
    std::vector<ApiCallStats> api_call_stats(std::int64_t run_id) override;
    std::vector<ApiCallStats>
    api_call_stats_since(std::chrono::system_clock::time_point since) override;
    std::optional<AlertState> alert_state(const std::string& key) override;
    void set_alert_state(const AlertState& state) override;

    // The settings of this store's own connection (they are per connection in SQLite).
    ConnectionSettings connection_settings();
    const std::filesystem::path& path() const { return m_path; }

private:
    // A statement prepared once per connection (a scan writes several rows per symbol), reset
    // when the holder goes out of scope so no read stays open. Call only under the lock.
    class Prepared {
    public:
        explicit Prepared(SQLite::Statement& statement) : m_statement(statement) {}
        ~Prepared();
        Prepared(const Prepared&) = delete;
        Prepared& operator=(const Prepared&) = delete;
        SQLite::Statement& get() { return m_statement; }

    private:
        SQLite::Statement& m_statement;
    };
    Prepared prepared(SQLite::Database& db, const char* sql);

    template <class Body>
    auto locked(std::string_view what, Body&& body);
    // The rows of one run from `sql` (one parameter: the run id), each read by read(db, query).
    template <class Read>
    auto rows_of_run(std::string_view what, std::int64_t run_id, const std::string& sql,
                     Read&& read);
    std::string now_text() const;

    std::filesystem::path m_path;
    SqliteStoreOptions m_options;
    std::mutex m_mutex;
    std::unique_ptr<SQLite::Database> m_db;
    // Keyed by the SQL literal's address; destroyed before m_db.
    std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> m_statements;
};

// Same as open_sqlite_store(database) with options (e.g. an injected clock).
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& database,
                                         SqliteStoreOptions options);

} // namespace screener::store
