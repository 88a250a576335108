#pragma once
// Result<T>: a value or an Error, for outcomes a caller is expected to handle (C++20 has no
// std::expected). Exceptions stay for the truly exceptional.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace latchkey {

enum class Errc {
    invalid_argument,      // a caller passed something core refuses
    not_found,             // no such account, token, row
    email_taken,           // uniqueness: email already used in this namespace
    username_taken,        // uniqueness: username already used in this namespace
    credential_taken,      // uniqueness: a passkey's credential id already registered on the site
    invalid_credentials,   // wrong email or password (never says which)
    invalid_token,         // token malformed, forged, expired, revoked or for another audience
    refresh_reuse,         // a spent refresh token presented after the grace: its family is now
                           // revoked; clients see the same refusal as for invalid_token
    limit_reached,         // an account holds as many of something (passkeys) as it may
    cloned_authenticator,  // a passkey assertion verified but its signature counter did not grow:
                           // another copy of the authenticator is in use; clients see the same
                           // refusal as for invalid_credentials
    busy,                  // a bounded resource (hash slots, database lock) stayed full too long
    storage,               // the database failed
    unavailable,           // the database cannot write (read-only, disk full, I/O error): the
                           // operator must act; clients are told to come back later
    config,                // configuration is unusable
    code_mismatch,         // a one-time code did not match (attempts remain, or not)
    expired,               // a one-time code or session ran out of time
    rate_limited,          // a per-identity sending or attempt limit was reached
    login_throttled,       // too many wrong passwords: sign-in refused for a while
    email_unverified,      // the password was right, but the address is not verified yet

    // Who is calling, as the pipeline finds it before a route's handler runs.
    unauthenticated,  // a route that needs a caller got no credentials at all
    cross_origin,     // a cookie-authenticated change from an origin the site does not trust

    // Failures of the request itself, found by nginx or the pipeline before any handler runs;
    // each contract words them (handlers/<contract>.cpp) and nginx's error pages say the same.
    bad_request,             // 400: HTTP nginx could not read
    no_route,                // 404: no such path in the contract
    method_not_allowed,      // 405: the path exists, the method does not
    request_timeout,         // 408: the client sent too slowly
    body_too_large,          // 413
    header_too_large,        // 414 / 494: request line or headers
    unsupported_media_type,  // 415: a body route got another Content-Type
    too_many_requests,       // 429: nginx's per-network request rate
    internal,                // 500: a fault of ours (logged)
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
