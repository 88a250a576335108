#include "fcgi/connection.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

namespace latchkey {

FcgiConnection::FcgiConnection(int listen_fd) {
    FCGX_InitRequest(&req_, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
}

FcgiConnection::~FcgiConnection() {
    FCGX_Free(&req_, 1);
}

int FcgiConnection::accept() {
    return FCGX_Accept_r(&req_);
}

Request FcgiConnection::read(std::size_t max_body) {
    FCGX_Request* fcgx = &req_;
    Request r;
    for (char** p = fcgx->envp; p != nullptr && *p != nullptr; ++p) {
        const char* eq = std::strchr(*p, '=');
        if (eq == nullptr) continue;
        r.params.emplace(std::string(*p, static_cast<std::size_t>(eq - *p)), std::string(eq + 1));
    }
    r.method = std::string(r.param("REQUEST_METHOD").value_or("GET"));
    if (auto uri = r.param("DOCUMENT_URI")) {
        r.path = std::string(*uri);
    } else {
        const std::string_view raw = r.param("REQUEST_URI").value_or("/");
        r.path = std::string(raw.substr(0, raw.find('?')));
    }
    r.query_string = std::string(r.param("QUERY_STRING").value_or(""));
    if (auto length = r.header("Content-Length")) {
        char* end = nullptr;
        const unsigned long long n = std::strtoull(std::string(*length).c_str(), &end, 10);
        if (n > max_body) {
            r.body_too_large = true;
            return r;
        }
    }
    // Read to EOF whatever was announced: nginx may pass a de-chunked body without a length.
    char buf[16384];
    for (;;) {
        const int n = FCGX_GetStr(buf, sizeof buf, fcgx->in);
        if (n <= 0) break;
        if (r.body.size() + static_cast<std::size_t>(n) > max_body) {
            r.body.clear();
            r.body_too_large = true;
            break;
        }
        r.body.append(buf, static_cast<std::size_t>(n));
    }
    return r;
}

void FcgiConnection::answer(const Response& response) {
    const std::string out = response.serialize();
    FCGX_PutStr(out.data(), static_cast<int>(out.size()), req_.out);
    FCGX_Finish_r(&req_);
}

}  // namespace latchkey
