// EODHD (eodhd.com): the exchange-wide snapshot in one bulk call, per-symbol end-of-day history,
// the earnings calendar, and option chains from the marketplace API (10 calls per page, from a
// separate 100,000-call pool). Formats and quirks: docs/vendors.md and eodhd_format.hpp.

#include "eodhd_provider.hpp"

#include "screener/core/error.hpp"
#include "screener/providers/eodhd_format.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace screener::providers {

namespace {

constexpr double k_bulk_credits = 100;
constexpr double k_marketplace_credits = 10;
constexpr int k_page_limit = 1000; // the marketplace maximum
constexpr int k_max_pages = 11;    // page[offset] stops at 10,000

void add_token(net::HttpRequest& request, const std::string& key) {
    // EODHD authenticates by query parameter only; fmt=json because /eod and the calendar
    // answer CSV by default.
    request.url += (request.url.find('?') == std::string::npos ? "?" : "&");
    request.url += "api_token=" + url_encode(key) + "&fmt=json";
}

std::string ticker(const std::string& symbol, const std::string& exchange) {
    return symbol + "." + exchange;
}

} // namespace

namespace {

// The marketplace pool: EODHD's connection settings with its own daily budget.
config::VendorConfig marketplace_config(const config::Config& config) {
    config::VendorConfig out = config.providers.eodhd;
    out.daily_credit_budget = config.providers.eodhd_marketplace_budget;
    return out;
}

} // namespace

EodhdProvider::EodhdProvider(const config::Config& config, const ProviderServices& services)
    : LiveProvider("eodhd", config, config.providers.eodhd, services, add_token, utc_day_start),
      m_exchange(config.providers.eodhd_exchange),
      m_marketplace("eodhd_marketplace", marketplace_config(config), services, add_token,
                    utc_day_start, [this](const ApiCall& call) { report_call(call); }) {}

std::vector<StockSnapshot> EodhdProvider::exchange_snapshot(Date as_of) {
    VendorRequest request;
    request.path = "/eod-bulk-last-day/" + m_exchange;
    request.query = {{"filter", "extended"}, {"date", format_date(as_of)}};
    request.endpoint = "/eod-bulk-last-day/{exchange}";
    request.fixed_credits = k_bulk_credits;
    request.cache_until_close = true;
    const std::string body = m_vendor.get(request, k_bulk_credits);
    return parse_eodhd_bulk(
        body, fmt::format("eodhd /eod-bulk-last-day/{} {}", m_exchange, format_date(as_of)));
}

std::vector<Bar> EodhdProvider::daily_history(const std::string& symbol, Date from, Date to) {
    VendorRequest request;
    request.path = "/eod/" + ticker(symbol, m_exchange);
    request.query = {{"from", format_date(from)}, {"to", format_date(to)}, {"period", "d"}};
    request.endpoint = "/eod/{symbol}";
    request.symbol = symbol;
    request.cache_until_close = m_cache_history;
    const std::string body = m_vendor.get(request, 1);
    return parse_eodhd_eod(body, fmt::format("eodhd /eod/{{symbol}} {}", symbol));
}

std::vector<OptionContract> EodhdProvider::contracts(const std::string& symbol, Date from, Date to,
                                                     const ChainRequest* narrow,
                                                     const std::string& fields) {
    QueryParams query = {{"filter[underlying_symbol]", symbol},
                         {"filter[exp_date_from]", format_date(from)},
                         {"filter[exp_date_to]", format_date(to)}};
    if (narrow && narrow->side) {
        query.emplace_back("filter[type]", *narrow->side == OptionType::Call ? "call" : "put");
    }
    if (narrow && narrow->strike_min && narrow->strike_max) {
        query.emplace_back("filter[strike_from]", fmt::format("{}", *narrow->strike_min));
        query.emplace_back("filter[strike_to]", fmt::format("{}", *narrow->strike_max));
    }
    query.emplace_back("sort", "exp_date");
    query.emplace_back("page[limit]", std::to_string(k_page_limit));
    if (!fields.empty()) {
        query.emplace_back("fields[options-contracts]", fields);
    }
    std::vector<OptionContract> out;
    std::string next;
    for (int page = 0; page < k_max_pages; ++page) {
        VendorRequest request;
        request.path = "/mp/unicornbay/options/contracts";
        request.query = query;
        request.absolute_url = next;
        request.endpoint = "/mp/unicornbay/options/contracts";
        request.symbol = symbol;
        request.fixed_credits = k_marketplace_credits;
        request.cache_for = m_chain_ttl;
        const std::string body = m_marketplace.get(request, k_marketplace_credits);
        auto parsed = parse_eodhd_options(
            body,
            fmt::format("eodhd /mp/unicornbay/options/contracts {} page {}", symbol, page + 1));
        for (auto& contract : parsed.contracts) {
            if (contract.underlying != symbol) {
                throw DataError(fmt::format("eodhd /mp/unicornbay/options/contracts {}: row for "
                                            "another underlying '{}'",
                                            symbol, contract.underlying));
            }
            out.push_back(std::move(contract));
        }
        if (!parsed.next || parsed.contracts.empty()) {
            return out;
        }
        next = *parsed.next;
        // links.next carries the filters but not the credentials; add_token appends them.
    }
    throw DataError(fmt::format("eodhd /mp/unicornbay/options/contracts {}: more than {} pages "
                                "of {} contracts; narrow the DTE window",
                                symbol, k_max_pages, k_page_limit));
}

