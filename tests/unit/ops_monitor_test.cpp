// Alerts (webhook formats, cooldown kept in the store across runs, failed delivery), cron-monitor
// pings and the Prometheus textfile, against a webhook/ping listener on 127.0.0.1.
#include "screener/config/config.hpp"
#include "screener/ops/alerts.hpp"
#include "screener/ops/metrics.hpp"
#include "screener/ops/pings.hpp"
#include "screener/ops/run_monitor.hpp"
#include "screener/store/sqlite_store.hpp"
#include "support/loopback_server.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <mutex>
#include <sstream>

using namespace screener;
using namespace screener::ops;
using screener::testing::LoopbackServer;
using screener::testing::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

struct Received {
    std::string path;
    std::string query; // "k=v&..." as parsed by httplib, rebuilt in order
    std::string body;
    std::string content_type;
};

// Records every POST it gets; answers `status`.
class Listener {
public:
    Listener() {
        m_server.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
            std::lock_guard lock(m_mutex);
            std::string query;
            for (const auto& [key, value] : request.params) {
                query += (query.empty() ? "" : "&") + key + "=" + value;
            }
            m_received.push_back(
                {request.path, query, request.body, request.get_header_value("Content-Type")});
            response.status = status;
            response.set_content(status == 200 ? "ok" : "no", "text/plain");
        });
        m_loopback = std::make_unique<LoopbackServer>(m_server);
    }
    std::string url(const std::string& path) const { return m_loopback->url(path); }
    std::vector<Received> received() {
        std::lock_guard lock(m_mutex);
        return m_received;
    }
    int status = 200;

private:
    httplib::Server m_server;
    std::unique_ptr<LoopbackServer> m_loopback;
    std::mutex m_mutex;
    std::vector<Received> m_received;
};

Logger quiet_logger() {
    return Logger(LogLevel::Error, LogFormat::Json);
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Clock::time_point at(int seconds) {
    return Clock::time_point(std::chrono::seconds(1'800'000'000 + seconds));
}

} // namespace

TEST_CASE("webhook bodies: Slack text, Discord content, generic JSON", "[ops][alerts]") {
    const Alert alert{
        "health", "warning", "screener health WARNING", "disk 91% on /data", {{"host", "h1"}}};
    CHECK(webhook_body(alert, "slack", "T") ==
          R"({"text":"screener health WARNING\ndisk 91% on /data\nhost: h1"})");
    CHECK(webhook_body(alert, "discord", "T") ==
          R"({"content":"screener health WARNING\ndisk 91% on /data\nhost: h1",)"
          R"("allowed_mentions":{"parse":[]}})");
    CHECK(webhook_body(alert, "json", "2026-11-28T12:00:00.000Z") ==
          R"({"source":"screener","key":"health","status":"warning","title":"screener health )"
          R"(WARNING","text":"disk 91% on /data","timestamp":"2026-11-28T12:00:00.000Z",)"
          R"("fields":{"host":"h1"}})");
    // Discord's 2000-character limit.
    Alert long_alert = alert;
    long_alert.text = std::string(5000, 'x');
    const std::string discord = webhook_body(long_alert, "discord", "T");
    const auto start = discord.find(":\"") + 2;
    const auto end = discord.find("\",\"allowed_mentions");
    CHECK(end - start == 2000 + 1); // 2000 characters; the one newline is escaped as two
    CHECK(redact_url("https://hooks.slack.com/services/T0/B0/secret") ==
          "https://hooks.slack.com/***");
    CHECK(redact_url("http://127.0.0.1:8080/x?token=1") == "http://127.0.0.1:8080/***");
}

TEST_CASE("webhooks of each format reach a local listener", "[ops][alerts]") {
    Listener listener;
    config::AlertsConfig config;
    config.webhooks = {{listener.url("/slack/T0/B0/secret"), "slack"},
                       {listener.url("/api/webhooks/1/tok"), "discord"},
                       {listener.url("/generic"), "json"}};
    auto http = net::make_curl_client();
    auto logger = quiet_logger();
    Alerter alerter(config, *http, nullptr, logger, [] { return at(0); });
    CHECK(alerter.notify({"scan:daily:summary", "info", "12 opportunities", "", {}}));
    const auto got = listener.received();
    REQUIRE(got.size() == 3);
    std::map<std::string, Received> by_path;
    for (const auto& r : got) {
        by_path[r.path] = r;
    }
    CHECK(by_path.at("/slack/T0/B0/secret").body == R"({"text":"12 opportunities"})");
    CHECK(by_path.at("/slack/T0/B0/secret").content_type == "application/json");
    CHECK(by_path.at("/api/webhooks/1/tok").body ==
          R"({"content":"12 opportunities","allowed_mentions":{"parse":[]}})");
    CHECK(by_path.at("/api/webhooks/1/tok").query == "wait=true");
    CHECK(by_path.at("/generic").body.find(R"("key":"scan:daily:summary","status":"info")") !=
          std::string::npos);
}

