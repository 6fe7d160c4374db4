#include "support/fake_anthropic.hpp"

#include <atomic>
#include <deque>
#include <fmt/format.h>
#include <httplib.h>
#include <map>
#include <mutex>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace screener::testing {
namespace {

std::string json_string(const std::string& text) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    return buffer.GetString();
}

// The picks of the user prompt: "Pick rank N: SYM" headers, then "- label: text" lines.
struct PromptPick {
    int rank = 0;
    std::string symbol;
    std::map<std::string, std::string> facts;
};

std::vector<PromptPick> prompt_picks(const std::string& prompt) {
    std::vector<PromptPick> picks;
    std::istringstream lines(prompt);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("Pick rank ", 0) == 0) {
            PromptPick pick;
            const auto colon = line.find(':');
            pick.rank = std::stoi(line.substr(10, colon - 10));
            pick.symbol = line.substr(colon + 2);
            picks.push_back(pick);
        } else if (line.rfind("- ", 0) == 0 && !picks.empty()) {
            const auto colon = line.find(": ");
            if (colon != std::string::npos) {
                picks.back().facts[line.substr(2, colon - 2)] = line.substr(colon + 2);
            }
        }
    }
    return picks;
}

std::string fact(const PromptPick& pick, const std::string& label) {
    const auto it = pick.facts.find(label);
    return it == pick.facts.end() ? std::string("-") : it->second;
}

} // namespace

std::string message_body(const std::vector<std::string>& texts, bool with_thinking,
                         long long input_tokens, long long output_tokens,
                         long long cache_write_tokens, long long cache_read_tokens) {
    std::string content;
    if (with_thinking) {
        content +=
            R"({"type":"thinking","thinking":"Let me weigh the figures.","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},)";
        content +=
            R"({"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},)";
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
        content += fmt::format(R"({}{{"type":"text","text":{}}})", i == 0 ? "" : ",",
                               json_string(texts[i]));
    }
    return fmt::format(
        R"({{"id":"msg_01QgNtCXZKCJgpWHW3NEwmdP","type":"message","role":"assistant","model":"claude-sonnet-5-5","content":[{}],"stop_reason":"end_turn","stop_sequence":null,"usage":{{"input_tokens":{},"cache_creation_input_tokens":{},"cache_read_input_tokens":{},"cache_creation":{{"ephemeral_5m_input_tokens":{},"ephemeral_1h_input_tokens":0}},"output_tokens":{},"service_tier":"standard"}}}})",
        content, input_tokens, cache_write_tokens, cache_read_tokens, cache_write_tokens,
        output_tokens);
}

std::string error_body(const std::string& type, const std::string& message) {
    return fmt::format(
        R"({{"type":"error","error":{{"type":{},"message":{}}},"request_id":"req_011CbrFTcXhtiMzr3s6EocF7"}})",
        json_string(type), json_string(message));
}

std::string grounded_answer(const AnthropicRequest& request, const std::string& extra) {
    const std::string prompt = request.messages.empty() ? std::string() : request.messages.front();
    std::string items;
    bool first = true;
    for (const auto& pick : prompt_picks(prompt)) {
        const bool credit = pick.facts.count("net credit") != 0;
        std::string thesis =
            fmt::format("The {} on {} {} {}; PoP is {} with breakevens at {}.",
                        fact(pick, "strategy"), pick.symbol, credit ? "collects" : "costs",
                        fact(pick, credit ? "net credit" : "net debit"),
                        fact(pick, "probability of profit (PoP)"), fact(pick, "breakevens"));
        if (first) {
            thesis += extra;
        }
        const std::string risks = fmt::format(
            "[{}, {}]", json_string("Max loss is " + fact(pick, "max loss") + "."),
            json_string("Next earnings date: " + fact(pick, "next earnings date") + "."));
        items += fmt::format(
            R"({}{{"rank":{},"symbol":{},"verdict":"favourable","thesis":{},"risks":{},"confidence":"medium"}})",
            first ? "" : ",", pick.rank, json_string(pick.symbol), json_string(thesis), risks);
        first = false;
    }
    return "```json\n{\"analyses\":[" + items + "]}\n```";
}

ReplyScript reply_grounded(bool with_thinking) {
    return [with_thinking](const AnthropicRequest& request) {
        return AnthropicReply{200, message_body({grounded_answer(request)}, with_thinking), {}};
    };
}

ReplyScript reply_inventing_number() {
    return [](const AnthropicRequest& request) {
        return AnthropicReply{
            200, message_body({grounded_answer(request, " Backtests put its PoP at 97.3%.")}), {}};
    };
}

ReplyScript reply_inventing_ticker() {
    return [](const AnthropicRequest& request) {
        return AnthropicReply{
            200, message_body({grounded_answer(request, " It trades much like TSLA does.")}), {}};
    };
}

