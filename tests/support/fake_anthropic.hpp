#pragma once
// A fake Anthropic Messages API on 127.0.0.1 (vendors notes section 3; the recorded bodies are
// in tests/fixtures/anthropic/). POST /v1/messages checks x-api-key (401 with the documented
// body otherwise), anthropic-version and the request's JSON shape (400), then answers with the
// next scripted reply, or the default reply when the script is used up. Every request is
// recorded with its body and headers, the key replaced by whether it matched.
//
// Replies are functions of the request, so a "grounded" answer can quote the picks' facts from
// the prompt: the fake needs no knowledge of the market.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace screener::testing {

struct AnthropicRequest {
    std::string body;                  // the JSON as received
    std::string anthropic_version;     // header
    bool key_matched = false;          // x-api-key was the expected key (the key is not kept)
    std::vector<std::string> messages; // content of each message, in order
    std::string system;
};

struct AnthropicReply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // request-id is always added
};

using ReplyScript = std::function<AnthropicReply(const AnthropicRequest&)>;

// --- reply builders -------------------------------------------------------------------------
// A documented 200 message whose text blocks are `texts` (thinking blocks first when asked).
std::string message_body(const std::vector<std::string>& texts, bool with_thinking = false,
                         long long input_tokens = 1200, long long output_tokens = 400,
                         long long cache_write_tokens = 0, long long cache_read_tokens = 0);
// {"type":"error","error":{"type":..,"message":..},"request_id":..}
std::string error_body(const std::string& type, const std::string& message);

// The analysis JSON the screener asks for, built from the prompt's facts (every number and
// ticker copied from them); `extra` is appended to the first pick's thesis (e.g. an invented
// figure).
std::string grounded_answer(const AnthropicRequest& request, const std::string& extra = "");

ReplyScript reply_grounded(bool with_thinking = false);
ReplyScript reply_inventing_number(); // "... PoP of 97.3%" in the first thesis
ReplyScript reply_inventing_ticker(); // "... unlike TSLA ..." in the first thesis
// The weekly write-up JSON ({"summary", "observations"}) built by copying the prompt's facts
// ("- label: text" lines); `extra` is appended to the summary (e.g. an invented figure).
std::string weekly_answer(const AnthropicRequest& request, const std::string& extra = "");
ReplyScript reply_weekly(std::string extra = "");
ReplyScript reply_text(std::string text);
ReplyScript reply_status(int status, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers = {});

class FakeAnthropic {
public:
    explicit FakeAnthropic(std::string api_key = "sk-ant-test-0123456789abcdef");
    ~FakeAnthropic();
    FakeAnthropic(const FakeAnthropic&) = delete;
    FakeAnthropic& operator=(const FakeAnthropic&) = delete;

    void start(int port = 0);
    void stop();
    int port() const;
    std::string base_url() const; // "http://127.0.0.1:PORT"

    // Replies for the next requests, in order; then the default (grounded) reply.
    void script(std::vector<ReplyScript> replies);
    void set_default(ReplyScript reply);

    std::vector<AnthropicRequest> requests() const;
    std::size_t request_count() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace screener::testing
