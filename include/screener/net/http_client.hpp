#pragma once
// The HTTP boundary: nothing outside net/ touches libcurl. An HttpClient sends one request and
// blocks its caller until the response (or a transport error) arrives; it is thread-safe, and the
// libcurl implementation multiplexes every caller's transfers over one multi handle, so N worker
// threads give N transfers in flight on shared, reused connections.
//
// Retries, rate limits, circuit breaking, caching and accounting live one level up, in
// VendorChannel (net/vendor_channel.hpp); an HttpClient does exactly one attempt.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace screener::net {

struct HttpRequest {
    std::string method = "GET";
    std::string url; // full URL including the query (may hold a token: never log it raw)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{30000};
};

// How an attempt failed before any HTTP status arrived.
enum class TransportError {
    None,
    ConnectFailed, // refused, unreachable, DNS
    Timeout,       // connect or total timeout
    Reset,         // connection reset or closed mid-response (incl. a body cut short)
    Other,
};

const char* to_string(TransportError error);

struct HttpResponse {
    int status = 0; // 0 when no HTTP response arrived (see transport)
    std::string body;
    // Header names lower-cased; later duplicates overwrite earlier ones.
    std::vector<std::pair<std::string, std::string>> headers;
    TransportError transport = TransportError::None;
    std::string transport_message; // libcurl's text, credentials redacted
    double seconds = 0;            // wall time of the attempt
    long long wire_bytes = 0;      // bytes received on the wire (compressed size when compressed)

    // The header's value, or empty when absent. `name` must be lower-case.
    std::string header(std::string_view name) const;
};

class HttpClient {
public:
    virtual ~HttpClient() = default;
    // One attempt; never throws for network or HTTP failures (they are in the response).
    virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct CurlClientOptions {
    long max_total_connections = 64; // across all hosts; vendors cap per-host concurrency above
    std::string user_agent = "screener/0.1";
};

// libcurl multi-interface client: one background thread drives all transfers; gzip/deflate
// responses are asked for and decoded; keep-alive connections are reused across requests.
std::unique_ptr<HttpClient> make_curl_client(const CurlClientOptions& options = {});

} // namespace screener::net
