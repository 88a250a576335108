#pragma once
// Shared by the unit tests: libsodium initialised once, and a temporary directory per test.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <string>

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

}  // namespace latchkey::testing
