#pragma once
// One kind of data served by an ordered list of providers: the first that can be asked serves.
// When the serving vendor becomes unavailable (its circuit opened, it refused our key, its
// allowance is spent), the next one takes over for the rest of the run: the switch happens once,
// is reported through the callback, and the primary is not asked again (nothing is fetched
// twice). Data errors (a malformed body for one symbol) are not a reason to switch.

#include "screener/providers/provider.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace screener::providers {

struct Failover {
    std::string role; // "universe", "history", "chains", "earnings"
    std::string from, to;
    std::string reason;
};

class FailoverProvider final : public Provider {
public:
    using FailoverCallback = std::function<void(const Failover&)>;
    // `chain` is non-owning and non-empty; `role` names the kind of data in reports.
    FailoverProvider(std::string role, std::vector<Provider*> chain, FailoverCallback on_failover);

    std::string name() const override;
    std::optional<Date> snapshot_date() const override;
    std::vector<StockSnapshot> exchange_snapshot(Date as_of) override;
    std::vector<Bar> daily_history(const std::string& symbol, Date from, Date to) override;
    std::vector<Date> expirations(const std::string& symbol) override;
    std::vector<StockQuote> quotes(const std::vector<std::string>& symbols) override;
    std::optional<DividendInfo> dividends(const std::string& symbol) override;
    OptionChain option_chain(const std::string& symbol, const ChainRequest& request) override;
    std::vector<EarningsEvent> earnings_calendar(Date from, Date to) override;
    std::optional<double> credits_left() const override;

    // The provider serving now.
    Provider& active() const;

private:
    template <class Call>
    auto serve(Call&& call);

    std::string m_role;
    std::vector<Provider*> m_chain;
    FailoverCallback m_on_failover;
    mutable std::mutex m_mutex;
    std::size_t m_active = 0;
};

} // namespace screener::providers
