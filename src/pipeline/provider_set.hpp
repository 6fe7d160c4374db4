#pragma once
// The providers a pass uses, built once from the routing config: one object per named provider
// (even when it serves several roles), behind one failover chain per kind of data, with the
// store's http_cache as the vendors' response cache. Shared by scan and weekly.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"
#include "screener/net/vendor_channel.hpp"
#include "screener/ops/log.hpp"
#include "screener/providers/failover_provider.hpp"
#include "screener/providers/provider.hpp"
#include "screener/store/store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace screener::pipeline {

// The store's http_cache as the vendors' response cache. The store is opened after the
// providers are built (a dry run has none), so it is attached later.
class StoreResponseCache final : public net::ResponseCache {
public:
    void attach(store::Store* db) { m_db = db; }
    store::Store* store() const { return m_db; }
    std::optional<std::string> get(const std::string& key, net::WallTime now) override {
        return m_db ? m_db->cached_response(key, now) : std::nullopt;
    }
    void put(const std::string& key, const std::string& body, net::WallTime fetched,
             net::WallTime expires) override {
        if (m_db) {
            m_db->cache_response(key, body, fetched, expires);
        }
    }

private:
    store::Store* m_db = nullptr;
};

// The providers named by the routing config, each built once even when it serves several roles,
// behind one failover chain per kind of data.
struct ProviderSet {
    std::unique_ptr<net::HttpClient> http; // only when a live vendor is routed
    StoreResponseCache cache;
    std::map<std::string, std::unique_ptr<providers::Provider>> owned;
    std::unique_ptr<providers::FailoverProvider> universe, history, chains, earnings, quotes;
    std::unique_ptr<providers::FailoverProvider> dividends; // none unless routed
    // Failovers that happened, for the report (the callback may run on any worker).
    std::mutex mutex;
    std::vector<providers::Failover> failovers;
};

// Live vendors are every provider but the bundled sample market.
inline bool is_live(const std::string& name) {
    return name != "sample";
}

std::unique_ptr<ProviderSet> build_providers(const config::Config& config);

// Logs every call of the set's providers as `api_call` (info for live vendors, debug for the
// sample's file reads) and records it in api_calls under `run_id` when `db` is set; `on_cost`
// gets each call's cost. Calls may come from any worker thread.
void observe_calls(ProviderSet& set, ops::Logger& logger, store::Store* db, std::int64_t run_id,
                   bool synthetic, std::function<void(double)> on_cost);

// "eodhd, marketdata", or "sample market (synthetic)".
std::string describe_sources(const ProviderSet& set, bool synthetic);

} // namespace screener::pipeline
