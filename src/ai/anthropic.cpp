#include "screener/ai/anthropic.hpp"

#include "screener/core/error.hpp"
#include "screener/core/redact.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <thread>

namespace screener::ai {
namespace {

constexpr const char* k_endpoint = "/v1/messages";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trimmed(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) {
        return {};
    }
    return std::string(text.substr(begin, text.find_last_not_of(" \t") - begin + 1));
}

std::optional<double> parse_decimal(std::string_view text) {
    const std::string value = trimmed(text);
    double number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || error != std::errc() || end != value.data() + value.size() ||
        !std::isfinite(number) || number < 0) {
        return std::nullopt;
    }
    return number;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
    if (!object.IsObject()) {
        return {};
    }
    const auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
}

std::int64_t count_member(const rapidjson::Value& object, const char* name) {
    if (!object.IsObject()) {
        return 0;
    }
    const auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsNumber()
               ? static_cast<std::int64_t>(it->value.GetDouble())
               : 0;
}

// The server's text in one line, credentials masked, cut short.
std::string shown(std::string_view text) {
    std::string out = redact_credentials(text.substr(0, 300));
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return out;
}

} // namespace

MessageReply parse_message(std::string_view body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        throw DataError(fmt::format("anthropic {}: the answer is not JSON ({} bytes)", k_endpoint,
                                    body.size()));
    }
    const auto content = doc.FindMember("content");
    if (string_member(doc, "type") != "message" || content == doc.MemberEnd() ||
        !content->value.IsArray()) {
        throw DataError(fmt::format("anthropic {}: the answer is not a message (type '{}')",
                                    k_endpoint, shown(string_member(doc, "type"))));
    }
    MessageReply reply;
    reply.id = string_member(doc, "id");
    reply.model = string_member(doc, "model");
    reply.stop_reason = string_member(doc, "stop_reason");
    for (const auto& block : content->value.GetArray()) {
        if (string_member(block, "type") == "text") {
            reply.text += string_member(block, "text");
        } else {
            ++reply.skipped_blocks; // thinking / redacted_thinking / tool use: not the answer
        }
    }
    const auto usage = doc.FindMember("usage");
    if (usage != doc.MemberEnd() && usage->value.IsObject()) {
        const auto& u = usage->value;
        reply.usage.input_tokens = count_member(u, "input_tokens");
        reply.usage.output_tokens = count_member(u, "output_tokens");
        reply.usage.cache_write_tokens = count_member(u, "cache_creation_input_tokens");
        reply.usage.cache_read_tokens = count_member(u, "cache_read_input_tokens");
        const auto creation = u.FindMember("cache_creation");
        if (creation != u.MemberEnd()) {
            reply.usage.cache_write_1h_tokens =
                count_member(creation->value, "ephemeral_1h_input_tokens");
        }
    }
    return reply;
}

ApiErrorBody parse_error_body(std::string_view body) {
    ApiErrorBody out;
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        out.message = shown(body);
        return out;
    }
    out.request_id = string_member(doc, "request_id");
    const auto error = doc.FindMember("error");
    if (error != doc.MemberEnd() && error->value.IsObject()) {
        out.type = string_member(error->value, "type");
        out.message = shown(string_member(error->value, "message"));
    }
    return out;
}

bool should_retry(const net::HttpResponse& response) {
    const std::string hint = lower(trimmed(response.header("x-should-retry")));
    if (hint == "true") {
        return true;
    }
    if (hint == "false") {
        return false;
    }
    if (response.transport != net::TransportError::None) {
        return true;
    }
    const int s = response.status;
    return s == 408 || s == 409 || s == 429 || s >= 500;
}

std::optional<std::chrono::milliseconds> server_retry_delay(const net::HttpResponse& response,
                                                            net::WallTime now) {
    if (auto ms = parse_decimal(response.header("retry-after-ms"))) {
        return std::chrono::milliseconds(static_cast<long long>(std::ceil(std::min(*ms, 1e9))));
    }
    const std::string value = response.header("retry-after");
    if (value.empty()) {
        return std::nullopt;
    }
    if (auto seconds = parse_decimal(value)) {
        return std::chrono::milliseconds(
            static_cast<long long>(std::ceil(std::min(*seconds, 1e6) * 1000.0)));
    }
    return net::parse_retry_after(value, now); // an HTTP date
}

