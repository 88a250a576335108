#pragma once
// The body a route declares it takes, read once by the pipeline before any handler runs: the
// media type is checked and the body parsed strictly, so a handler only ever sees a JSON object
// or decoded form pairs, and a malformed body is refused the same way on every route.
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/base/json.hpp"
#include "fcgi/problem.hpp"
#include "fcgi/request.hpp"

namespace latchkey {

enum class Body : std::uint8_t {
    none,          // whatever is sent is ignored (GET, or POSTs that carry nothing)
    json,          // a JSON object (application/json or application/*+json)
    json_if_any,   // a JSON object, or nothing at all (an empty body without a JSON type)
    json_or_form,  // a JSON object, or application/x-www-form-urlencoded pairs
    aws_json,      // a JSON object sent as application/x-amz-json-1.1 (or a JSON type)
};

using FormPairs = std::vector<std::pair<std::string, std::string>>;

struct RequestBody {
    Json json;  // the object, when one was sent
    FormPairs form;
    bool is_form = false;  // the client sent a form (json_or_form)
};

// True for application/json and application/<anything>+json.
bool is_json_media_type(const std::string& media_type);

// The body as a JSON object, or the issues that stop it being one (empty body = `missing`).
std::variant<Json, std::vector<FieldIssue>> parse_json_object(std::string_view body);

// The request's body as `kind` says, or the Problem to answer instead: unsupported_media_type
// for another media type, a validation problem (invalid_fields) for a body that is not what the
// route takes.
std::variant<RequestBody, Problem> read_body(const Request& request, Body kind);

}  // namespace latchkey
