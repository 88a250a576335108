#pragma once
// The client network a request came from, as the unit that per-client limits count: an IPv4
// address is its own network (/32), an IPv6 address counts by its /64 (what one subscriber is
// usually given, so rotating the low 64 bits buys nothing).
#include <string>
#include <string_view>

namespace latchkey {

// "203.0.113.7" -> "203.0.113.7"; "2001:db8:1:2:a:b:c:d" -> "2001:db8:1:2::/64"; an IPv4-mapped
// IPv6 address counts as its IPv4 address. Anything unparsable is one network, "unknown".
std::string client_network(std::string_view address);

}  // namespace latchkey
