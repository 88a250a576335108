#pragma once
#include <string>
#include <string_view>

namespace latchkey {

std::string new_uuid_v4();                  // RFC 9562 version 4, lower case
std::string new_hex_id(std::size_t bytes);  // 2*bytes lower-case hex characters
// The shapes of account ids: a UUID (8-4-4-4-12 hex) or 24 hex characters.
bool is_public_id(std::string_view id);

}  // namespace latchkey
