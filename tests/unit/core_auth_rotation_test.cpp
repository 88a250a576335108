// Refresh rotation on a real SQLite store: what a second presentation of a rotated token gets,
// by how long after the rotation it comes, and which families refuse every token.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>

#include "core/auth/end_sessions.hpp"
#include "core/auth/sessions.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

constexpr std::int64_t kGrace = 10;
constexpr std::int64_t kLifetime = 3600;
constexpr std::int64_t kNow = 1800000000;

class Rotation : public ::testing::Test {
  public:  // the tables' cases set up through it
    void SetUp() override {
        std::array<unsigned char, 32> master{};
        master.fill(5);
        keys = KeyRing::from_master(master);
        auto opened = Store::open({dir.file("rotation.db"), 1000, 1024});
        ASSERT_TRUE(opened.ok());
        store = std::move(*opened);
        ASSERT_TRUE(store->migrate().ok());
        for (const char* id : {"1", "2"}) {
            const std::string n = id;
            const std::string sql =
                "INSERT INTO accounts(id, public_id, site, kind, email, email_key, created_at, "
                "updated_at) VALUES (" +
                n + ", 'p" + n + "', 'shop', 'customer', 'a" + n + "@example.com', 'a" + n +
                "@example.com', 0, 0)";
            ASSERT_TRUE(store->exec(sql.c_str()).ok());
        }
    }
    Sessions sessions() { return Sessions(*store, *keys, SessionPolicy{kLifetime, kGrace}); }
    RefreshGrant start(std::int64_t account = 1) {
        auto grant = sessions().start("shop", account, kNow);
        EXPECT_TRUE(grant.ok());
        return grant.ok() ? *grant : RefreshGrant{};
    }
    bool alive(const std::string& family, std::int64_t now = kNow) {
        auto result = sessions().family_alive("shop", family, now);
        EXPECT_TRUE(result.ok());
        return result.ok() && *result;
    }
    // The number of refresh_tokens rows of a family, to prove a refusal issued nothing.
    std::int64_t tokens_of(const std::string& family) {
        auto stmt = store->prepare("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ?1");
        EXPECT_TRUE(stmt.ok());
        stmt->bind(1, family);
        EXPECT_TRUE(stmt->step().ok());
        return stmt->column_int(0);
    }

    testing::TempDir dir;
    std::unique_ptr<KeyRing> keys;
    std::unique_ptr<Store> store;
};

TEST_F(Rotation, EachRotationSpendsThePresentedTokenAndIssuesOneSuccessorOfTheSameFamily) {
    RefreshGrant current = start();
    const std::string family = current.family_id;
    for (int step = 1; step <= 4; ++step) {
        auto next = sessions().rotate("shop", family, current.jti, kNow + step);
        ASSERT_TRUE(next.ok()) << next.error().detail;
        EXPECT_EQ(next->second, RotateOutcome::rotated);
        EXPECT_EQ(next->first.family_id, family);
        EXPECT_EQ(next->first.account_id, 1);
        EXPECT_NE(next->first.jti, current.jti);
        EXPECT_EQ(next->first.issued_at, kNow + step);
        EXPECT_EQ(next->first.expires_at, kNow + kLifetime);  // the family's absolute end
        EXPECT_EQ(tokens_of(family), step + 1);
        current = next->first;
    }
    EXPECT_TRUE(alive(family));
}

// A second presentation of a rotated token, `after` seconds after the rotation.
struct Replay {
    const char* name;
    std::int64_t after;
    bool same_successor;  // else refused as reuse, and the family revoked
};

const Replay kReplays[] = {
    {"at_once", 0, true},
    {"one_second_later", 1, true},
    {"at_the_end_of_the_grace", kGrace, true},
    {"one_second_past_the_grace", kGrace + 1, false},
    {"an_hour_minus_a_second_later", kLifetime - 1, false},
};

class ReplayOfARotatedToken : public Rotation, public ::testing::WithParamInterface<Replay> {};

