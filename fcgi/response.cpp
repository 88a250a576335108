#include "fcgi/response.hpp"

#include <strings.h>

#include "fcgi/problem.hpp"

namespace latchkey {

const char* status_reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

Response Response::json(int status, const cJSON* body) {
    return json(status, json_render(body));
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response& Response::with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

std::string Response::serialize() const {
    std::string out = "Status: " + std::to_string(status) + " " + status_reason(status) + "\r\n";
    bool has_type = false, has_cache = false;
    for (const auto& [name, value] : headers) {
        has_type |= strcasecmp(name.c_str(), "Content-Type") == 0;
        has_cache |= strcasecmp(name.c_str(), "Cache-Control") == 0;
        out += name + ": " + value + "\r\n";
    }
    if (!has_type) out += "Content-Type: application/json\r\n";
    // Auth answers carry tokens and personal data: no cache may keep them (RFC 6749 5.1).
    if (!has_cache) out += "Cache-Control: no-store\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    return out;
}

}  // namespace latchkey
