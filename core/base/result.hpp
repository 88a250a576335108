#pragma once
// Result<T>: a value or an Error, for outcomes a caller is expected to handle (C++20 has no
// std::expected). Exceptions stay for the truly exceptional.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace latchkey {

enum class Errc {
    invalid_argument,     // a caller passed something core refuses
    not_found,            // no such account, token, row
    email_taken,          // uniqueness: email already used in this namespace
    username_taken,       // uniqueness: username already used in this namespace
    invalid_credentials,  // wrong email or password (never says which)
    invalid_token,        // token malformed, forged, expired, revoked or for another audience
    refresh_reuse,        // a spent refresh token presented after the grace: its family is now
                          // revoked; clients see the same refusal as for invalid_token
    busy,                 // a bounded resource (hash slots, database lock) stayed full too long
    storage,              // the database failed
    unavailable,          // the database cannot write (read-only, disk full, I/O error): the
                          // operator must act; clients are told to come back later
    config,               // configuration is unusable
    code_mismatch,        // a one-time code did not match (attempts remain, or not)
    expired,              // a one-time code or session ran out of time
    rate_limited,         // a per-identity sending or attempt limit was reached
};

struct Error {
    Errc code;
    std::string detail;  // for logs only; never shown to a client
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    const Error& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}
    bool ok() const { return !error_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }

  private:
    std::optional<Error> error_;
};

inline Error make_error(Errc code, std::string detail = {}) {
    return Error{code, std::move(detail)};
}

}  // namespace latchkey