bool is_refusal(int status, const ApiErrorBody& error) {
    if (status == 401 || status == 403) {
        return true;
    }
    return status == 400 && lower(error.message).find("credit balance") != std::string::npos;
}

AnthropicClient::AnthropicClient(ClientSettings settings, ModelPrice price, net::HttpClient& http,
                                 CallObserver observer)
    : m_settings(std::move(settings)), m_price(price), m_http(http),
      m_observer(std::move(observer)), m_rng(std::random_device{}()) {}

std::string AnthropicClient::request_body(const MessageRequest& request) const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    const auto string = [&](const std::string& text) {
        w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    };
    w.StartObject();
    w.Key("model");
    string(m_settings.model);
    w.Key("max_tokens");
    w.Int(m_settings.max_tokens);
    if (m_settings.temperature) {
        w.Key("temperature");
        w.Double(*m_settings.temperature);
    }
    if (!request.system.empty()) {
        w.Key("system");
        string(request.system);
    }
    w.Key("messages");
    w.StartArray();
    for (const auto& message : request.messages) {
        w.StartObject();
        w.Key("role");
        string(message.role);
        w.Key("content");
        string(message.content);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

CallResult AnthropicClient::create(const MessageRequest& request) {
    net::HttpRequest http;
    http.method = "POST";
    http.url = m_settings.base_url + k_endpoint;
    http.headers = {{"x-api-key", m_settings.api_key},
                    {"anthropic-version", m_settings.anthropic_version},
                    {"content-type", "application/json"}};
    http.body = request_body(request);
    http.connect_timeout = m_settings.connect_timeout;
    http.total_timeout = m_settings.total_timeout;

    CallResult result;
    const int max_attempts = std::max(1, m_settings.retry.max_attempts);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        net::HttpResponse response = m_http.send(http);
        result.attempts = attempt;
        result.http_status = response.status;

        ApiCall call;
        call.provider = "anthropic";
        call.endpoint = k_endpoint;
        call.status = response.status;
        call.duration_ms = response.seconds * 1000.0;
        call.bytes = response.wire_bytes;
        std::optional<MessageReply> reply;
        std::string error;
        const std::string request_id = response.header("request-id");
        if (response.transport != net::TransportError::None) {
            error =
                fmt::format("anthropic {}: {} ({})", k_endpoint, net::to_string(response.transport),
                            shown(response.transport_message));
        } else if (response.status == 200) {
            try {
                reply = parse_message(response.body);
                reply->request_id = request_id;
                call.cost_usd = call_cost(m_price, reply->usage);
            } catch (const DataError& e) {
                error = e.what();
            }
        } else {
            const ApiErrorBody body = parse_error_body(response.body);
            error =
                fmt::format("anthropic {}: HTTP {}{}{}{}", k_endpoint, response.status,
                            body.type.empty() ? "" : " " + body.type,
                            body.message.empty() ? "" : ": " + body.message,
                            request_id.empty() && body.request_id.empty()
                                ? ""
                                : fmt::format(" (request {})",
                                              request_id.empty() ? body.request_id : request_id));
            if (is_refusal(response.status, body)) {
                result.status = CallStatus::Refused;
            }
        }
        if (m_observer) {
            m_observer(call);
        }
        if (reply) {
            result.status = CallStatus::Ok;
            result.reply = std::move(reply);
            result.cost_usd = call.cost_usd;
            result.error.clear();
            return result;
        }
        result.error = error;
        if (result.status == CallStatus::Refused) {
            return result;
        }
        // A 200 that does not parse is not retried: the same request would get the same answer.
        const bool retry =
            response.status != 200 && should_retry(response) && attempt < max_attempts;
        if (!retry) {
            break;
        }
        std::chrono::milliseconds delay = net::backoff_delay(m_settings.retry, attempt, m_rng);
        if (auto wait = server_retry_delay(response, std::chrono::system_clock::now())) {
            if (*wait > m_settings.retry.max_retry_after) {
                result.error +=
                    fmt::format(" (asked to wait {} s, longer than allowed)", wait->count() / 1000);
                break;
            }
            delay = *wait;
        }
        std::this_thread::sleep_for(delay);
    }
    result.status = CallStatus::Failed;
    return result;
}

} // namespace screener::ai
