#include "core/base/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.hpp"

namespace latchkey {
namespace {

TEST(Config, DefaultsAreTheEmbeddedOnes) {
    auto c = load_config("", nullptr);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->database, "var/latchkey.db");
    EXPECT_EQ(c->master_key_file, "var/master.key");
    EXPECT_EQ(c->mail_dir, "var/mail");
    EXPECT_EQ(c->socket_mode, 0660);
    EXPECT_EQ(c->argon2_memlimit_kib, 19456);
    EXPECT_EQ(c->argon2_opslimit, 2);
    EXPECT_EQ(c->verify_link_path, "/verify-email");
    EXPECT_EQ(c->reset_link_path, "/reset-password");
}

TEST(Config, PublicUrlIsOneBaseOrOnePerSite) {
    Config c;
    EXPECT_FALSE(public_url_for(c, "verified"));  // never guessed from a request
    c.public_url = "https://app.example.com/";
    EXPECT_EQ(public_url_for(c, "verified"), "https://app.example.com");
    c.public_url = "verified = https://v.example.com, gateway=https://g.example.com/app";
    EXPECT_EQ(public_url_for(c, "verified"), "https://v.example.com");
    EXPECT_EQ(public_url_for(c, "gateway"), "https://g.example.com/app");
    EXPECT_FALSE(public_url_for(c, "fastapi"));
    c.public_url = "verified=https://v.example.com,https://default.example.com";
    EXPECT_EQ(public_url_for(c, "fastapi"), "https://default.example.com");
    EXPECT_TRUE(check_config(c).ok());
    for (const char* bad : {"v.example.com", "verified=javascript:alert(1)",
                            "https://a.example.com/?next=x", "verified=ftp://x"}) {
        c.public_url = bad;
        EXPECT_FALSE(check_config(c).ok()) << bad;
    }
}

TEST(Config, FileThenEnvironment) {
    testing::TempDir dir;
    std::ofstream(dir.file("c.conf"))
        << "# a comment\n\n  threads = 3 \ndata_dir=/srv/lk\nsocket_mode = 0600\n"
           "issuer = from-file\n";
    char threads[] = "LATCHKEY_THREADS=5";
    char contract[] = "LATCHKEY_CONTRACT=fastapi";  // a FastCGI param name, not a setting
    char unrelated[] = "PATH=/bin";
    char* env[] = {threads, contract, unrelated, nullptr};
    auto c = load_config(dir.file("c.conf"), env);
    ASSERT_TRUE(c.ok()) << c.error().detail;
    EXPECT_EQ(c->threads, 5);
    EXPECT_EQ(c->issuer, "from-file");
    EXPECT_EQ(c->socket_mode, 0600);
    EXPECT_EQ(c->database, "/srv/lk/latchkey.db");
}

TEST(Config, TheFormerBusyKeyIsStillAcceptedInTheFileAndTheEnvironment) {
    testing::TempDir dir;
    std::ofstream(dir.file("c.conf")) << "sqlite_busy_ms = 1200\n";  // the former name
    auto from_file = load_config(dir.file("c.conf"), nullptr);
    ASSERT_TRUE(from_file.ok()) << from_file.error().detail;
    EXPECT_EQ(from_file->database_busy_ms, 1200);
    char old_name[] = "LATCHKEY_SQLITE_BUSY_MS=700";
    char* env[] = {old_name, nullptr};
    auto from_env = load_config("", env);
    ASSERT_TRUE(from_env.ok()) << from_env.error().detail;
    EXPECT_EQ(from_env->database_busy_ms, 700);
    char bad[] = "LATCHKEY_SQLITE_BUSY_MS=-1";
    char* bad_env[] = {bad, nullptr};
    EXPECT_FALSE(load_config("", bad_env).ok());
}

TEST(Config, RefusesWhatItDoesNotUnderstand) {
    testing::TempDir dir;
    struct {
        const char* file;
        const char* why;
    } cases[] = {
        {"thread = 4\n", "unknown key"},
        {"threads = 0\n", "below the minimum"},
        {"threads = many\n", "not a number"},
        {"threads = 4x\n", "trailing junk"},
        {"socket_mode = 0999\n", "not octal"},
        {"just a line\n", "no equals sign"},
        {"log_level = loud\n", "unknown level"},
        {"max_body_bytes = 99999999999\n", "above the maximum"},
        {"verify_link_path = verify-email\n", "a link path not starting with /"},
        {"reset_link_path = /reset?x=1\n", "a link path with a query"},
        {"reset_link_path =\n", "an empty link path"},
    };
    for (const auto& c : cases) {
        std::ofstream(dir.file("bad.conf")) << c.file;
        EXPECT_FALSE(load_config(dir.file("bad.conf"), nullptr).ok()) << c.why;
    }
    EXPECT_FALSE(load_config(dir.file("missing.conf"), nullptr).ok());
    char bad_env[] = "LATCHKEY_TREADS=4";
    char* env[] = {bad_env, nullptr};
    EXPECT_FALSE(load_config("", env).ok());
}

TEST(Config, EveryKeyIsListed) {
    Config c;
    for (const auto& key : config_keys()) {
        EXPECT_NE(std::string(key.help), "") << key.name;
    }
    EXPECT_TRUE(set_config_value(c, "threads", "7").ok());
    EXPECT_EQ(c.threads, 7);
}

}  // namespace
}  // namespace latchkey