TEST_P(ReplayOfARotatedToken, GetsTheSameSuccessorInsideTheGraceAndRevokesTheFamilyAfter) {
    const Replay& replay = GetParam();
    for (bool rotating : {true, false}) {  // rotate() and validate() judge a replay alike
        const RefreshGrant first = start();
        auto second = sessions().rotate("shop", first.family_id, first.jti, kNow);
        ASSERT_TRUE(second.ok());
        const std::int64_t at = kNow + replay.after;
        if (replay.same_successor) {
            if (rotating) {
                auto again = sessions().rotate("shop", first.family_id, first.jti, at);
                ASSERT_TRUE(again.ok()) << again.error().detail;
                EXPECT_EQ(again->second, RotateOutcome::replayed);
                EXPECT_EQ(again->first.jti, second->first.jti);
                EXPECT_EQ(again->first.issued_at, second->first.issued_at);
                EXPECT_EQ(again->first.expires_at, second->first.expires_at);
            } else {
                EXPECT_TRUE(sessions().validate("shop", first.family_id, first.jti, at).ok());
            }
            EXPECT_EQ(tokens_of(first.family_id), 2);  // no sibling was issued
            EXPECT_TRUE(alive(first.family_id, at));
            // The successor is still the family's live token.
            auto third = sessions().rotate("shop", first.family_id, second->first.jti, at);
            ASSERT_TRUE(third.ok());
            EXPECT_EQ(third->second, RotateOutcome::rotated);
        } else {
            const Error error =
                rotating ? sessions().rotate("shop", first.family_id, first.jti, at).error()
                         : sessions().validate("shop", first.family_id, first.jti, at).error();
            EXPECT_EQ(error.code, Errc::refresh_reuse) << error.detail;
            EXPECT_FALSE(alive(first.family_id, at));
            EXPECT_EQ(tokens_of(first.family_id), 2);
            // The thief's copy is gone, and so is the rightful holder's successor.
            auto successor = sessions().rotate("shop", first.family_id, second->first.jti, at);
            ASSERT_FALSE(successor.ok());
            EXPECT_EQ(successor.error().code, Errc::invalid_token);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Table, ReplayOfARotatedToken, ::testing::ValuesIn(kReplays),
                         [](const auto& info) { return std::string(info.param.name); });

// A token that is refused without being reuse: nothing is issued and no other family is touched.
struct Refusal {
    const char* name;
    // Prepares the case from a fresh family's first token; returns the (site, family, jti, now)
    // to present.
    std::function<std::tuple<std::string, std::string, std::string, std::int64_t>(
        Rotation&, const RefreshGrant&)>
        present;
};

const Refusal kRefusals[] = {
    {"family_ended_by_logout",
     [](Rotation& t, const RefreshGrant& g) {
         EXPECT_TRUE(t.sessions().revoke_family("shop", g.family_id, "logout", kNow).ok());
         return std::make_tuple(std::string("shop"), g.family_id, g.jti, kNow + 1);
     }},
    {"every_family_of_the_account_ended",
     [](Rotation& t, const RefreshGrant& g) {
         EXPECT_TRUE(end_sessions(*t.store, 1, {"password"}, kNow).ok());
         return std::make_tuple(std::string("shop"), g.family_id, g.jti, kNow + 1);
     }},
    {"every_family_of_the_site_ended",
     [](Rotation& t, const RefreshGrant& g) {
         EXPECT_TRUE(t.sessions().revoke_site("shop", "operator", kNow).ok());
         return std::make_tuple(std::string("shop"), g.family_id, g.jti, kNow + 1);
     }},
    {"family_past_its_absolute_lifetime",
     [](Rotation&, const RefreshGrant& g) {
         return std::make_tuple(std::string("shop"), g.family_id, g.jti, kNow + kLifetime);
     }},
    {"presented_on_another_site",
     [](Rotation&, const RefreshGrant& g) {
         return std::make_tuple(std::string("other"), g.family_id, g.jti, kNow + 1);
     }},
    {"unknown_token_of_the_family",
     [](Rotation&, const RefreshGrant& g) {
         return std::make_tuple(std::string("shop"), g.family_id, std::string("not-a-jti"),
                                kNow + 1);
     }},
    {"token_of_another_family",
     [](Rotation& t, const RefreshGrant& g) {
         const RefreshGrant other = t.start(2);
         return std::make_tuple(std::string("shop"), g.family_id, other.jti, kNow + 1);
     }},
};

class RefusedToken : public Rotation, public ::testing::WithParamInterface<Refusal> {};

TEST_P(RefusedToken, IsInvalidNotReuseAndIssuesNothing) {
    const RefreshGrant first = start();
    const RefreshGrant bystander = start(2);
    const auto [site, family, jti, at] = GetParam().present(*this, first);
    const std::int64_t before = tokens_of(first.family_id);
    for (bool rotating : {true, false}) {
        const Error error = rotating ? sessions().rotate(site, family, jti, at).error()
                                     : sessions().validate(site, family, jti, at).error();
        EXPECT_EQ(error.code, Errc::invalid_token) << error.detail;
    }
    EXPECT_EQ(tokens_of(first.family_id), before);
    const bool bystander_ended = std::string(GetParam().name) == "every_family_of_the_site_ended";
    EXPECT_EQ(alive(bystander.family_id), !bystander_ended);
}

INSTANTIATE_TEST_SUITE_P(Table, RefusedToken, ::testing::ValuesIn(kRefusals),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace latchkey
