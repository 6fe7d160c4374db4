// libcurl multi-interface client. Callers on any thread hand a request to the loop thread and
// wait; the loop thread owns every CURL handle (libcurl handles are not thread-safe), adds queued
// transfers to the multi handle, drives them, and completes each caller's promise. One multi
// handle means one connection cache: keep-alive connections to a vendor are reused across calls.

#include "screener/core/redact.hpp"
#include "screener/net/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <curl/curl.h>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace screener::net {

const char* to_string(TransportError error) {
    switch (error) {
    case TransportError::None:
        return "none";
    case TransportError::ConnectFailed:
        return "connect failed";
    case TransportError::Timeout:
        return "timeout";
    case TransportError::Reset:
        return "connection reset";
    case TransportError::Other:
        return "transport error";
    }
    return "transport error";
}

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

namespace {

std::once_flag g_curl_init;

struct Transfer {
    const HttpRequest* request = nullptr;
    std::promise<HttpResponse> done;
    HttpResponse response;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    char error_buffer[CURL_ERROR_SIZE] = {};
    std::chrono::steady_clock::time_point started;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    transfer->response.body.append(data, size * count);
    return size * count;
}

std::string trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        // A new response (after a 100 Continue, say): forget the previous one's headers.
        transfer->response.headers.clear();
        return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        return size * count;
    }
    std::string name = trim(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = trim(line.substr(colon + 1));
    auto& headers = transfer->response.headers;
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& header) { return header.first == name; });
    if (it != headers.end()) {
        it->second = std::move(value);
    } else {
        headers.emplace_back(std::move(name), std::move(value));
    }
    return size * count;
}

TransportError classify(CURLcode code) {
    switch (code) {
    case CURLE_OK:
        return TransportError::None;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return TransportError::ConnectFailed;
    case CURLE_OPERATION_TIMEDOUT:
        return TransportError::Timeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
        return TransportError::Reset;
    default:
        return TransportError::Other;
    }
}

class CurlHttpClient final : public HttpClient {
public:
    explicit CurlHttpClient(CurlClientOptions options) : m_options(std::move(options)) {
        std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        m_multi = curl_multi_init();
        if (m_multi == nullptr) {
            throw std::runtime_error("libcurl: curl_multi_init failed");
        }
        curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, m_options.max_total_connections);
        m_loop = std::thread([this] { run(); });
    }

    ~CurlHttpClient() override {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        curl_multi_wakeup(m_multi);
        m_loop.join();
        curl_multi_cleanup(m_multi);
    }

    HttpResponse send(const HttpRequest& request) override {
        Transfer transfer;
        transfer.request = &request;
        auto result = transfer.done.get_future();
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                HttpResponse response;
                response.transport = TransportError::Other;
                response.transport_message = "HTTP client is shutting down";
                return response;
            }
            m_queue.push_back(&transfer);
        }
        curl_multi_wakeup(m_multi);
        return result.get();
    }

private:
    void start(Transfer* transfer) {
        const HttpRequest& request = *transfer->request;
        CURL* easy = curl_easy_init();
        transfer->easy = easy;
        transfer->started = std::chrono::steady_clock::now();
        curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error_buffer);
        // gzip: every vendor's front end speaks it and compresses it cheaply. Offering br too
        // lets a server pick brotli at its highest quality, which costs it ~15 ms per 30 kB
        // answer (cpp-httplib does exactly that): slower than sending the bytes.
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(request.connect_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                         static_cast<long>(request.total_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_USERAGENT, m_options.user_agent.c_str());
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
        if (request.method != "GET") {
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
        if (!request.body.empty() || request.method == "POST") {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
        }
        for (const auto& [name, value] : request.headers) {
            std::string line = name + ": " + value;
            transfer->headers = curl_slist_append(transfer->headers, line.c_str());
        }
        if (transfer->headers != nullptr) {
            curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
        }
        curl_multi_add_handle(m_multi, easy);
    }

    void finish(Transfer* transfer, CURLcode code) {
        HttpResponse& response = transfer->response;
        response.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - transfer->started)
                .count();
        curl_off_t downloaded = 0;
        curl_easy_getinfo(transfer->easy, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
        response.wire_bytes = static_cast<long long>(downloaded);
        response.transport = classify(code);
        if (response.transport == TransportError::None) {
            long status = 0;
            curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
            response.status = static_cast<int>(status);
        } else {
            // A cut-short body is not a response the caller may trust: no status.
            response.status = 0;
            std::string text = transfer->error_buffer[0] != '\0' ? transfer->error_buffer
                                                                 : curl_easy_strerror(code);
            response.transport_message = redact_credentials(text);
        }
        curl_multi_remove_handle(m_multi, transfer->easy);
        curl_easy_cleanup(transfer->easy);
        curl_slist_free_all(transfer->headers);
        transfer->easy = nullptr;
        transfer->headers = nullptr;
        transfer->done.set_value(std::move(response));
    }

    void run() {
        std::size_t active = 0;
        for (;;) {
            std::deque<Transfer*> incoming;
            bool stopping = false;
            {
                std::lock_guard lock(m_mutex);
                incoming.swap(m_queue);
                stopping = m_stopping;
            }
            for (Transfer* transfer : incoming) {
                start(transfer);
                ++active;
            }
            if (stopping && active == 0) {
                return;
            }
            int running = 0;
            curl_multi_perform(m_multi, &running);
            int left = 0;
            while (CURLMsg* message = curl_multi_info_read(m_multi, &left)) {
                if (message->msg != CURLMSG_DONE) {
                    continue;
                }
                Transfer* transfer = nullptr;
                curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
                finish(transfer, message->data.result);
                --active;
            }
            curl_multi_poll(m_multi, nullptr, 0, 1000, nullptr);
        }
    }

    CurlClientOptions m_options;
    CURLM* m_multi = nullptr;
    std::mutex m_mutex;
    std::deque<Transfer*> m_queue;
    bool m_stopping = false;
    std::thread m_loop;
};

} // namespace

std::unique_ptr<HttpClient> make_curl_client(const CurlClientOptions& options) {
    return std::make_unique<CurlHttpClient>(options);
}

} // namespace screener::net
