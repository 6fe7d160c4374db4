// MarketData.app: candles, expirations and option chains filtered server-side (expiration window,
// side, out-of-the-money), since a live chain is billed one credit per option symbol returned.
// 203 (served from their cache) is success; 404 {"s":"no_data"} is an empty answer.

#include "marketdata_provider.hpp"

#include "screener/core/error.hpp"
#include "screener/providers/marketdata_format.hpp"

#include <charconv>
#include <fmt/format.h>

namespace screener::providers {

namespace {

void add_bearer(net::HttpRequest& request, const std::string& key) {
    request.headers.emplace_back("Authorization", "Bearer " + key);
}

// Credits of this answer: the vendor's own X-Api-Ratelimit-Consumed when sent, else `fallback`.
double consumed(const net::HttpResponse& response, double fallback) {
    const std::string value = response.header("x-api-ratelimit-consumed");
    double credits = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), credits);
    return !value.empty() && error == std::errc() ? credits : fallback;
}

} // namespace

MarketDataProvider::MarketDataProvider(const config::Config& config,
                                       const ProviderServices& services)
    : LiveProvider("marketdata", config, config.providers.marketdata, services, add_bearer,
                   new_york_0930_start) {}

std::vector<StockSnapshot> MarketDataProvider::exchange_snapshot(Date as_of) {
    // Every US symbol's bar of the session: 1 credit per symbol returned, so it is a backup
    // for EODHD's 100-call bulk, not a primary. No market cap or average volume comes with it.
    VendorRequest request;
    request.path = "/v1/stocks/bulkcandles/D/";
    request.query = {{"snapshot", "true"}, {"date", format_date(as_of)}};
    request.endpoint = "/v1/stocks/bulkcandles/{resolution}/";
    request.credits = [](const net::HttpResponse& r) { return consumed(r, 1); };
    request.cache_until_close = m_cache_history;
    request.answer_statuses = {404};
    const std::string body = m_vendor.get(request, 1);
    return parse_marketdata_bulkcandles(
        body, fmt::format("marketdata /v1/stocks/bulkcandles/D/ {}", format_date(as_of)));
}

std::vector<Bar> MarketDataProvider::daily_history(const std::string& symbol, Date from, Date to) {
    VendorRequest request;
    request.path = "/v1/stocks/candles/D/" + symbol + "/";
    request.query = {{"from", format_date(from)}, {"to", format_date(to)}};
    request.endpoint = "/v1/stocks/candles/D/{symbol}/";
    request.symbol = symbol;
    request.credits = [](const net::HttpResponse& r) { return consumed(r, 1); };
    request.cache_until_close = m_cache_history;
    request.answer_statuses = {404};
    const std::string body = m_vendor.get(request, 1);
    return parse_marketdata_candles(
        body, fmt::format("marketdata /v1/stocks/candles/D/{{symbol}}/ {}", symbol));
}

std::vector<Date> MarketDataProvider::expirations(const std::string& symbol) {
    VendorRequest request;
    request.path = "/v1/options/expirations/" + symbol + "/";
    request.endpoint = "/v1/options/expirations/{symbol}/";
    request.symbol = symbol;
    request.credits = [](const net::HttpResponse& r) { return consumed(r, 1); };
    request.cache_for = m_chain_ttl;
    request.answer_statuses = {404};
    const std::string body = m_vendor.get(request, 1);
    return parse_marketdata_expirations(
        body, fmt::format("marketdata /v1/options/expirations/{{symbol}}/ {}", symbol));
}

