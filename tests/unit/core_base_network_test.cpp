#include "core/base/network.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(ClientNetwork, IsTheIpv4AddressOrTheIpv6Slash64) {
    EXPECT_EQ(client_network("203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(client_network("2001:db8:1:2:a:b:c:d"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_network("2001:DB8:1:2::ffff"), "2001:db8:1:2::/64");  // one spelling
    EXPECT_EQ(client_network("2001:db8:1:3::1"), "2001:db8:1:3::/64");
    EXPECT_EQ(client_network("::ffff:198.51.100.9"), "198.51.100.9");
    EXPECT_EQ(client_network("::1"), "::/64");
}

TEST(ClientNetwork, AnythingElseIsOneUnknownNetwork) {
    for (const char* bad : {"", "example.com", "1.2.3", "1.2.3.4.5", "fe80::1%eth0", "::g"}) {
        EXPECT_EQ(client_network(bad), "unknown") << bad;
    }
    EXPECT_EQ(client_network(std::string(100, '1')), "unknown");
}

}  // namespace
}  // namespace latchkey
