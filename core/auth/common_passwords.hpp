#pragma once
// Passwords too common to accept as new ones (ASVS 6.2.4), and the optional local store of
// breached ones. Sign-in never asks: an account keeps working with whatever password it has.
#include <cstddef>
#include <string_view>

namespace latchkey {

// The embedded list (data/common-passwords.txt, built in by cmake/embed_passwords.cmake): the
// 10,000 most common passwords, lower-case, one a line, sorted bytewise.
std::string_view common_password_list();

// Whether `password`, lower-cased (ASCII), is on the list. A binary search over the embedded
// text itself: about 14 comparisons, no allocation, no memory beyond the list's 79 KB in the
// binary's read-only data.
bool is_common_password(std::string_view password);

// Whether `password` is in the breached-password store at `dir` (empty: no store): files in the
// HIBP range format, `<dir>/<first 5 hex digits of its SHA-1, upper-case>` (or the same with
// `.txt`, as the HIBP downloader names them), each line `<the other 35 digits>:<count>`. Reads at
// most one file, and at most kMaxBreachedFileBytes of it; a missing file means not breached, and
// an unreadable store is logged and treated as not breached (the list above still applies).
// Lines with a count of 0 are padding, not breaches.
bool is_breached_password(std::string_view dir, std::string_view password);

constexpr std::size_t kMaxBreachedFileBytes = 256 * 1024;

}  // namespace latchkey
