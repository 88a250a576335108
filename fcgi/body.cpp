#include "fcgi/body.hpp"

#include <algorithm>

namespace latchkey {
namespace {

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    });
}

std::variant<RequestBody, Problem> json_object_body(const Request& request) {
    auto parsed = parse_json_object(request.body);
    if (auto* issues = std::get_if<std::vector<FieldIssue>>(&parsed)) {
        return invalid_fields(std::move(*issues));
    }
    RequestBody body;
    body.json = std::move(std::get<Json>(parsed));
    return body;
}

}  // namespace

bool is_json_media_type(const std::string& media_type) {
    if (media_type == "application/json") return true;
    return media_type.rfind("application/", 0) == 0 && media_type.size() > 17 &&
           media_type.compare(media_type.size() - 5, 5, "+json") == 0;
}

std::variant<Json, std::vector<FieldIssue>> parse_json_object(std::string_view body) {
    if (is_blank(body)) return std::vector<FieldIssue>{{"", Issue::missing}};
    auto parsed = parse_json_strict(body);
    if (auto* syntax = std::get_if<JsonParseError>(&parsed)) {
        if (auto* dup = std::get_if<JsonDuplicateKey>(syntax)) {
            return std::vector<FieldIssue>{{dup->key, Issue::duplicate_key}};
        }
        const auto& bad = std::get<JsonSyntaxError>(*syntax);
        FieldIssue issue{"", Issue::malformed};
        issue.offset = bad.offset;
        issue.detail = bad.message;
        issue.line =
            1 + static_cast<std::size_t>(std::count(
                    body.begin(), body.begin() + static_cast<std::ptrdiff_t>(bad.offset), '\n'));
        const auto last_newline = body.rfind('\n', bad.offset == 0 ? 0 : bad.offset - 1);
        issue.column = last_newline == std::string_view::npos || bad.offset == 0
                           ? bad.offset + 1
                           : bad.offset - last_newline;
        return std::vector<FieldIssue>{issue};
    }
    Json doc = std::move(std::get<Json>(parsed));
    if (!cJSON_IsObject(doc.get())) return std::vector<FieldIssue>{{"", Issue::not_object}};
    return doc;
}

std::variant<RequestBody, Problem> read_body(const Request& request, Body kind) {
    const std::string media = request.media_type();
    switch (kind) {
        case Body::none:
            return RequestBody{};
        case Body::json_if_any:
            if (request.body.empty() && !is_json_media_type(media)) return RequestBody{};
            [[fallthrough]];
        case Body::json:
            if (!is_json_media_type(media)) return problem_of(Errc::unsupported_media_type);
            return json_object_body(request);
        case Body::json_or_form:
            if (media == "application/x-www-form-urlencoded") {
                if (!is_valid_utf8(request.body)) {
                    return invalid_fields({{"", Issue::malformed}});
                }
                RequestBody body;
                body.form = Request::parse_urlencoded(request.body);
                body.is_form = true;
                return body;
            }
            if (!is_json_media_type(media)) return problem_of(Errc::unsupported_media_type);
            return json_object_body(request);
        case Body::aws_json:
            if (media != "application/x-amz-json-1.1" && !is_json_media_type(media)) {
                return problem_of(Errc::unsupported_media_type);
            }
            return json_object_body(request);
    }
    return RequestBody{};
}

}  // namespace latchkey
