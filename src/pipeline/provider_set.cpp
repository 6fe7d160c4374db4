#include "provider_set.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace screener::pipeline {

std::unique_ptr<ProviderSet> build_providers(const config::Config& config) {
    auto set = std::make_unique<ProviderSet>();
    const auto& routes = config.providers;
    bool live = false;
    for (const auto* route : {&routes.universe, &routes.history, &routes.chains, &routes.earnings,
                              &routes.quotes, &routes.dividends}) {
        live = live || std::any_of(route->begin(), route->end(), is_live);
    }
    providers::ProviderServices services;
    if (live) {
        set->http = net::make_curl_client();
        services.http = set->http.get();
        services.cache = &set->cache;
        services.spent_since = [cache = &set->cache](const std::string& vendor,
                                                     std::chrono::system_clock::time_point since) {
            return cache->store() ? cache->store()->credits_spent(vendor, since) : 0.0;
        };
    }
    auto chain_of = [&](const std::string& role, const std::vector<std::string>& names) {
        std::vector<providers::Provider*> chain;
        for (const auto& name : names) {
            auto& slot = set->owned[name];
            if (!slot) {
                slot = providers::make_provider(name, config, services);
            }
            chain.push_back(slot.get());
        }
        return std::make_unique<providers::FailoverProvider>(
            role, std::move(chain), [raw = set.get()](const providers::Failover& failover) {
                std::lock_guard lock(raw->mutex);
                raw->failovers.push_back(failover);
            });
    };
    set->universe = chain_of("universe", routes.universe);
    set->history = chain_of("history", routes.history);
    set->chains = chain_of("chains", routes.chains);
    set->earnings = chain_of("earnings", routes.earnings);
    set->quotes = chain_of("quotes", routes.quotes);
    if (!routes.dividends.empty()) {
        set->dividends = chain_of("dividends", routes.dividends);
    }
    return set;
}

void observe_calls(ProviderSet& set, ops::Logger& logger, store::Store* db, std::int64_t run_id,
                   bool synthetic, std::function<void(double)> on_cost) {
    for (auto& [name, provider] : set.owned) {
        provider->set_call_observer([&logger, db, run_id, synthetic, on_cost](const ApiCall& call) {
            // A live vendor's calls are worth an info line (credits are money).
            logger.log(synthetic ? ops::LogLevel::Debug : ops::LogLevel::Info, "api_call",
                       {{"provider", call.provider},
                        {"endpoint", call.endpoint},
                        {"symbol", call.symbol},
                        {"status", call.status},
                        {"duration_ms", call.duration_ms},
                        {"bytes", call.bytes},
                        {"credits", call.credits},
                        {"cache_hit", call.cache_hit}});
            if (db) {
                db->record_api_call(run_id, call);
            }
            if (on_cost) {
                on_cost(call.cost_usd);
            }
        });
    }
}

std::string describe_sources(const ProviderSet& set, bool synthetic) {
    std::vector<std::string> names;
    for (const auto& [name, provider] : set.owned) {
        names.push_back(name == "sample" ? "sample market" : name);
    }
    std::string text = fmt::format("{}", fmt::join(names, ", "));
    return synthetic ? text + " (synthetic)" : text;
}

} // namespace screener::pipeline
