#include "core/base/email.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(EmailValidation, AcceptsAndRefusesAsTabled) {
    struct {
        const char* email;
        bool valid;
    } cases[] = {
        {"john@example.com", true},
        {"a.b+tag@sub.example.co.uk", true},
        {"user@example.museum", true},
        {"user@example.photography", true},
        {"josé@exämple.es", true},
        {"user@xn--bcher-kva.example", true},
        {"", false},
        {"plain", false},
        {"@example.com", false},
        {"user@", false},
        {"user@localhost", false},
        {"user@example.c", false},
        {"user@example.123", false},
        {".user@example.com", false},
        {"user.@example.com", false},
        {"us..er@example.com", false},
        {"user@-example.com", false},
        {"user@example-.com", false},
        {"user@exa_mple.com", false},
        {"us er@example.com", false},
        {"user@example.com\r\nBcc: x@y.com", false},
        {"user'; DROP TABLE accounts;--@example.com", false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(is_valid_email(c.email), c.valid) << c.email;
    }
}

TEST(EmailValidation, RefusesMoreThan254Octets) {
    const std::string local(64, 'a');
    std::string domain;
    while (domain.size() < 200) domain += std::string(40, 'b') + ".";
    domain += "com";
    EXPECT_FALSE(is_valid_email(local + "@" + domain));
}

TEST(EmailKey, LowerCasesAsciiOnly) {
    EXPECT_EQ(email_key("John.DOE@Example.COM"), "john.doe@example.com");
    EXPECT_EQ(email_key("JOSÉ@x.es"), "josÉ@x.es");
}

}  // namespace
}  // namespace latchkey
