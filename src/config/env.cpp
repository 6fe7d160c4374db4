// ${VAR} / ${VAR:-default} expansion of config values. Error messages name variables but never
// contain their values: a value may be an API key.

#include "screener/config/config.hpp"
#include "screener/core/error.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace screener::config {
namespace {

bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}

// Recursive descent over the text; a default may itself hold references and "$$".
class Expander {
public:
    Expander(std::string_view text, const EnvLookup& env) : m_text(text), m_env(env) {}

    std::string run() { return parse(false, true); }

private:
    // Parses to the end of the text or, inside a default, to its closing '}' (left unconsumed).
    // With `evaluate` false (the default of a set variable) only the syntax is checked, so an
    // unused default never fails on an unset variable, as in the shell.
    std::string parse(bool in_default, bool evaluate) {
        std::string out;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (in_default && c == '}') {
                return out;
            }
            if (c != '$' || m_pos + 1 >= m_text.size()) {
                out.push_back(c);
                ++m_pos;
                continue;
            }
            const char next = m_text[m_pos + 1];
            if (next == '$') {
                out.push_back('$');
                m_pos += 2;
            } else if (next == '{') {
                out += reference(evaluate);
            } else {
                // A lone '$' (e.g. "$5") is literal; only "${" starts a reference.
                out.push_back('$');
                ++m_pos;
            }
        }
        if (in_default) {
            throw ConfigError("unterminated '${' in value (missing '}')");
        }
        return out;
    }

    // At "${": reads NAME, then '}' or ":-default}".
    std::string reference(bool evaluate) {
        m_pos += 2;
        const std::size_t name_start = m_pos;
        if (m_pos < m_text.size() && is_name_start(m_text[m_pos])) {
            while (m_pos < m_text.size() && is_name_char(m_text[m_pos])) {
                ++m_pos;
            }
        }
        const std::string name(m_text.substr(name_start, m_pos - name_start));
        if (name.empty()) {
            throw ConfigError("bad variable reference: expected a name ([A-Za-z_][A-Za-z0-9_]*) "
                              "after '${'");
        }
        if (m_pos >= m_text.size()) {
            throw ConfigError(fmt::format("unterminated '${{{}' in value (missing '}}')", name));
        }
        if (m_text[m_pos] == '}') {
            ++m_pos;
            if (!evaluate) {
                return {};
            }
            if (auto value = m_env(name)) {
                return *value;
            }
            throw ConfigError(fmt::format("environment variable '{}' is not set (write "
                                          "${{{}:-default}} to make it optional)",
                                          name, name));
        }
        if (m_text.substr(m_pos, 2) == ":-") {
            m_pos += 2;
            std::optional<std::string> value;
            if (evaluate) {
                value = m_env(name);
            }
            const bool use_default = evaluate && (!value || value->empty());
            std::string fallback = parse(true, use_default);
            ++m_pos; // the closing '}'
            return use_default ? fallback : value.value_or(std::string());
        }
        throw ConfigError(fmt::format("bad variable reference '${{{}': expected '}}' or ':-' "
                                      "after the name",
                                      name));
    }

    std::string_view m_text;
    const EnvLookup& m_env;
    std::size_t m_pos = 0;
};

} // namespace

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* value = std::getenv(name.c_str())) {
            return std::string(value);
        }
        return std::nullopt;
    };
}

std::string expand_env(std::string_view text, const EnvLookup& env) {
    return Expander(text, env).run();
}

} // namespace screener::config
