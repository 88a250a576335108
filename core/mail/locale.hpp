#pragma once
// The languages mail is written in, and which one a request asks for.
#include <array>
#include <string_view>

namespace latchkey {

// The locales the built-in templates speak; the first is the fallback.
inline constexpr std::array<std::string_view, 2> kMailLocales = {"en", "es"};

// The supported locale `value` names ("es", "es-MX", "ES"), or nullptr-like empty when none.
std::string_view supported_locale(std::string_view value);

// The best of kMailLocales for an Accept-Language header (RFC 9110 12.5.4: tags with q-values;
// the highest q wins, the earlier on a tie), else "en". One pass over at most the header's first
// 512 bytes and 32 entries: a client cannot make it cost more.
std::string_view negotiate_locale(std::string_view accept_language);

}  // namespace latchkey
