#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/base/json.hpp"

namespace latchkey {

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // A JSON response; Content-Type is set when the response is written.
    static Response json(int status, const cJSON* body);
    static Response json(int status, std::string body);
    Response& with_header(std::string name, std::string value);

    // The CGI response head and body, as written to the FastCGI stdout stream.
    std::string serialize() const;
};

}  // namespace latchkey
