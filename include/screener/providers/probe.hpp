#pragma once
// What `screener health` needs to know about the live vendors the config routes data to: a
// cheap authenticated request per vendor (EODHD GET /internal-user, 1 API call; MarketData.app
// GET /v1/stocks/quotes/AAPL/, which needs the token and is free of credits: AAPL is its test
// symbol) and each vendor's daily credit pools.

#include "screener/config/config.hpp"
#include "screener/net/http_client.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace screener::providers {

struct CreditPool {
    std::string name;               // api_calls provider name, e.g. "eodhd_marketplace"
    double daily_credit_budget = 0; // 0: none
    std::chrono::system_clock::time_point day_start; // of the credit day holding `now`
};

struct LiveVendorCheck {
    std::string vendor;
    bool has_key = false;
    net::HttpRequest probe; // carries the key: never log it
    std::vector<CreditPool> pools;
};

// The live vendors named in any providers.routing list, in a fixed order (eodhd, marketdata).
std::vector<LiveVendorCheck> live_vendor_checks(const config::Config& config,
                                                std::chrono::system_clock::time_point now,
                                                std::chrono::milliseconds timeout);

} // namespace screener::providers
