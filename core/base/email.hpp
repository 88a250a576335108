#pragma once
#include <string>
#include <string_view>

namespace latchkey {

// A deliverable address: local@domain, at most 254 octets (RFC 5321 4.5.3.1), dot-atom local
// part up to 64 octets, a domain of at least two labels with any TLD. UTF-8 (RFC 6531) is allowed
// in both parts; the caller has already checked the text is valid UTF-8.
bool is_valid_email(std::string_view email);

// The key emails are unique on: ASCII lower case (non-ASCII bytes kept as given).
std::string email_key(std::string_view email);

}  // namespace latchkey
