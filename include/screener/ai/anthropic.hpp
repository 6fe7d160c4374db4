#pragma once
// Claude Messages API client (POST {base_url}/v1/messages; vendors notes section 3): one call
// with the retries Anthropic documents (408, 409, 429, 5xx, 529; retry-after-ms, retry-after,
// x-should-retry), every attempt reported as an ApiCall with its cost. The key travels only in
// the x-api-key header and never appears in a result, an error text or an ApiCall.

#include "screener/ai/cost.hpp"
#include "screener/core/types.hpp"
#include "screener/net/http_client.hpp"
#include "screener/net/resilience.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace screener::ai {

struct ClientSettings {
    std::string base_url = "https://api.anthropic.com";
    std::string api_key;
    std::string anthropic_version = "2023-06-01";
    std::string model;
    int max_tokens = 2048;
    std::optional<double> temperature; // sent only when set
    net::RetryPolicy retry{3, std::chrono::milliseconds(500), std::chrono::milliseconds(8000),
                           std::chrono::milliseconds(60000)};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{120000};
};

struct ChatMessage {
    std::string role; // "user" | "assistant"
    std::string content;
};

struct MessageRequest {
    std::string system;
    std::vector<ChatMessage> messages;
};

// A 200 answer: the text blocks concatenated (thinking and redacted_thinking blocks skipped).
struct MessageReply {
    std::string id;
    std::string model;
    std::string text;
    std::string stop_reason; // end_turn, max_tokens, refusal, ...
    Usage usage;
    int skipped_blocks = 0; // thinking, redacted_thinking and other non-text blocks
    std::string request_id; // the request-id header
};

// An error body: {"type":"error","error":{"type","message"},"request_id"}; the 413 body has no
// top-level type and older ones no request_id, so every part may be empty.
struct ApiErrorBody {
    std::string type;
    std::string message;
    std::string request_id;
};

// How a call ended.
enum class CallStatus {
    Ok,
    Refused, // 401, 403 or "credit balance too low": AI is off for the rest of the run
    Failed,  // anything else (retries outlasted, other 4xx, malformed body, transport)
};

struct CallResult {
    CallStatus status = CallStatus::Failed;
    std::optional<MessageReply> reply; // set when status is Ok
    std::string error;                 // one line, for logs and run_errors; never holds the key
    int http_status = 0;               // the last attempt's
    int attempts = 0;
    double cost_usd = 0; // of the successful attempt (failed attempts bill nothing)
};

// Parses a 200 body; DataError when it is not a Messages API message.
MessageReply parse_message(std::string_view body);
// Parses an error body as far as it goes (never throws).
ApiErrorBody parse_error_body(std::string_view body);
// Whether to try again: x-should-retry (true/false) decides when present, else connection
// errors, timeouts, 408, 409, 429 and every status >= 500 (529 overloaded included).
bool should_retry(const net::HttpResponse& response);
// The server's wait: retry-after-ms (milliseconds, may be fractional), else retry-after
// (seconds, may be fractional, or an HTTP date); nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> server_retry_delay(const net::HttpResponse& response,
                                                            net::WallTime now);
// True for the answers that mean no call can succeed today: 401, 403, and a 400 whose message
// says the credit balance is too low.
bool is_refusal(int status, const ApiErrorBody& error);

class AnthropicClient {
public:
    using CallObserver = std::function<void(const ApiCall&)>;
    AnthropicClient(ClientSettings settings, ModelPrice price, net::HttpClient& http,
                    CallObserver observer = {});

    // One Messages API call with retries; never throws for HTTP or transport failures.
    CallResult create(const MessageRequest& request);

    const ClientSettings& settings() const { return m_settings; }
    // The request body as sent (for tests and the input estimate).
    std::string request_body(const MessageRequest& request) const;

private:
    ClientSettings m_settings;
    ModelPrice m_price;
    net::HttpClient& m_http;
    CallObserver m_observer;
    std::mt19937_64 m_rng;
};

} // namespace screener::ai
