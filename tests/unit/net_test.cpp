// net/: the libcurl client over real loopback HTTP, and VendorChannel's retries, rate limit,
// concurrency cap, circuit breaker, cache and accounting against scripted servers.

#include "screener/net/http_client.hpp"
#include "screener/net/resilience.hpp"
#include "screener/net/vendor_channel.hpp"
#include "support/loopback_server.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

using namespace screener;
using namespace screener::net;
using screener::testing::LoopbackServer;
using screener::testing::RawServer;
using namespace std::chrono_literals;

namespace {

// Records when each request arrived and how many were in flight at once.
struct Recorder {
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    std::vector<std::string> targets;
    int in_flight = 0;
    int max_in_flight = 0;

    void enter(const httplib::Request& request) {
        std::lock_guard lock(mutex);
        arrivals.push_back(std::chrono::steady_clock::now());
        targets.push_back(request.target);
        max_in_flight = std::max(max_in_flight, ++in_flight);
    }
    void leave() {
        std::lock_guard lock(mutex);
        --in_flight;
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return arrivals.size();
    }
};

class MemoryCache : public ResponseCache {
public:
    std::optional<std::string> get(const std::string& key, WallTime now) override {
        auto it = entries.find(key);
        if (it == entries.end() || it->second.second <= now) {
            return std::nullopt;
        }
        return it->second.first;
    }
    void put(const std::string& key, const std::string& body, WallTime, WallTime expires) override {
        entries[key] = {body, expires};
    }
    std::map<std::string, std::pair<std::string, WallTime>> entries;
};

VendorLimits fast_limits(const std::string& vendor = "testvendor") {
    VendorLimits limits;
    limits.vendor = vendor;
    limits.requests_per_second = 0; // unlimited unless a test sets it
    limits.max_in_flight = 8;
    limits.retry.max_attempts = 4;
    limits.retry.base_delay = 10ms;
    limits.retry.max_delay = 40ms;
    limits.retry.max_retry_after = 5000ms;
    limits.connect_timeout = 1000ms;
    limits.total_timeout = 2000ms;
    return limits;
}

Fetch get(const std::string& url, const std::string& endpoint = "/thing/{symbol}",
          const std::string& symbol = "AAPL") {
    Fetch fetch;
    fetch.request.url = url;
    fetch.endpoint = endpoint;
    fetch.symbol = symbol;
    fetch.credits = [](const HttpResponse&) { return 1.0; };
    return fetch;
}

} // namespace

