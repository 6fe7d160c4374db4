#pragma once
// The bundled synthetic sample market (data/sample/, docs/sample-market.md) served through the
// same parsers as the live vendors, as if its files were their responses:
//   manifest.json                               as_of, synthetic:true, optionable symbols
//   eodhd/eod-bulk-last-day/US.json             exchange_snapshot
//   eodhd/eod/<SYM>.US.json                     daily_history
//   eodhd/calendar/earnings.json                earnings_calendar
//   marketdata/options/expirations/<SYM>.json   expirations
//   marketdata/options/chain/<SYM>.json         option_chain (every listed expiration)
// Files are read on every call and nothing is cached, so the provider is safe to call from
// several threads at once.

#include "screener/providers/provider.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace screener::providers {

class SampleProvider : public Provider {
public:
    // Reads and checks manifest.json; DataError when it is missing or malformed.
    explicit SampleProvider(std::filesystem::path directory);

    std::string name() const override { return "sample"; }
    std::optional<Date> snapshot_date() const override { return m_as_of; }
    // The snapshot of the sample's as_of, whatever `as_of` asks: there is only one session.
    std::vector<StockSnapshot> exchange_snapshot(Date as_of) override;
    std::vector<Bar> daily_history(const std::string& symbol, Date from, Date to) override;
    std::vector<Date> expirations(const std::string& symbol) override;
    // The snapshot's closes: the sample is one session, so its last price is the close.
    std::vector<StockQuote> quotes(const std::vector<std::string>& symbols) override;
    // Contracts whose DTE, counted from request.as_of, lies in [dte_min, dte_max]; each
    // contract's dte is recomputed from request.as_of.
    OptionChain option_chain(const std::string& symbol, const ChainRequest& request) override;
    std::vector<EarningsEvent> earnings_calendar(Date from, Date to) override;

    // The optionable symbols the manifest lists (those with history and chains).
    const std::vector<std::string>& symbols() const { return m_symbols; }

private:
    struct Response {
        std::string body;
        std::string context; // "<symbol>: <vendor> <endpoint> (<file>)", for parse errors
    };
    // Reads one file as the response of `endpoint` and reports it as a call (status 404 when
    // the file is missing, which is also a DataError naming `what` is missing).
    Response read_response(const std::string& symbol, const char* vendor, const char* endpoint,
                           const std::filesystem::path& file, const char* what) const;

    std::filesystem::path m_dir;
    Date m_as_of{};
    std::vector<std::string> m_symbols;
};

// The whole file in one read; DataError naming the path when it cannot be read.
std::string read_whole_file(const std::filesystem::path& path);

} // namespace screener::providers