TEST_CASE("cooldown holds across two runs (two store opens) and lets the alert through after "
          "the window",
          "[ops][alerts]") {
    TempDir dir;
    const fs::path db = dir / "screener.db";
    Listener listener;
    config::AlertsConfig config;  // cooldown 300 s by default
    config.repeat_interval_s = 0; // an unchanged status repeats after the cooldown
    config.webhooks = {{listener.url("/hook"), "slack"}};
    auto http = net::make_curl_client();
    auto logger = quiet_logger();
    const Alert warning{"health", "warning", "screener health WARNING", "disk 91%", {}};

    const auto run = [&](Clock::time_point now, const Alert& alert) {
        // A fresh process each time: its own store connection and alerter.
        auto store = store::open_sqlite_store(db);
        Alerter alerter(config, *http, store.get(), logger, [now] { return now; });
        return alerter.raise(alert);
    };
    CHECK(run(at(0), warning));
    CHECK_FALSE(run(at(299), warning)); // same status inside the cooldown
    CHECK(listener.received().size() == 1);
    CHECK(run(at(300), warning)); // the window has passed
    CHECK(listener.received().size() == 2);
    // A change inside the cooldown is held back, and sent by a later run after it.
    Alert critical = warning;
    critical.status = "critical";
    CHECK_FALSE(run(at(310), critical));
    CHECK(run(at(600), critical));
    // Back to ok: one resolved message, then silence.
    Alert ok{"health", "ok", "screener health OK", "", {}};
    CHECK(run(at(900), ok));
    CHECK_FALSE(run(at(1300), ok));
    const auto got = listener.received();
    REQUIRE(got.size() == 4);
    CHECK(got[2].body == R"({"text":"screener health WARNING\ndisk 91%"})");
    CHECK(got[3].body == R"x({"text":"screener health OK (resolved)"})x");

    auto store = store::open_sqlite_store(db);
    const auto state = store->alert_state("health");
    REQUIRE(state);
    CHECK(state->last_status == "ok");
    CHECK(state->last_sent_at == at(900));
}

TEST_CASE("an unchanged status repeats only after the repeat interval", "[ops][alerts]") {
    TempDir dir;
    Listener listener;
    config::AlertsConfig config; // cooldown 300 s, repeat interval 4 h
    config.webhooks = {{listener.url("/hook"), "json"}};
    auto http = net::make_curl_client();
    auto logger = quiet_logger();
    const Alert warning{"health", "warning", "screener health WARNING", "", {}};
    const auto run = [&](Clock::time_point now) {
        auto store = store::open_sqlite_store(dir / "screener.db");
        return Alerter(config, *http, store.get(), logger, [now] { return now; }).raise(warning);
    };
    CHECK(run(at(0)));
    // health every 15 minutes: the lasting warning is not sent again each run.
    for (int minutes = 15; minutes < 240; minutes += 15) {
        CHECK_FALSE(run(at(minutes * 60)));
    }
    CHECK(run(at(4 * 3600)));
    CHECK(listener.received().size() == 2);
}

TEST_CASE("a 429 is retried once after its short Retry-After", "[ops][alerts]") {
    httplib::Server server;
    std::atomic<int> slack_calls{0};
    std::atomic<int> discord_calls{0};
    server.Post("/hook", [&](const httplib::Request&, httplib::Response& response) {
        if (++slack_calls == 1) {
            response.status = 429;
            response.set_header("Retry-After", "0");
            response.set_content("rate_limited", "text/plain");
        } else {
            response.set_content("ok", "text/plain");
        }
    });
    server.Post("/discord", [&](const httplib::Request&, httplib::Response& response) {
        ++discord_calls;
        response.status = 429;
        response.set_content(R"({"message":"You are being rate limited.","retry_after":64.57})",
                             "application/json");
    });
    LoopbackServer loopback(server);
    auto http = net::make_curl_client();
    auto logger = quiet_logger();

    config::AlertsConfig slack;
    slack.webhooks = {{loopback.url("/hook"), "slack"}};
    CHECK(Alerter(slack, *http, nullptr, logger).notify({"k", "info", "summary", "", {}}));
    CHECK(slack_calls == 2);
    // Discord's retry_after in the body; a long wait is not honoured (the alert is dropped).
    config::AlertsConfig discord;
    discord.webhooks = {{loopback.url("/discord"), "discord"}};
    CHECK_FALSE(Alerter(discord, *http, nullptr, logger).notify({"k", "info", "summary", "", {}}));
    CHECK(discord_calls == 1);
}

