#include "core/auth/passkeys.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "data/webauthn_vectors.hpp"
#include "test_support.hpp"
#include "webauthn_test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

std::string numbered(std::string prefix, std::size_t n) {
    prefix += std::to_string(n);  // (not prefix + ...: GCC 12 warns falsely of overlap there)
    return prefix;
}

// On SQLite; on PostgreSQL instead when LATCHKEY_TEST_POSTGRESQL_URL names an empty database of a
// throwaway cluster (each test empties the tables it uses).
class Passkey : public ::testing::Test {
  protected:
    void SetUp() override {
        std::array<unsigned char, 32> master{};
        master.fill(7);
        keys = KeyRing::from_master(master);
        const char* postgresql = std::getenv("LATCHKEY_TEST_POSTGRESQL_URL");
        auto opened =
            Store::open({postgresql != nullptr ? postgresql : dir.file("p.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok()) << opened.error().detail;
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
        for (const char* table : {"webauthn_challenges", "passkeys", "accounts"}) {
            ASSERT_TRUE(store->exec((std::string("DELETE FROM ") + table).c_str()).ok());
        }
        testing::add_accounts(*store, {1, 2});
    }
    Passkeys passkeys() { return Passkeys(*store, *keys); }

    static webauthn::NewCredential credential(std::string id, std::uint32_t count = 0) {
        webauthn::NewCredential c;
        c.credential_id = std::move(id);
        c.public_key = testing::unbase64url(vectors::kNonePublicKey);
        c.alg = cose::Alg::es256;
        c.sign_count = count;
        c.backup_eligible = true;
        return c;
    }
    std::int64_t rows(const char* table) {
        auto stmt = store->prepare(
            (std::string("SELECT count(*) FROM ") + table).c_str());  // NOLINT: fixed names
        EXPECT_TRUE(stmt.ok());
        auto row = stmt->step();
        EXPECT_TRUE(row.ok() && *row);
        return stmt->column_int(0);
    }

    const std::int64_t now = 1800000000;
    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<Store> store;
};

TEST_F(Passkey, CeremonyIsSingleUse) {
    auto challenge =
        passkeys().begin_ceremony("shop", Ceremony::register_passkey, 1, kCeremonyTtl, now);
    ASSERT_TRUE(challenge.ok());
    EXPECT_EQ(challenge->size(), 43u);
    auto taken = passkeys().take_ceremony("shop", Ceremony::register_passkey, *challenge, now + 1);
    ASSERT_TRUE(taken.ok()) << taken.error().detail;
    EXPECT_EQ(*taken, std::optional<std::int64_t>(1));
    auto again = passkeys().take_ceremony("shop", Ceremony::register_passkey, *challenge, now + 1);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::invalid_token);
}

TEST_F(Passkey, CeremonyIsBoundToItsSiteAndKind) {
    auto challenge =
        passkeys().begin_ceremony("shop", Ceremony::authenticate, std::nullopt, 300, now);
    ASSERT_TRUE(challenge.ok());
    for (auto [site, ceremony] : {std::pair{"other", Ceremony::authenticate},
                                  std::pair{"shop", Ceremony::register_passkey}}) {
        auto wrong = passkeys().take_ceremony(site, ceremony, *challenge, now);
        ASSERT_FALSE(wrong.ok());
        EXPECT_EQ(wrong.error().code, Errc::invalid_token);
    }
    EXPECT_EQ(passkeys()
                  .take_ceremony("shop", Ceremony::authenticate, *challenge + "x", now)
                  .error()
                  .code,
              Errc::invalid_token);
    // Failed takes leave it open for its own ceremony, which binds no account.
    auto taken = passkeys().take_ceremony("shop", Ceremony::authenticate, *challenge, now);
    ASSERT_TRUE(taken.ok());
    EXPECT_EQ(*taken, std::nullopt);
}

TEST_F(Passkey, CeremonyExpiresAndIsStoredOnlyAsAKeyedHash) {
    auto challenge = passkeys().begin_ceremony("shop", Ceremony::authenticate, 2, 300, now);
    ASSERT_TRUE(challenge.ok());
    auto stmt = store->prepare("SELECT challenge_hash FROM webauthn_challenges");
    ASSERT_TRUE(stmt.ok());
    auto row = stmt->step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(stmt->column_text(0).find(*challenge), std::string::npos);
    EXPECT_EQ(stmt->column_text(0).size(), 64u);
    auto late = passkeys().take_ceremony("shop", Ceremony::authenticate, *challenge, now + 300);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, Errc::invalid_token);
}

TEST_F(Passkey, CeremonyArguments) {
    EXPECT_EQ(passkeys()
                  .begin_ceremony("shop", Ceremony::register_passkey, std::nullopt, 300, now)
                  .error()
                  .code,
              Errc::invalid_argument);
    EXPECT_FALSE(passkeys().begin_ceremony("shop", Ceremony::authenticate, 1, 0, now).ok());
    EXPECT_FALSE(passkeys()
                     .begin_ceremony("shop", Ceremony::authenticate, 1, kMaxCeremonyTtl + 1, now)
                     .ok());
    EXPECT_FALSE(passkeys().take_ceremony("shop", Ceremony::authenticate, "", now).ok());
}

TEST_F(Passkey, ExpiredCeremoniesDoNotAccumulate) {
    for (int i = 0; i < 60; ++i) {
        ASSERT_TRUE(
            passkeys().begin_ceremony("shop", Ceremony::authenticate, std::nullopt, 5, now).ok());
    }
    EXPECT_EQ(rows("webauthn_challenges"), 60);
    // Each new ceremony sweeps a bounded number (50) of expired ones.
    ASSERT_TRUE(
        passkeys().begin_ceremony("shop", Ceremony::authenticate, std::nullopt, 5, now + 10).ok());
    EXPECT_EQ(rows("webauthn_challenges"), 11);
    ASSERT_TRUE(
        passkeys().begin_ceremony("shop", Ceremony::authenticate, std::nullopt, 5, now + 10).ok());
    EXPECT_EQ(rows("webauthn_challenges"), 2);
}

TEST_F(Passkey, AddFindAndList) {
    auto id = passkeys().add("shop", 1, credential("cred-1", 7), "Laptop", now);
    ASSERT_TRUE(id.ok()) << id.error().detail;
    auto found = passkeys().find_by_credential("shop", "cred-1");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->id, *id);
    EXPECT_EQ(found->account_id, 1);
    EXPECT_EQ(found->credential.public_key, testing::unbase64url(vectors::kNonePublicKey));
    EXPECT_EQ(found->credential.alg, cose::Alg::es256);
    EXPECT_EQ(found->credential.sign_count, 7u);
    EXPECT_TRUE(found->backup_eligible);
    EXPECT_FALSE(found->backup_state);
    EXPECT_EQ(passkeys().find_by_credential("other", "cred-1").error().code, Errc::not_found);
    EXPECT_EQ(passkeys().find_by_credential("shop", "cred-2").error().code, Errc::not_found);

