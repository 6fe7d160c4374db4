#include "screener/providers/failover_provider.hpp"

#include "screener/core/error.hpp"
#include "screener/net/vendor_channel.hpp"

#include <fmt/format.h>

namespace screener::providers {

FailoverProvider::FailoverProvider(std::string role, std::vector<Provider*> chain,
                                   FailoverCallback on_failover)
    : m_role(std::move(role)), m_chain(std::move(chain)), m_on_failover(std::move(on_failover)) {
    if (m_chain.empty()) {
        throw ConfigError(fmt::format("providers.routing.{}: no provider", m_role));
    }
}

Provider& FailoverProvider::active() const {
    std::lock_guard lock(m_mutex);
    return *m_chain[m_active];
}

std::string FailoverProvider::name() const {
    return active().name();
}

std::optional<Date> FailoverProvider::snapshot_date() const {
    return active().snapshot_date();
}

std::optional<double> FailoverProvider::credits_left() const {
    return active().credits_left();
}

template <class Call>
auto FailoverProvider::serve(Call&& call) {
    for (;;) {
        std::size_t index = 0;
        {
            std::lock_guard lock(m_mutex);
            index = m_active;
        }
        try {
            return call(*m_chain[index]);
        } catch (const net::VendorUnavailable& unavailable) {
            std::lock_guard lock(m_mutex);
            if (m_active != index) {
                continue; // another worker already switched: ask the new one
            }
            if (m_active + 1 >= m_chain.size()) {
                throw; // no backup left: the caller records it
            }
            ++m_active;
            if (m_on_failover) {
                m_on_failover({m_role, m_chain[index]->name(), m_chain[m_active]->name(),
                               unavailable.what()});
            }
        }
    }
}

std::vector<StockSnapshot> FailoverProvider::exchange_snapshot(Date as_of) {
    return serve([&](Provider& p) { return p.exchange_snapshot(as_of); });
}

std::vector<Bar> FailoverProvider::daily_history(const std::string& symbol, Date from, Date to) {
    return serve([&](Provider& p) { return p.daily_history(symbol, from, to); });
}

std::vector<Date> FailoverProvider::expirations(const std::string& symbol) {
    return serve([&](Provider& p) { return p.expirations(symbol); });
}

std::optional<DividendInfo> FailoverProvider::dividends(const std::string& symbol) {
    return serve([&](Provider& p) { return p.dividends(symbol); });
}

std::vector<StockQuote> FailoverProvider::quotes(const std::vector<std::string>& symbols) {
    return serve([&](Provider& p) { return p.quotes(symbols); });
}

OptionChain FailoverProvider::option_chain(const std::string& symbol, const ChainRequest& request) {
    return serve([&](Provider& p) { return p.option_chain(symbol, request); });
}

std::vector<EarningsEvent> FailoverProvider::earnings_calendar(Date from, Date to) {
    return serve([&](Provider& p) { return p.earnings_calendar(from, to); });
}

} // namespace screener::providers