TEST_CASE("a failed delivery is logged and never throws", "[ops][alerts]") {
    Listener listener;
    listener.status = 500;
    testing::RawServer reset("");
    config::AlertsConfig config;
    config.timeout_s = 5;
    config.webhooks = {{listener.url("/hook"), "json"}, {reset.url("/hook"), "slack"}};
    auto http = net::make_curl_client();
    TempDir dir;
    const fs::path log = dir / "log.jsonl";
    {
        Logger logger(LogLevel::Info, LogFormat::Json, log);
        Alerter alerter(config, *http, nullptr, logger);
        bool sent = true;
        REQUIRE_NOTHROW(sent = alerter.raise({"scan:daily", "failed", "scan failed", "", {}}));
        CHECK_FALSE(sent);
    }
    const std::string text = read_text(log);
    CHECK(text.find("alert_delivery_failed") != std::string::npos);
    CHECK(text.find("\"http_status\":500") != std::string::npos);
    // The URL's path (its token) is never logged.
    CHECK(text.find("/hook") == std::string::npos);
}

TEST_CASE("pings: /start, then success, /log or /fail with the log tail", "[ops][pings]") {
    Listener listener;
    config::PingsConfig config;
    config.urls = {{"scan", listener.url("/ping/uuid-1")}};
    auto http = net::make_curl_client();
    auto logger = quiet_logger();

    CronPinger pinger(config, "scan", *http, logger);
    REQUIRE(pinger.enabled());
    pinger.start();
    pinger.finish(2, {"line one", "line two"});
    auto got = listener.received();
    REQUIRE(got.size() == 2);
    CHECK(got[0].path == "/ping/uuid-1/start");
    CHECK(got[1].path == "/ping/uuid-1/fail");
    CHECK(got[1].body == "line one\nline two\n");
    // The same rid pairs start and end.
    CHECK(got[0].query.rfind("rid=", 0) == 0);
    CHECK(got[0].query == got[1].query);

    // Exit 1 does not page by default; configurable.
    CronPinger degraded(config, "scan", *http, logger);
    degraded.finish(1, {});
    config.on_degraded = "fail";
    CronPinger paging(config, "scan", *http, logger);
    paging.finish(1, {});
    config.on_degraded = "log";
    CronPinger logging(config, "scan", *http, logger);
    logging.finish(1, {});
    CronPinger ok(config, "scan", *http, logger);
    ok.finish(0, {});
    CronPinger unknown(config, "scan", *http, logger);
    unknown.finish(3, {});
    got = listener.received();
    REQUIRE(got.size() == 7);
    CHECK(got[2].path == "/ping/uuid-1");
    CHECK(got[3].path == "/ping/uuid-1/fail");
    CHECK(got[4].path == "/ping/uuid-1/log");
    CHECK(got[5].path == "/ping/uuid-1");
    CHECK(got[6].path == "/ping/uuid-1/fail");

    // Another command without a URL sends nothing; a dead endpoint never throws.
    CronPinger none(config, "health", *http, logger);
    CHECK_FALSE(none.enabled());
    none.start();
    CHECK(listener.received().size() == 7);
    testing::RawServer reset("");
    config.urls = {{"scan", reset.url("/ping")}};
    CronPinger dead(config, "scan", *http, logger);
    REQUIRE_NOTHROW(dead.start());
    REQUIRE_NOTHROW(dead.finish(2, {"x"}));
}

TEST_CASE("ping bodies keep the last lines within the size limit", "[ops][pings]") {
    CHECK(ping_body({"a", "b"}, 100) == "a\nb\n");
    const std::vector<std::string> lines = {std::string(20, 'a'), "second line", "third line"};
    const std::string body = ping_body(lines, 40);
    CHECK(body.size() <= 40);
    CHECK(body == "[2 earlier lines omitted]\nthird line\n");
    CHECK(ping_body(lines, 0).empty());
    CHECK(ping_suffix(0, "success").empty());
    CHECK(ping_suffix(1, "success").empty());
    CHECK(ping_suffix(2, "success") == "/fail");
    CHECK(random_uuid().size() == 36);
    CHECK(random_uuid() != random_uuid());
}

