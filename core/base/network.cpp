#include "core/base/network.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace latchkey {

std::string client_network(std::string_view address) {
    if (address.empty() || address.size() >= INET6_ADDRSTRLEN) return "unknown";
    const std::string text(address);
    unsigned char raw[16];
    if (inet_pton(AF_INET, text.c_str(), raw) == 1) {
        char out[INET_ADDRSTRLEN];
        return inet_ntop(AF_INET, raw, out, sizeof out) ? std::string(out) : "unknown";
    }
    if (inet_pton(AF_INET6, text.c_str(), raw) != 1) return "unknown";
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(raw, kMapped, sizeof kMapped) == 0) {
        char out[INET_ADDRSTRLEN];
        return inet_ntop(AF_INET, raw + 12, out, sizeof out) ? std::string(out) : "unknown";
    }
    std::memset(raw + 8, 0, 8);
    char out[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, raw, out, sizeof out)) return "unknown";
    return std::string(out) + "/64";
}

}  // namespace latchkey