    ASSERT_TRUE(passkeys().add("shop", 1, credential("cred-2"), "Phone", now + 5).ok());
    auto list = passkeys().of_account("shop", 1);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "Laptop");
    EXPECT_EQ((*list)[0].created_at, now);
    EXPECT_EQ((*list)[0].last_used_at, std::nullopt);
    EXPECT_EQ((*list)[1].name, "Phone");
    EXPECT_TRUE(passkeys().of_account("shop", 2)->empty());
    EXPECT_TRUE(passkeys().of_account("other", 1)->empty());
}

TEST_F(Passkey, ACredentialIdIsRegisteredOncePerSite) {
    ASSERT_TRUE(passkeys().add("shop", 1, credential("same"), "One", now).ok());
    auto again = passkeys().add("shop", 2, credential("same"), "Two", now);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::credential_taken);
    EXPECT_EQ(passkeys().add("shop", 1, credential("same"), "Two", now).error().code,
              Errc::credential_taken);
    EXPECT_TRUE(passkeys().add("other", 2, credential("same"), "Two", now).ok());
}

TEST_F(Passkey, NamesAreShortPrintableText) {
    const auto add = [&](std::string_view name) {
        static int n = 0;
        return passkeys().add("shop", 1, credential(numbered("c", ++n)), name, now);
    };
    std::string longest;
    for (int i = 0; i < 64; ++i) longest += "\xc3\xa9";  // 64 characters, 128 bytes
    EXPECT_TRUE(add(longest).ok());
    EXPECT_FALSE(add(longest + "e").ok());
    EXPECT_FALSE(add("").ok());
    EXPECT_FALSE(add("tab\there").ok());
    EXPECT_FALSE(add("\xff\xfe").ok());
}