TEST_CASE("curl client: status, body, lower-cased headers and decoded gzip over loopback",
          "[net]") {
    httplib::Server server;
    std::string big(200000, 'x');
    server.Get("/hello", [&](const httplib::Request&, httplib::Response& response) {
        response.set_header("X-Ratelimit-Remaining", "41");
        response.set_content(big, "application/json");
    });
    server.Get("/missing", [](const httplib::Request&, httplib::Response& response) {
        response.status = 404;
        response.set_content(R"({"s":"no_data"})", "application/json");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();

    HttpRequest request;
    request.url = loop.url("/hello");
    HttpResponse response = client->send(request);
    CHECK(response.transport == TransportError::None);
    CHECK(response.status == 200);
    CHECK(response.body == big);
    CHECK(response.header("x-ratelimit-remaining") == "41");
    CHECK(response.header("content-type") == "application/json");
    // httplib compresses what the client accepts: fewer bytes on the wire than in the body.
    CHECK(response.wire_bytes > 0);
    CHECK(response.wire_bytes < static_cast<long long>(big.size()) / 10);

    request.url = loop.url("/missing");
    response = client->send(request);
    CHECK(response.status == 404);
    CHECK(response.body == R"({"s":"no_data"})");
}

TEST_CASE("curl client: many callers' transfers run concurrently on one multi handle", "[net]") {
    httplib::Server server;
    Recorder recorder;
    server.Get("/slow", [&](const httplib::Request& request, httplib::Response& response) {
        recorder.enter(request);
        std::this_thread::sleep_for(150ms);
        recorder.leave();
        response.set_content("ok", "text/plain");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    std::vector<std::thread> callers;
    std::atomic<int> ok{0};
    for (int i = 0; i < 12; ++i) {
        callers.emplace_back([&] {
            HttpRequest request;
            request.url = loop.url("/slow");
            if (client->send(request).status == 200) {
                ++ok;
            }
        });
    }
    for (auto& caller : callers) {
        caller.join();
    }
    CHECK(ok == 12);
    CHECK(recorder.max_in_flight >= 6); // one loop thread, many transfers at once
}

TEST_CASE("curl client: transport faults are classified and never carry the token", "[net]") {
    auto client = make_curl_client();
    HttpRequest request;
    request.connect_timeout = 1000ms;
    request.total_timeout = 1000ms;

    SECTION("connection refused") {
        int port = 0;
        {
            RawServer closed("x"); // learn a free port, then close it
            port = std::stoi(closed.url().substr(closed.url().rfind(':') + 1));
        }
        request.url = "http://127.0.0.1:" + std::to_string(port) + "/eod?api_token=SECRET123";
        HttpResponse response = client->send(request);
        CHECK(response.status == 0);
        CHECK(response.transport == TransportError::ConnectFailed);
        CHECK(response.transport_message.find("SECRET123") == std::string::npos);
    }
    SECTION("body cut short") {
        RawServer raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{\"code\":");
        request.url = raw.url("/eod?api_token=SECRET123");
        HttpResponse response = client->send(request);
        CHECK(response.status == 0);
        CHECK(response.transport == TransportError::Reset);
    }
    SECTION("connection reset") {
        RawServer raw("");
        request.url = raw.url("/eod");
        HttpResponse response = client->send(request);
        CHECK(response.status == 0);
        CHECK(response.transport == TransportError::Reset);
    }
    SECTION("slow past the total timeout") {
        httplib::Server server;
        server.Get("/slow", [](const httplib::Request&, httplib::Response& response) {
            std::this_thread::sleep_for(1500ms);
            response.set_content("late", "text/plain");
        });
        LoopbackServer loop(server);
        request.total_timeout = 300ms;
        request.url = loop.url("/slow");
        HttpResponse response = client->send(request);
        CHECK(response.status == 0);
        CHECK(response.transport == TransportError::Timeout);
    }
}

TEST_CASE("rate limiter: any window holds at most burst + rate x window sends", "[net]") {
    RateLimiter limiter(10.0, 3); // 10/s, burst 3
    auto start = std::chrono::steady_clock::time_point{} + 1h;
    std::vector<SteadyTime> sends;
    for (int i = 0; i < 50; ++i) {
        sends.push_back(limiter.reserve(start)); // everyone asks at once
    }
    CHECK(sends[0] == start);
    CHECK(sends[2] == start);
    CHECK(sends[3] == start + 100ms);
    CHECK(sends[49] == start + 4700ms);
    for (std::size_t i = 0; i < sends.size(); ++i) {
        std::size_t in_window = 0;
        for (std::size_t j = i; j < sends.size() && sends[j] < sends[i] + 1s; ++j) {
            ++in_window;
        }
        CHECK(in_window <= 3 + 10);
    }
    // A pause (429 Retry-After) holds the next send; no burst is saved up during it.
    limiter.pause_until(start + 10s);
    CHECK(limiter.reserve(start + 5s) == start + 10s);
    CHECK(limiter.reserve(start + 5s) == start + 10s + 100ms);
}

TEST_CASE("circuit breaker: opens after N failures, half-open probe closes or reopens", "[net]") {
    CircuitBreaker breaker(3, 10s);
    auto now = std::chrono::steady_clock::time_point{} + 1h;
    CHECK(breaker.allow(now));
    breaker.record_failure(now);
    breaker.record_failure(now);
    breaker.record_success(); // not consecutive
    breaker.record_failure(now);
    breaker.record_failure(now);
    CHECK(breaker.state() == CircuitBreaker::State::Closed);
    breaker.record_failure(now);
    CHECK(breaker.state() == CircuitBreaker::State::Open);
    CHECK_FALSE(breaker.allow(now + 5s));
    CHECK(breaker.allow(now + 11s)); // the probe
    CHECK(breaker.state() == CircuitBreaker::State::HalfOpen);
    CHECK_FALSE(breaker.allow(now + 11s)); // only one probe
    breaker.record_failure(now + 12s);
    CHECK(breaker.state() == CircuitBreaker::State::Open);
    CHECK_FALSE(breaker.allow(now + 20s));
    CHECK(breaker.allow(now + 23s));
    breaker.record_success();
    CHECK(breaker.state() == CircuitBreaker::State::Closed);
    CHECK(breaker.allow(now + 23s));
}

TEST_CASE("retry policy: what is retried, Retry-After forms, bounded jittered backoff", "[net]") {
    HttpResponse response;
    for (int status : {408, 429, 500, 502, 503, 504}) {
        response.status = status;
        CHECK(is_retryable(response));
    }
    for (int status : {200, 203, 400, 401, 403, 404, 422}) {
        response.status = status;
        CHECK_FALSE(is_retryable(response));
    }
    response.status = 0;
    response.transport = TransportError::Timeout;
    CHECK(is_retryable(response));
    CHECK(is_vendor_failure(response));
    response.transport = TransportError::None;
    response.status = 429;
    CHECK_FALSE(is_vendor_failure(response)); // a rate limit is not an outage

    auto now = std::chrono::system_clock::from_time_t(784111777); // Sun, 06 Nov 1994 08:49:37 GMT
    CHECK(parse_retry_after("7", now) == 7000ms);
    CHECK(parse_retry_after(" 0 ", now) == 0ms);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == 10000ms);
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:40 GMT", now) == 3000ms);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now) == 0ms); // in the past
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("-5", now));

    RetryPolicy policy;
    policy.base_delay = 500ms;
    policy.max_delay = 4000ms;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
        auto first = backoff_delay(policy, 1, rng);
        CHECK(first >= 250ms);
        CHECK(first <= 500ms);
        auto third = backoff_delay(policy, 3, rng);
        CHECK(third >= 1000ms);
        CHECK(third <= 2000ms);
        auto tenth = backoff_delay(policy, 10, rng);
        CHECK(tenth >= 2000ms);
        CHECK(tenth <= 4000ms);
    }
}

TEST_CASE("vendor channel: retries 5xx and honours a 429's Retry-After for every worker", "[net]") {
    httplib::Server server;
    Recorder recorder;
    std::atomic<int> hits{0};
    server.Get("/flaky", [&](const httplib::Request& request, httplib::Response& response) {
        recorder.enter(request);
        recorder.leave();
        int n = ++hits;
        if (n == 1) {
            response.status = 502;
            response.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
        } else if (n == 2) {
            response.status = 429;
            response.set_header("Retry-After", "1");
            response.set_content(R"({"error":"API rate limit exceeded"})", "application/json");
        } else {
            response.set_content("[]", "application/json");
        }
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    std::vector<ApiCall> calls;
    std::mutex calls_mutex;
    VendorChannel channel(fast_limits(), *client, nullptr, [&](const ApiCall& call) {
        std::lock_guard lock(calls_mutex);
        calls.push_back(call);
    });
    FetchResult result = channel.fetch(get(loop.url("/flaky?api_token=SECRET123")));
    CHECK(result.response.status == 200);
    CHECK(result.attempts == 3);
    CHECK(result.credits == 1.0);
    REQUIRE(recorder.count() == 3);
    // The third request waited out Retry-After: 1 (server-side arrival times).
    CHECK(recorder.arrivals[2] - recorder.arrivals[1] >= 990ms);
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].status == 502);
    CHECK(calls[0].credits == 0);
    CHECK(calls[1].status == 429);
    CHECK(calls[2].status == 200);
    CHECK(calls[2].credits == 1.0);
    for (const auto& call : calls) {
        CHECK(call.provider == "testvendor");
        CHECK(call.endpoint == "/thing/{symbol}");
        CHECK(call.symbol == "AAPL");
        CHECK(call.endpoint.find("SECRET123") == std::string::npos);
    }
    CHECK(channel.credits_spent() == 1.0);
}

TEST_CASE("vendor channel: gives up after max attempts and returns the last answer", "[net]") {
    httplib::Server server;
    std::atomic<int> hits{0};
    server.Get("/down", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.status = 500;
        response.set_content("internal error", "text/plain");
    });
    server.Get("/bad", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.status = 422;
        response.set_content(R"({"errors":"filter required"})", "application/json");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    auto limits = fast_limits();
    limits.breaker_failures = 100;
    VendorChannel channel(limits, *client);
    FetchResult result = channel.fetch(get(loop.url("/down")));
    CHECK(result.response.status == 500);
    CHECK(result.attempts == 4);
    CHECK(hits == 4);
    CHECK(result.credits == 0);

    hits = 0;
    result = channel.fetch(get(loop.url("/bad")));
    CHECK(result.response.status == 422); // an answer: not retried
    CHECK(result.attempts == 1);
    CHECK(hits == 1);
}

TEST_CASE("vendor channel: a Retry-After beyond the limit is not waited for", "[net]") {
    httplib::Server server;
    std::atomic<int> hits{0};
    server.Get("/later", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.status = 429;
        response.set_header("Retry-After", "3600");
        response.set_content("slow down", "text/plain");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    VendorChannel channel(fast_limits(), *client);
    FetchResult result = channel.fetch(get(loop.url("/later")));
    CHECK(result.response.status == 429);
    CHECK(hits == 1);
}

TEST_CASE("vendor channel: the concurrency cap and the rate hold across worker threads", "[net]") {
    httplib::Server server;
    Recorder recorder;
    server.Get("/q", [&](const httplib::Request& request, httplib::Response& response) {
        recorder.enter(request);
        std::this_thread::sleep_for(30ms);
        recorder.leave();
        response.set_content("{}", "application/json");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();

    SECTION("at most max_in_flight requests at once") {
        auto limits = fast_limits();
        limits.max_in_flight = 3;
        VendorChannel channel(limits, *client);
        std::vector<std::thread> workers;
        for (int w = 0; w < 10; ++w) {
            workers.emplace_back([&] {
                for (int i = 0; i < 4; ++i) {
                    channel.fetch(get(loop.url("/q")));
                }
            });
        }
        for (auto& worker : workers) {
            worker.join();
        }
        CHECK(recorder.count() == 40);
        CHECK(recorder.max_in_flight == 3);
        CHECK(channel.calls_made() == 40);
    }
    SECTION("requests per second") {
        auto limits = fast_limits();
        limits.requests_per_second = 40;
        limits.burst = 2;
        VendorChannel channel(limits, *client);
        std::vector<std::thread> workers;
        for (int w = 0; w < 8; ++w) {
            workers.emplace_back([&] {
                for (int i = 0; i < 5; ++i) {
                    channel.fetch(get(loop.url("/q")));
                }
            });
        }
        for (auto& worker : workers) {
            worker.join();
        }
        REQUIRE(recorder.count() == 40);
        auto arrivals = recorder.arrivals;
        std::sort(arrivals.begin(), arrivals.end());
        // Any 500 ms window: at most burst + 40/s x 0.5 s = 22 arrivals. Windows are measured
        // 60 ms short because arrival times carry scheduling jitter on a loaded machine (a late
        // arrival followed by a punctual one looks closer together than they were sent).
        for (std::size_t i = 0; i < arrivals.size(); ++i) {
            std::size_t in_window = 0;
            for (std::size_t j = i; j < arrivals.size() && arrivals[j] < arrivals[i] + 440ms; ++j) {
                ++in_window;
            }
            CHECK(in_window <= 22);
        }
        // 40 requests at 40/s with a burst of 2 cannot finish in less than 38 intervals
        // (950 ms), less the same jitter allowance.
        CHECK(arrivals.back() - arrivals.front() >= 890ms);
    }
}

TEST_CASE("vendor channel: the circuit opens after consecutive failures and fails fast", "[net]") {
    httplib::Server server;
    std::atomic<int> hits{0};
    server.Get("/down", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.status = 503;
        response.set_content("maintenance", "text/plain");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    auto limits = fast_limits();
    limits.breaker_failures = 3;
    limits.breaker_cooldown = 60000ms;
    VendorChannel channel(limits, *client);
    CHECK_THROWS_AS(channel.fetch(get(loop.url("/down"))), VendorUnavailable);
    CHECK(hits == 3); // the 4th attempt was refused by the open circuit
    CHECK(channel.circuit_state() == CircuitBreaker::State::Open);
    CHECK_THROWS_WITH(channel.fetch(get(loop.url("/down"))),
                      Catch::Contains("circuit open after 3 consecutive failures"));
    CHECK(hits == 3);
}

TEST_CASE("vendor channel: 401 and 403 stop the vendor for the run, token never shown", "[net]") {
    httplib::Server server;
    std::atomic<int> hits{0};
    server.Get("/eod", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.status = 401;
        response.set_content("Unauthenticated", "text/html");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    VendorChannel channel(fast_limits("eodhd"), *client);
    try {
        channel.fetch(get(loop.url("/eod?api_token=SECRET123"), "/eod/{symbol}"));
        FAIL("expected VendorUnavailable");
    } catch (const VendorUnavailable& error) {
        std::string message = error.what();
        CHECK(message == "eodhd refused the credentials (HTTP 401) at /eod/{symbol}");
    }
    CHECK_THROWS_AS(channel.fetch(get(loop.url("/eod?api_token=SECRET123"))), VendorUnavailable);
    CHECK(hits == 1);
    CHECK(channel.unavailable_reason().find("HTTP 401") != std::string::npos);
}

TEST_CASE("vendor channel: a cached answer costs no call and no credit", "[net]") {
    httplib::Server server;
    std::atomic<int> hits{0};
    server.Get("/eod", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.set_content(R"([{"date":"2026-11-27"}])", "application/json");
    });
    server.Get("/none", [&](const httplib::Request&, httplib::Response& response) {
        ++hits;
        response.status = 404;
        response.set_content(R"({"s":"no_data"})", "application/json");
    });
    LoopbackServer loop(server);
    auto client = make_curl_client();
    MemoryCache cache;
    std::vector<ApiCall> calls;
    VendorChannel channel(fast_limits(), *client, &cache,
                          [&](const ApiCall& call) { calls.push_back(call); });
    Fetch fetch = get(loop.url("/eod?api_token=SECRET123"));
    fetch.cache_key = "testvendor /eod/AAPL";
    fetch.cache_until = std::chrono::system_clock::now() + 1h;
    CHECK(channel.fetch(fetch).credits == 1.0);
    FetchResult again = channel.fetch(fetch);
    CHECK(again.from_cache);
    CHECK(again.credits == 0);
    CHECK(again.response.body == R"([{"date":"2026-11-27"}])");
    CHECK(hits == 1);
    REQUIRE(calls.size() == 2);
    CHECK(calls[1].cache_hit);
    CHECK(calls[1].credits == 0);
    CHECK(channel.cache_hits() == 1);
    for (const auto& [key, entry] : cache.entries) {
        CHECK(key.find("SECRET123") == std::string::npos);
    }

    // A 404 no_data is an answer worth keeping when the caller says so; other errors are not.
    Fetch none = get(loop.url("/none"));
    none.cache_key = "testvendor /none";
    none.cache_until = std::chrono::system_clock::now() + 1h;
    channel.fetch(none);
    channel.fetch(none);
    CHECK(hits == 3);
    none.cacheable = [](const HttpResponse& response) { return response.status == 404; };
    channel.fetch(none);
    channel.fetch(none);
    CHECK(hits == 4);
}