TEST_CASE("the log keeps its last lines for the ping body", "[ops][pings]") {
    Logger logger(LogLevel::Info, LogFormat::Text, "/dev/null");
    logger.add_secret("s3cret");
    logger.keep_recent(2);
    logger.info("one");
    logger.debug("skipped");
    logger.info("two", {{"key", "s3cret"}});
    logger.warn("three");
    const auto lines = logger.recent_lines();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].find("two key=***") != std::string::npos);
    CHECK(lines[1].find("three") != std::string::npos);
}

TEST_CASE("metrics textfile: contents, merge with other commands, atomic write", "[ops][metrics]") {
    TempDir dir;
    const fs::path file = dir / "screener.prom";
    auto logger = quiet_logger();

    RunMetrics scan;
    scan.command = "scan";
    scan.profile = "daily";
    scan.finished_unix = 1800000000.7;
    scan.duration_s = 12.5;
    scan.symbols_screened = 40;
    scan.symbols_failed = 1;
    scan.opportunities = 20;
    scan.errors = 1;
    scan.ai_analyses = 3;
    scan.cost_usd = 0.25;
    scan.exit_code = 1;
    scan.vendors = {{"marketdata", 50, 2, 120, 0.1, 250}};
    update_metrics_textfile(file, scan, logger);
    std::string text = read_text(file);
    CHECK(text.find("# HELP screener_last_success_timestamp_seconds ") != std::string::npos);
    CHECK(text.find("# TYPE screener_last_success_timestamp_seconds gauge\n") != std::string::npos);
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"scan\",profile=\"daily\"} "
                    "1800000000\n") != std::string::npos);
    CHECK(text.find("screener_last_run_duration_seconds{command=\"scan\",profile=\"daily\"} "
                    "12.5\n") != std::string::npos);
    CHECK(text.find("screener_last_run_vendor_latency_seconds{command=\"scan\",profile=\"daily\","
                    "vendor=\"marketdata\"} 0.25\n") != std::string::npos);
    CHECK(text.find("screener_last_run_vendor_credits{command=\"scan\",profile=\"daily\","
                    "vendor=\"marketdata\"} 120\n") != std::string::npos);
    CHECK(text.find("screener_last_run_ai_analyses{command=\"scan\",profile=\"daily\"} 3\n") !=
          std::string::npos);
    REQUIRE(!text.empty());
    CHECK(text.back() == '\n');
    // No sample timestamps: every sample line is "name{labels} value".
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto close = line.find('}');
        REQUIRE(close != std::string::npos);
        CHECK(std::count(line.begin() + static_cast<std::ptrdiff_t>(close), line.end(), ' ') == 1);
    }

    // Health writes its own series and keeps the scan's.
    RunMetrics health;
    health.command = "health";
    health.finished_unix = 1800000100;
    health.exit_code = 0;
    health.checks = {{"disk_data", 1}, {"cpu", 0}};
    update_metrics_textfile(file, health, logger);
    text = read_text(file);
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"health\",profile=\"\"} "
                    "1800000100\n") != std::string::npos);
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"scan\",profile=\"daily\"} "
                    "1800000000\n") != std::string::npos);
    CHECK(text.find("screener_health_check_status{check=\"disk_data\",command=\"health\","
                    "profile=\"\"} 1\n") != std::string::npos);
    CHECK(text.find("screener_last_run_opportunities{command=\"scan\",profile=\"daily\"} 20\n") !=
          std::string::npos);

    // A failed scan replaces the scan's last-run series but keeps its last success.
    RunMetrics failed;
    failed.command = "scan";
    failed.profile = "daily";
    failed.finished_unix = 1800000200;
    failed.exit_code = 2;
    update_metrics_textfile(file, failed, logger);
    text = read_text(file);
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"scan\",profile=\"daily\"} "
                    "1800000000\n") != std::string::npos);
    CHECK(text.find("screener_last_run_exit_code{command=\"scan\",profile=\"daily\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("screener_last_run_opportunities{command=\"scan\"") == std::string::npos);
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"health\"") !=
          std::string::npos);
    // Each family once, HELP before TYPE before its samples.
    CHECK(text.find("# TYPE screener_last_run_exit_code gauge") ==
          text.rfind("# TYPE screener_last_run_exit_code gauge"));

    // The file lost: a failed run takes the last success from the store's runs.
    failed.stored_last_success_unix = 1799999999.5;
    text = render_metrics(failed, "");
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"scan\",profile=\"daily\"} "
                    "1799999999\n") != std::string::npos);
    // ...but the previous file's value wins when it has one.
    text = render_metrics(failed, read_text(file));
    CHECK(text.find("screener_last_success_timestamp_seconds{command=\"scan\",profile=\"daily\"} "
                    "1800000000\n") != std::string::npos);

    // Only the target is left in the directory: the temp file was renamed over it.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        CHECK(entry.path().filename() == "screener.prom");
        ++files;
    }
    CHECK(files == 1);

    // A file that cannot be written is logged, not thrown.
    REQUIRE_NOTHROW(update_metrics_textfile(dir / "missing-dir/screener.prom", scan, logger));
    CHECK_THROWS(write_file_atomically(dir / "missing-dir/screener.prom", "x\n"));
}