OptionChain MarketDataProvider::option_chain(const std::string& symbol,
                                             const ChainRequest& chain_request) {
    VendorRequest request;
    request.path = "/v1/options/chain/" + symbol + "/";
    // from/to: every expiration in the window (without them the vendor sends the next monthly
    // expiration only).
    if (chain_request.expiration) {
        request.query = {{"expiration", format_date(*chain_request.expiration)}};
    } else {
        request.query = {
            {"from", format_date(add_days(chain_request.as_of, chain_request.dte_min))},
            {"to", format_date(add_days(chain_request.as_of, chain_request.dte_max))}};
    }
    if (chain_request.strike_min && chain_request.strike_max) {
        request.query.emplace_back(
            "strike", fmt::format("{}-{}", *chain_request.strike_min, *chain_request.strike_max));
    }
    if (chain_request.side) {
        request.query.emplace_back("side",
                                   *chain_request.side == OptionType::Call ? "call" : "put");
    }
    if (chain_request.otm_only) {
        request.query.emplace_back("range", "otm");
    }
    // Billed per contract returned: filter on the vendor's side (absolute delta, both sides).
    if (chain_request.delta_floor && *chain_request.delta_floor > 0) {
        request.query.emplace_back("delta", fmt::format(">{:.3f}", *chain_request.delta_floor));
    }
    if (chain_request.min_open_interest >= 1) {
        request.query.emplace_back(
            "minOpenInterest",
            fmt::format("{}", static_cast<long long>(chain_request.min_open_interest)));
    }
    if (chain_request.min_volume >= 1) {
        request.query.emplace_back(
            "minVolume", fmt::format("{}", static_cast<long long>(chain_request.min_volume)));
    }
    request.endpoint = "/v1/options/chain/{symbol}/";
    request.symbol = symbol;
    const std::string context = fmt::format("marketdata /v1/options/chain/{{symbol}}/ {}", symbol);
    // Billed per option symbol returned; without the vendor's header, count the rows.
    request.credits = [context](const net::HttpResponse& r) {
        const std::string value = r.header("x-api-ratelimit-consumed");
        if (!value.empty()) {
            return consumed(r, 0);
        }
        try {
            return static_cast<double>(parse_marketdata_chain(r.body, context).contracts.size());
        } catch (const DataError&) {
            return 0.0; // the parser will say what is wrong
        }
    };
    request.cache_for = m_chain_ttl;
    request.answer_statuses = {404};
    double estimate = 0;
    {
        std::lock_guard lock(m_mutex);
        estimate = m_chain_credits_seen;
    }
    const std::string body = m_vendor.get(request, estimate);
    OptionChain chain = parse_marketdata_chain(body, context);
    {
        std::lock_guard lock(m_mutex);
        m_chain_credits_seen =
            std::max(m_chain_credits_seen, static_cast<double>(chain.contracts.size()));
    }
    if (chain.underlying.empty()) {
        chain.underlying = symbol;
    }
    return chain;
}

std::vector<StockQuote> MarketDataProvider::quotes(const std::vector<std::string>& symbols) {
    constexpr std::size_t k_batch = 100;
    std::vector<StockQuote> out;
    for (std::size_t first = 0; first < symbols.size(); first += k_batch) {
        const std::size_t last = std::min(symbols.size(), first + k_batch);
        std::string list;
        for (std::size_t i = first; i < last; ++i) {
            list += (list.empty() ? "" : ",") + symbols[i];
        }
        VendorRequest request;
        request.path = "/v1/stocks/quotes/";
        request.query = {{"symbols", list}};
        request.endpoint = "/v1/stocks/quotes/";
        const double count = static_cast<double>(last - first);
        request.credits = [count](const net::HttpResponse& r) { return consumed(r, count); };
        request.answer_statuses = {404};
        const std::string body = m_vendor.get(request, count);
        for (auto& q : parse_marketdata_quotes(body, "marketdata /v1/stocks/quotes/")) {
            out.push_back(std::move(q));
        }
    }
    return out;
}

std::vector<EarningsEvent> MarketDataProvider::earnings_calendar(Date, Date) {
    throw DataError("marketdata: no market-wide earnings calendar at this vendor; route "
                    "providers.routing.earnings to eodhd");
}

} // namespace screener::providers
