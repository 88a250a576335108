#pragma once
#include <string>

namespace latchkey {

std::string new_uuid_v4();                  // RFC 9562 version 4, lower case
std::string new_hex_id(std::size_t bytes);  // 2*bytes lower-case hex characters

}  // namespace latchkey