TEST_CASE("RunMonitor: a scan pings, alerts, posts its summary and writes metrics",
          "[ops][monitor]") {
    TempDir dir;
    Listener listener;
    const std::string yaml = "data_dir: data\n"
                             "alerts:\n  webhooks:\n    - {url: " +
                             listener.url("/hook") +
                             ", format: json}\n"
                             "pings:\n  urls:\n    scan: " +
                             listener.url("/ping/abc") +
                             "\n"
                             "metrics:\n  textfile: screener.prom\n"
                             "profiles:\n  daily:\n    universe: {source: list, symbols: [AAPL]}\n"
                             "    strategies: {cash_secured_put: {}}\n";
    fs::create_directories(dir / "data");
    const auto config = config::parse_config(yaml, "test.yaml", dir.path(), [](const std::string&) {
        return std::optional<std::string>();
    });
    REQUIRE(config.metrics.textfile == dir / "data/screener.prom");
    // A database with a run, so alert state and AI counts are read.
    std::int64_t run_id = 0;
    {
        store::SqliteStore store(config.database);
        run_id = store.begin_run({"run-1", "scan", "daily", "2026-11-20", "sample", 1});
    }
    auto http = net::make_curl_client();
    Logger logger(LogLevel::Info, LogFormat::Json, dir / "log.jsonl");
    RunMonitor monitor(config, "scan", "daily", logger, *http, {}, [] { return at(0); });
    monitor.start();
    logger.warn("symbol_failed", {{"symbol", "XYZ"}});
    ScanSummary summary;
    summary.profile = "daily";
    summary.run_id = run_id;
    summary.exit_code = 1;
    summary.status = "degraded";
    summary.symbols_screened = 9;
    summary.symbols_failed = 1;
    summary.opportunities = 4;
    summary.errors = 1;
    summary.duration_s = 3.5;
    summary.cost_usd = 0.5;
    summary.message = "1 of 10 symbols failed";
    summary.notes = {"failover: chains: eodhd -> marketdata: circuit open"};
    monitor.finish_scan(summary);

    const auto got = listener.received();
    REQUIRE(got.size() == 4);
    CHECK(got[0].path == "/ping/abc/start");
    CHECK(got[1].path == "/hook");
    CHECK(got[1].body.find(R"("key":"scan:daily","status":"degraded")") != std::string::npos);
    CHECK(got[1].body.find(R"("text":"1 of 10 symbols failed\nfailover: chains: eodhd -> )"
                           R"(marketdata: circuit open")") != std::string::npos);
    CHECK(got[2].path == "/hook");
    CHECK(got[2].body.find(R"("opportunities":"4")") != std::string::npos);
    CHECK(got[2].body.find(R"("symbols_screened":"9")") != std::string::npos);
    CHECK(got[2].body.find(R"("ai_analyses":"0")") != std::string::npos);
    CHECK(got[2].body.find(R"("cost":"$0.50")") != std::string::npos);
    CHECK(got[3].path == "/ping/abc"); // degraded pings success by default
    CHECK(got[3].body.find("symbol_failed") != std::string::npos);
    const std::string metrics = read_text(config.metrics.textfile);
    CHECK(metrics.find("screener_last_run_exit_code{command=\"scan\",profile=\"daily\"} 1\n") !=
          std::string::npos);
}
