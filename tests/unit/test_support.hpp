#pragma once
// Shared by the unit tests: libsodium initialised once, and a temporary directory per test.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <initializer_list>
#include <string>

#include "core/store/store.hpp"

namespace latchkey::testing {

class SodiumEnvironment : public ::testing::Environment {
  public:
    void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

// A fresh directory, removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        char pattern[] = "/tmp/latchkey-unit-XXXXXX";
        path_ = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// Customer accounts with these ids on site "shop" (emails a<id>@example.com), for tests of what
// hangs off an account.
inline void add_accounts(Store& store, std::initializer_list<int> ids) {
    for (int id : ids) {
        const std::string n = std::to_string(id);
        ASSERT_TRUE(store
                        .exec(("INSERT INTO accounts(id, public_id, site, kind, email, email_key, "
                               "created_at, updated_at) VALUES (" +
                               n + ", 'p" + n + "', 'shop', 'customer', 'a" + n +
                               "@example.com', 'a" + n + "@example.com', 0, 0)")
                                  .c_str())
                        .ok());
    }
}

}  // namespace latchkey::testing
