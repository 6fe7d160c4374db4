// The one place that maps a provider name to its implementation. A live vendor client is one new
// file implementing Provider plus one line here.

#include "eodhd_provider.hpp"
#include "marketdata_provider.hpp"
#include "screener/config/config.hpp"
#include "screener/core/error.hpp"
#include "screener/providers/provider.hpp"
#include "screener/providers/sample_provider.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace screener::providers {

std::unique_ptr<Provider> make_provider(const std::string& name, const config::Config& config,
                                        const ProviderServices& services) {
    if (name == "sample") {
        const auto& dir = config.providers.sample_path;
        if (dir.empty()) {
            throw ConfigError("providers.sample_path is not set; the 'sample' provider needs the "
                              "sample market directory (data/sample)");
        }
        // A wrong path is a configuration mistake (exit 3), not bad market data.
        if (!std::filesystem::is_regular_file(dir / "manifest.json")) {
            throw ConfigError(fmt::format("providers.sample_path: '{}' is not a sample market "
                                          "directory (no manifest.json)",
                                          dir.string()));
        }
        return std::make_unique<SampleProvider>(dir);
    }
    if (name == "eodhd") {
        return std::make_unique<EodhdProvider>(config, services);
    }
    if (name == "marketdata") {
        return std::make_unique<MarketDataProvider>(config, services);
    }
    throw ConfigError(
        fmt::format("unknown provider '{}'; known providers: sample, eodhd, marketdata", name));
}

} // namespace screener::providers