TEST_F(Passkey, AnAccountHoldsAtMostTwenty) {
    for (std::size_t i = 0; i < kMaxPasskeysPerAccount; ++i) {
        ASSERT_TRUE(passkeys().add("shop", 1, credential(numbered("k", i)), "Key", now).ok());
    }
    auto one_more = passkeys().add("shop", 1, credential("extra"), "Key", now);
    ASSERT_FALSE(one_more.ok());
    EXPECT_EQ(one_more.error().code, Errc::limit_reached);
    EXPECT_NE(one_more.error().detail.find("most passkeys"), std::string::npos);
    EXPECT_TRUE(passkeys().add("shop", 2, credential("extra"), "Key", now).ok());
}

TEST_F(Passkey, CounterOnlyMovesForward) {
    auto id = passkeys().add("shop", 1, credential("counted", 5), "Key", now);
    ASSERT_TRUE(id.ok());
    EXPECT_FALSE(passkeys().record_use(*id, 4, false, now + 1).value());
    EXPECT_FALSE(passkeys().record_use(*id, 5, false, now + 1).value());
    EXPECT_EQ(passkeys().find_by_credential("shop", "counted")->credential.sign_count, 5u);
    EXPECT_TRUE(passkeys().record_use(*id, 9, true, now + 2).value());
    EXPECT_FALSE(passkeys().record_use(*id, 6, false, now + 3).value());  // a late, older one
    auto found = passkeys().find_by_credential("shop", "counted");
    EXPECT_EQ(found->credential.sign_count, 9u);
    EXPECT_TRUE(found->backup_state);
    EXPECT_EQ(passkeys().of_account("shop", 1)->at(0).last_used_at, now + 2);

    auto zero = passkeys().add("shop", 1, credential("counterless", 0), "Key", now);
    ASSERT_TRUE(zero.ok());
    EXPECT_TRUE(passkeys().record_use(*zero, 0, false, now + 4).value());
    EXPECT_TRUE(passkeys().record_use(*zero, 0, false, now + 5).value());
    EXPECT_TRUE(passkeys().record_use(*zero, 3, false, now + 6).value());
    EXPECT_FALSE(passkeys().record_use(*zero, 0, false, now + 7).value());
}

TEST_F(Passkey, OnlyTheOwnerRemoves) {
    auto id = passkeys().add("shop", 1, credential("mine"), "Key", now);
    ASSERT_TRUE(id.ok());
    EXPECT_FALSE(passkeys().remove("shop", 2, *id).value());
    EXPECT_FALSE(passkeys().remove("other", 1, *id).value());
    EXPECT_TRUE(passkeys().find_by_credential("shop", "mine").ok());
    EXPECT_TRUE(passkeys().remove("shop", 1, *id).value());
    EXPECT_FALSE(passkeys().remove("shop", 1, *id).value());
    EXPECT_EQ(passkeys().find_by_credential("shop", "mine").error().code, Errc::not_found);
    // Ids are not reused: a new passkey does not answer to the removed one's id.
    auto next = passkeys().add("shop", 1, credential("next"), "Key", now);
    ASSERT_TRUE(next.ok());
    EXPECT_GT(*next, *id);
}

TEST_F(Passkey, GoWithTheirAccount) {
    ASSERT_TRUE(passkeys().add("shop", 1, credential("gone"), "Key", now).ok());
    ASSERT_TRUE(passkeys().begin_ceremony("shop", Ceremony::register_passkey, 1, 300, now).ok());
    ASSERT_TRUE(passkeys().add("shop", 2, credential("kept"), "Key", now).ok());
    ASSERT_TRUE(store->exec("DELETE FROM accounts WHERE id = 1").ok());
    EXPECT_EQ(passkeys().find_by_credential("shop", "gone").error().code, Errc::not_found);
    EXPECT_TRUE(passkeys().find_by_credential("shop", "kept").ok());
    EXPECT_EQ(rows("webauthn_challenges"), 0);
}

}  // namespace
}  // namespace latchkey