std::vector<Date> EodhdProvider::expirations(const std::string& symbol) {
    const Date today = new_york_today();
    std::set<Date> dates;
    for (const auto& contract : contracts(symbol, today, add_days(today, 730), nullptr,
                                          "contract,underlying_symbol,exp_date,type,strike")) {
        dates.insert(contract.expiration);
    }
    return {dates.begin(), dates.end()};
}

OptionChain EodhdProvider::option_chain(const std::string& symbol, const ChainRequest& request) {
    OptionChain chain;
    chain.underlying = symbol;
    const Date from =
        request.expiration ? *request.expiration : add_days(request.as_of, request.dte_min);
    const Date to =
        request.expiration ? *request.expiration : add_days(request.as_of, request.dte_max);
    chain.contracts = contracts(symbol, from, to, &request, "");
    for (auto& contract : chain.contracts) {
        contract.dte = days_between(request.as_of, contract.expiration);
    }
    return chain;
}

std::vector<StockQuote> EodhdProvider::quotes(const std::vector<std::string>& symbols) {
    constexpr std::size_t k_batch = 20; // keeps the URL short; the bill is per ticker anyway
    std::vector<StockQuote> out;
    for (std::size_t first = 0; first < symbols.size(); first += k_batch) {
        const std::size_t last = std::min(symbols.size(), first + k_batch);
        VendorRequest request;
        request.path = "/real-time/" + ticker(symbols[first], m_exchange);
        std::string others;
        for (std::size_t i = first + 1; i < last; ++i) {
            others += (others.empty() ? "" : ",") + ticker(symbols[i], m_exchange);
        }
        if (!others.empty()) {
            request.query = {{"s", others}};
        }
        request.endpoint = "/real-time/{symbol}";
        const double tickers = static_cast<double>(last - first);
        request.fixed_credits = tickers;
        const std::string body = m_vendor.get(request, tickers);
        for (auto& q : parse_eodhd_real_time(body, "eodhd /real-time/{symbol} " + symbols[first])) {
            if (!q.close) {
                continue; // the all-"NA" answer for a ticker the vendor does not know
            }
            StockQuote quote;
            quote.symbol = q.code.substr(0, q.code.find('.'));
            quote.last = *q.close;
            quote.volume = q.volume;
            quote.updated = q.timestamp;
            out.push_back(std::move(quote));
        }
    }
    return out;
}

std::optional<DividendInfo> EodhdProvider::dividends(const std::string& symbol) {
    constexpr double k_fundamentals_credits = 10;
    VendorRequest request;
    request.path = "/fundamentals/" + ticker(symbol, m_exchange);
    request.query = {{"filter", "Highlights,SplitsDividends"}};
    request.endpoint = "/fundamentals/{symbol}";
    request.symbol = symbol;
    request.fixed_credits = k_fundamentals_credits;
    request.cache_until_close = true;
    const std::string body = m_vendor.get(request, k_fundamentals_credits);
    return parse_eodhd_dividends(body, "eodhd /fundamentals/{symbol} " + symbol);
}

std::vector<EarningsEvent> EodhdProvider::earnings_calendar(Date from, Date to) {
    VendorRequest request;
    request.path = "/calendar/earnings";
    request.query = {{"from", format_date(from)}, {"to", format_date(to)}};
    request.endpoint = "/calendar/earnings";
    request.cache_until_close = true;
    const std::string body = m_vendor.get(request, 1);
    return parse_eodhd_earnings(
        body, fmt::format("eodhd /calendar/earnings {}..{}", format_date(from), format_date(to)));
}

double EodhdProvider::credits_spent() const {
    return m_vendor.credits_spent() + m_marketplace.credits_spent();
}

std::optional<double> EodhdProvider::credits_left() const {
    const auto main = m_vendor.credits_left();
    const auto marketplace = m_marketplace.credits_left();
    if (main && marketplace) {
        return std::min(*main, *marketplace);
    }
    return main ? main : marketplace;
}

std::string EodhdProvider::unavailable_reason() const {
    const std::string main = m_vendor.unavailable_reason();
    return main.empty() ? m_marketplace.unavailable_reason() : main;
}

Date EodhdProvider::new_york_today() const {
    const auto now = m_vendor.now();
    return new_york_date(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

} // namespace screener::providers
