#pragma once
// One HTTP request as nginx hands it over FastCGI: params, headers, query, cookies and body.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey {

struct Request {
    std::string method;
    std::string path;          // DOCUMENT_URI: decoded and normalised by nginx, no query
    std::string query_string;  // raw
    std::map<std::string, std::string, std::less<>> params;  // every FastCGI param
    std::string body;
    bool body_too_large = false;  // more than the cap was announced or sent; body is empty

    std::optional<std::string_view> param(std::string_view name) const;
    // `name` as in HTTP ("Content-Type"); looked up as nginx passes it (HTTP_CONTENT_TYPE, or
    // CONTENT_TYPE / CONTENT_LENGTH which nginx passes without the prefix).
    std::optional<std::string_view> header(std::string_view name) const;
    // The media type of Content-Type, lower-cased, parameters dropped ("application/json").
    std::string media_type() const;
    // RFC 6265 section 5.4 Cookie header; the first cookie of that name.
    std::optional<std::string> cookie(std::string_view name) const;
    // application/x-www-form-urlencoded or query-string decoding; later duplicates are kept too.
    static std::vector<std::pair<std::string, std::string>> parse_urlencoded(std::string_view text);
    std::optional<std::string> query(std::string_view name) const;
};

std::string url_decode(std::string_view text, bool plus_is_space);

}  // namespace latchkey
