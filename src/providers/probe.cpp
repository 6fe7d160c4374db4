#include "screener/providers/probe.hpp"

#include "live_vendor.hpp"

#include <algorithm>

namespace screener::providers {

std::vector<LiveVendorCheck> live_vendor_checks(const config::Config& config,
                                                std::chrono::system_clock::time_point now,
                                                std::chrono::milliseconds timeout) {
    const auto& p = config.providers;
    const auto routed = [&](const std::string& name) {
        for (const auto* route :
             {&p.universe, &p.history, &p.chains, &p.earnings, &p.quotes, &p.dividends}) {
            if (std::find(route->begin(), route->end(), name) != route->end()) {
                return true;
            }
        }
        return false;
    };
    const auto timed = [&](net::HttpRequest request, const config::VendorConfig& vendor) {
        request.connect_timeout = std::min(
            timeout, std::chrono::milliseconds(static_cast<long>(vendor.connect_timeout_s * 1000)));
        request.total_timeout = timeout;
        return request;
    };
    std::vector<LiveVendorCheck> out;
    if (routed("eodhd")) {
        LiveVendorCheck check;
        check.vendor = "eodhd";
        check.has_key = !p.eodhd.api_key.empty();
        net::HttpRequest request;
        // Same credential placement as the provider (eodhd_provider.cpp add_token).
        request.url = p.eodhd.base_url + "/internal-user?api_token=" + url_encode(p.eodhd.api_key) +
                      "&fmt=json";
        check.probe = timed(std::move(request), p.eodhd);
        const auto day = utc_day_start(now);
        check.pools = {{"eodhd", p.eodhd.daily_credit_budget, day},
                       {"eodhd_marketplace", p.eodhd_marketplace_budget, day}};
        out.push_back(std::move(check));
    }
    if (routed("marketdata")) {
        LiveVendorCheck check;
        check.vendor = "marketdata";
        check.has_key = !p.marketdata.api_key.empty();
        net::HttpRequest request;
        // AAPL's quote is free of credits (the vendor's free test symbol) and needs the token.
        request.url = p.marketdata.base_url + "/v1/stocks/quotes/AAPL/";
        request.headers.emplace_back("Authorization", "Bearer " + p.marketdata.api_key);
        check.probe = timed(std::move(request), p.marketdata);
        check.pools = {{"marketdata", p.marketdata.daily_credit_budget, new_york_0930_start(now)}};
        out.push_back(std::move(check));
    }
    return out;
}

} // namespace screener::providers
