#pragma once
// Bounded decoding of the CBOR that WebAuthn carries (attestation objects, COSE keys, extension
// outputs), over libcbor. libcbor's cbor_load builds any nesting its input describes and frees it
// recursively, so hostile input could exhaust the stack: every item is first walked with the
// streaming decoder, which keeps no stack of its own, and refused past kMaxDepth levels, with an
// indefinite length or a tag (CTAP2's canonical CBOR has neither), or cut short. Only then is
// exactly that item decoded.
#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/base/result.hpp"

namespace latchkey::cbor {

// Deep enough for every WebAuthn structure (attestation object > attStmt > x5c > certificate is
// 3), shallow enough that the recursive free cannot matter.
constexpr std::size_t kMaxDepth = 8;

struct ItemDeleter {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

// The length in bytes of the one well-formed, bounded item `bytes` starts with.
Result<std::size_t> item_length(std::string_view bytes);

struct Loaded {
    Item item;
    std::size_t length;  // bytes of the input it took
};
// Decodes the item `bytes` starts with; what follows it is the caller's.
Result<Loaded> load_prefix(std::string_view bytes);
// Decodes `bytes`, which must be exactly one item.
Result<Item> load_exactly(std::string_view bytes);

// The value of the map's entry with this integer or text key; null when there is none, when the
// key appears twice (canonical CBOR has no repeated keys; we refuse to pick one), or when `map`
// is not a map.
const cbor_item_t* find(const cbor_item_t* map, std::int64_t key);
const cbor_item_t* find(const cbor_item_t* map, std::string_view key);

// The item as a signed integer, when it is one that fits.
std::optional<std::int64_t> as_int(const cbor_item_t* item);
// The contents of a definite byte or text string; nullopt for anything else.
std::optional<std::string_view> as_bytes(const cbor_item_t* item);
std::optional<std::string_view> as_text(const cbor_item_t* item);

}  // namespace latchkey::cbor
