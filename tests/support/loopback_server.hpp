#pragma once
// Test servers on 127.0.0.1: an httplib::Server on its own thread and port, and a raw TCP server
// that answers with scripted bytes (for faults httplib will not produce: a body cut short, a
// reset connection, silence). Header-only; tests link PkgConfig::HTTPLIB.

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <functional>
#include <httplib.h>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace screener::testing {

// Starts `server` on 127.0.0.1 at `port` (0 = a free port); stops and joins on destruction.
class LoopbackServer {
public:
    explicit LoopbackServer(httplib::Server& server, int threads = 64, int port = 0)
        : m_server(server) {
        m_server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        // As vendors' front ends (nginx tcp_nodelay on) do: without it, a response written in
        // two parts waits for the client's delayed ACK, 40 ms per request on a kept-alive
        // connection.
        m_server.set_tcp_nodelay(true);
        if (port == 0) {
            m_port = m_server.bind_to_any_port("127.0.0.1");
        } else if (m_server.bind_to_port("127.0.0.1", port)) {
            m_port = port;
        }
        if (m_port <= 0) {
            throw std::runtime_error("cannot bind a loopback port");
        }
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        while (!m_server.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    ~LoopbackServer() {
        m_server.stop();
        m_thread.join();
    }
    int port() const { return m_port; }
    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }

private:
    httplib::Server& m_server;
    int m_port = 0;
    std::thread m_thread;
};

// Accepts connections one at a time; for each, reads the request head, then writes `reply`
// (possibly an incomplete response) and closes. With `reply` empty it closes at once (a reset).
class RawServer {
public:
    explicit RawServer(std::string reply) : m_reply(std::move(reply)) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(m_fd, 16) != 0) {
            throw std::runtime_error("raw server: cannot bind");
        }
        socklen_t length = sizeof address;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~RawServer() {
        m_stop = true;
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        m_thread.join();
    }
    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }
    int connections() const { return m_connections.load(); }

private:
    void serve() {
        while (!m_stop) {
            int client = ::accept(m_fd, nullptr, nullptr);
            if (client < 0) {
                return;
            }
            ++m_connections;
            std::string head;
            char buffer[4096];
            while (head.find("\r\n\r\n") == std::string::npos) {
                ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
                if (got <= 0) {
                    break;
                }
                head.append(buffer, static_cast<std::size_t>(got));
            }
            if (!m_reply.empty()) {
                (void)::send(client, m_reply.data(), m_reply.size(), MSG_NOSIGNAL);
            } else {
                linger hard{1, 0}; // RST instead of FIN
                ::setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
            }
            ::close(client);
        }
    }

    std::string m_reply;
    int m_fd = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    std::thread m_thread;
};

} // namespace screener::testing
