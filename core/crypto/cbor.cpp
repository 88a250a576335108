#include "core/crypto/cbor.hpp"

#include <limits>
#include <string>
#include <vector>

namespace latchkey::cbor {
namespace {

// What the streaming decoder has seen of the one item being walked: for each open array or map,
// how many items it still holds (a map's entry is two).
struct Walk {
    std::size_t input_size = 0;
    std::vector<std::uint64_t> open;
    bool done = false;
    const char* refused = nullptr;

    void item_complete() {
        while (!open.empty()) {
            if (--open.back() > 0) return;
            open.pop_back();  // the container is itself a finished item of its parent
        }
        done = true;
    }
    void container(std::uint64_t items) {
        // Every item takes a byte at least: a count past the input's size cannot be honest.
        if (items > static_cast<std::uint64_t>(input_size)) {
            refused = "a container counts more items than the input holds";
        } else if (items == 0) {
            item_complete();
        } else if (open.size() >= kMaxDepth) {
            refused = "nested too deeply";
        } else {
            open.push_back(items);
        }
    }
};

Walk& walk_of(void* context) {
    return *static_cast<Walk*>(context);
}

template <class T>
void scalar_value(void* context, T) {
    walk_of(context).item_complete();
}
void scalar(void* context) {
    walk_of(context).item_complete();
}
void string_value(void* context, cbor_data, std::size_t) {
    walk_of(context).item_complete();
}
void array_start(void* context, std::size_t size) {
    walk_of(context).container(static_cast<std::uint64_t>(size));
}
void map_start(void* context, std::size_t size) {
    const auto entries = static_cast<std::uint64_t>(size);
    walk_of(context).container(entries > std::numeric_limits<std::uint64_t>::max() / 2
                                   ? std::numeric_limits<std::uint64_t>::max()
                                   : entries * 2);
}
void indefinite(void* context) {
    walk_of(context).refused = "indefinite length";
}
void tag(void* context, std::uint64_t) {
    walk_of(context).refused = "tagged item";
}

cbor_callbacks walk_callbacks() {
    cbor_callbacks c = cbor_empty_callbacks;
    c.uint8 = scalar_value<std::uint8_t>;
    c.uint16 = scalar_value<std::uint16_t>;
    c.uint32 = scalar_value<std::uint32_t>;
    c.uint64 = scalar_value<std::uint64_t>;
    c.negint8 = scalar_value<std::uint8_t>;
    c.negint16 = scalar_value<std::uint16_t>;
    c.negint32 = scalar_value<std::uint32_t>;
    c.negint64 = scalar_value<std::uint64_t>;
    c.byte_string = string_value;
    c.string = string_value;
    c.byte_string_start = indefinite;
    c.string_start = indefinite;
    c.indef_array_start = indefinite;
    c.indef_map_start = indefinite;
    c.indef_break = indefinite;
    c.array_start = array_start;
    c.map_start = map_start;
    c.tag = tag;
    c.float2 = scalar_value<float>;
    c.float4 = scalar_value<float>;
    c.float8 = scalar_value<double>;
    c.undefined = scalar;
    c.null = scalar;
    c.boolean = scalar_value<bool>;
    return c;
}

cbor_data as_data(std::string_view bytes) {
    return reinterpret_cast<cbor_data>(bytes.data());
}

}  // namespace

Result<std::size_t> item_length(std::string_view bytes) {
    static const cbor_callbacks kCallbacks = walk_callbacks();
    Walk walk;
    walk.input_size = bytes.size();
    std::size_t offset = 0;
    // Each step reads one head (and a string's contents) of at least one byte, so this ends.
    while (!walk.done) {
        if (offset >= bytes.size()) return make_error(Errc::invalid_argument, "CBOR cut short");
        const cbor_decoder_result step = cbor_stream_decode(
            as_data(bytes.substr(offset)), bytes.size() - offset, &kCallbacks, &walk);
        if (step.status == CBOR_DECODER_NEDATA)
            return make_error(Errc::invalid_argument, "CBOR cut short");
        if (step.status != CBOR_DECODER_FINISHED || step.read == 0)
            return make_error(Errc::invalid_argument, "malformed CBOR");
        if (walk.refused != nullptr)
            return make_error(Errc::invalid_argument, std::string("CBOR refused: ") + walk.refused);
        offset += step.read;
    }
    return offset;
}

Result<Loaded> load_prefix(std::string_view bytes) {
    auto length = item_length(bytes);
    if (!length) return length.error();
    cbor_load_result result{};
    Item item(cbor_load(as_data(bytes), *length, &result));
    if (!item || result.error.code != CBOR_ERR_NONE || result.read != *length)
        return make_error(Errc::invalid_argument, "CBOR could not be decoded");
    return Loaded{std::move(item), *length};
}

Result<Item> load_exactly(std::string_view bytes) {
    auto loaded = load_prefix(bytes);
    if (!loaded) return loaded.error();
    if (loaded->length != bytes.size())
        return make_error(Errc::invalid_argument, "bytes after the CBOR item");
    return std::move(loaded->item);
}

namespace {

template <class Matches>
const cbor_item_t* find_where(const cbor_item_t* map, Matches matches) {
    if (map == nullptr || !cbor_isa_map(map) || !cbor_map_is_definite(map)) return nullptr;
    const cbor_pair* pairs = cbor_map_handle(map);
    const cbor_item_t* found = nullptr;
    for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
        if (!matches(pairs[i].key)) continue;
        if (found != nullptr) return nullptr;
        found = pairs[i].value;
    }
    return found;
}

}  // namespace

const cbor_item_t* find(const cbor_item_t* map, std::int64_t key) {
    return find_where(map, [key](const cbor_item_t* k) { return as_int(k) == key; });
}

const cbor_item_t* find(const cbor_item_t* map, std::string_view key) {
    return find_where(map, [key](const cbor_item_t* k) { return as_text(k) == key; });
}

std::optional<std::int64_t> as_int(const cbor_item_t* item) {
    if (item == nullptr) return std::nullopt;
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (cbor_isa_uint(item)) {
        const std::uint64_t v = cbor_get_int(item);
        if (v > kMax) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (cbor_isa_negint(item)) {
        const std::uint64_t n = cbor_get_int(item);  // the value is -1 - n
        if (n > kMax) return std::nullopt;
        return -1 - static_cast<std::int64_t>(n);
    }
    return std::nullopt;
}

std::optional<std::string_view> as_bytes(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
        return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                            cbor_bytestring_length(item));
}

std::optional<std::string_view> as_text(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item))
        return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                            cbor_string_length(item));
}

}  // namespace latchkey::cbor
