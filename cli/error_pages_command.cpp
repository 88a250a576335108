// `latchkey error-pages`: the bodies nginx answers itself (its error_page locations), rendered by
// each contract's own wording table and renderer, so scripts/render-nginx-conf can write them into
// nginx.conf and nginx and the service say the same thing byte for byte.
#include <strings.h>

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "core/base/clock.hpp"
#include "core/base/json.hpp"
#include "fcgi/router.hpp"
#include "handlers/contracts.hpp"

namespace latchkey {
namespace {

// What nginx writes where a body carries the time of the answer (the gateway's 503): the
// nginx.conf map of $time_iso8601 in the service's format.
constexpr std::string_view kNginxNow = "$latchkey_now";

void replace_all(std::string& text, const std::string& from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// The page of `status` as the service would answer it. A renderer that writes the current time
// writes one of the seconds between `before` and `after`: that text becomes nginx's variable,
// so the output does not depend on when it is printed.
Response page(const Contract& contract, const NginxPage& nginx_page) {
    const std::int64_t before = unix_now();
    Response r = render_failure(contract, problem_of(nginx_page.kind));
    const std::int64_t after = unix_now();
    for (std::int64_t t = before; t <= after; ++t)
        replace_all(r.body, '"' + iso8601_utc(t) + '"', '"' + std::string(kNginxNow) + '"');
    return r;
}

// The headers the page is answered with: the renderer's, and the Content-Type the response
// writer gives a response that names none (fcgi/response.cpp).
Headers page_headers(const Response& r) {
    Headers headers = r.headers;
    bool has_type = false;
    for (const auto& [name, value] : headers)
        has_type |= strcasecmp(name.c_str(), "Content-Type") == 0;
    if (!has_type) headers.insert(headers.begin(), {"Content-Type", "application/json"});
    return headers;
}

}  // namespace

int error_pages_command(bool json) {
    Json list(cJSON_CreateArray());
    for (const Contract& contract : all_contracts()) {
        for (const NginxPage& nginx_page : kNginxPages) {
            const Response r = page(contract, nginx_page);
            const Headers headers = page_headers(r);
            if (!json) {
                std::cout << contract.name << " " << r.status << " " << r.body << "\n";
                for (const auto& [name, value] : headers)
                    std::cout << "    " << name << ": " << value << "\n";
                continue;
            }
            Json row = json_object();
            json_put(row.get(), "contract", contract.name);
            json_put(row.get(), "status", std::int64_t{r.status});
            Json header_list(cJSON_CreateArray());
            for (const auto& [name, value] : headers) {
                Json pair(cJSON_CreateArray());
                cJSON_AddItemToArray(pair.get(), cJSON_CreateString(name.c_str()));
                cJSON_AddItemToArray(pair.get(), cJSON_CreateString(value.c_str()));
                cJSON_AddItemToArray(header_list.get(), pair.release());
            }
            json_put(row.get(), "headers", std::move(header_list));
            json_put(row.get(), "body", r.body);
            cJSON_AddItemToArray(list.get(), row.release());
        }
    }
    if (json) std::cout << json_render(list.get()) << "\n";
    return 0;
}

}  // namespace latchkey