std::string weekly_answer(const AnthropicRequest& request, const std::string& extra) {
    const std::string prompt = request.messages.empty() ? std::string() : request.messages.front();
    std::vector<std::string> facts;
    std::istringstream lines(prompt);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("- ", 0) == 0 && line.find(": ") != std::string::npos) {
            facts.push_back(line.substr(2));
        }
    }
    const std::string summary = (facts.empty() ? std::string("No figures.")
                                               : "The week in figures: " + facts.front() + ".") +
                                extra;
    std::string observations;
    for (std::size_t i = 1; i < facts.size(); ++i) {
        observations += (i == 1 ? "" : ",") + json_string(facts[i]);
    }
    return "```json\n{\"summary\":" + json_string(summary) + ",\"observations\":[" + observations +
           "]}\n```";
}

ReplyScript reply_weekly(std::string extra) {
    return [extra = std::move(extra)](const AnthropicRequest& request) {
        return AnthropicReply{200, message_body({weekly_answer(request, extra)}), {}};
    };
}

ReplyScript reply_text(std::string text) {
    return [text = std::move(text)](const AnthropicRequest&) {
        return AnthropicReply{200, message_body({text}), {}};
    };
}

ReplyScript reply_status(int status, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers) {
    return [=](const AnthropicRequest&) { return AnthropicReply{status, body, headers}; };
}

struct FakeAnthropic::Impl {
    std::string key;
    httplib::Server server;
    std::thread thread;
    int port = 0;
    mutable std::mutex mutex;
    std::deque<ReplyScript> script;
    ReplyScript fallback = reply_grounded();
    std::vector<AnthropicRequest> requests;
    std::atomic<int> counter{0};

    void handle(const httplib::Request& req, httplib::Response& res) {
        AnthropicRequest record;
        record.body = req.body;
        record.anthropic_version = req.get_header_value("anthropic-version");
        record.key_matched = req.get_header_value("x-api-key") == key;
        rapidjson::Document doc;
        const bool shaped = !doc.Parse(req.body.c_str()).HasParseError() && doc.IsObject() &&
                            doc.HasMember("model") && doc["model"].IsString() &&
                            doc.HasMember("max_tokens") && doc["max_tokens"].IsInt() &&
                            doc.HasMember("messages") && doc["messages"].IsArray();
        if (shaped) {
            for (const auto& message : doc["messages"].GetArray()) {
                if (message.IsObject() && message.HasMember("content") &&
                    message["content"].IsString()) {
                    record.messages.emplace_back(message["content"].GetString());
                }
            }
            if (doc.HasMember("system") && doc["system"].IsString()) {
                record.system = doc["system"].GetString();
            }
        }
        ReplyScript reply;
        {
            std::lock_guard lock(mutex);
            requests.push_back(record);
            if (!script.empty()) {
                reply = std::move(script.front());
                script.pop_front();
            } else {
                reply = fallback;
            }
        }
        res.set_header("request-id", fmt::format("req_fake_{:04d}", ++counter));
        if (!record.key_matched) {
            res.status = 401;
            res.set_content(error_body("authentication_error", "invalid x-api-key"),
                            "application/json");
            return;
        }
        if (record.anthropic_version.empty() || !shaped) {
            res.status = 400;
            res.set_content(
                error_body("invalid_request_error", record.anthropic_version.empty()
                                                        ? "anthropic-version: header is required"
                                                        : "messages: field required"),
                "application/json");
            return;
        }
        const AnthropicReply answer = reply(record);
        res.status = answer.status;
        for (const auto& [name, value] : answer.headers) {
            res.set_header(name, value);
        }
        res.set_content(answer.body, "application/json");
    }
};

FakeAnthropic::FakeAnthropic(std::string api_key) : m_impl(std::make_unique<Impl>()) {
    m_impl->key = std::move(api_key);
    m_impl->server.Post("/v1/messages",
                        [impl = m_impl.get()](const httplib::Request& req, httplib::Response& res) {
                            impl->handle(req, res);
                        });
}

FakeAnthropic::~FakeAnthropic() {
    stop();
}

void FakeAnthropic::start(int port) {
    auto& server = m_impl->server;
    server.new_task_queue = [] { return new httplib::ThreadPool(8); };
    server.set_tcp_nodelay(true);
    m_impl->port = port == 0 ? server.bind_to_any_port("127.0.0.1")
                             : (server.bind_to_port("127.0.0.1", port) ? port : -1);
    if (m_impl->port <= 0) {
        throw std::runtime_error("fake anthropic: cannot bind a loopback port");
    }
    m_impl->thread = std::thread([&server] { server.listen_after_bind(); });
    while (!server.is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void FakeAnthropic::stop() {
    if (m_impl->thread.joinable()) {
        m_impl->server.stop();
        m_impl->thread.join();
    }
}

int FakeAnthropic::port() const {
    return m_impl->port;
}

std::string FakeAnthropic::base_url() const {
    return fmt::format("http://127.0.0.1:{}", m_impl->port);
}

void FakeAnthropic::script(std::vector<ReplyScript> replies) {
    std::lock_guard lock(m_impl->mutex);
    for (auto& reply : replies) {
        m_impl->script.push_back(std::move(reply));
    }
}

void FakeAnthropic::set_default(ReplyScript reply) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->fallback = std::move(reply);
}

std::vector<AnthropicRequest> FakeAnthropic::requests() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->requests;
}

std::size_t FakeAnthropic::request_count() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->requests.size();
}

} // namespace screener::testing
