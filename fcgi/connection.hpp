#pragma once
// One FastCGI request as libfcgi holds it: accepted on a worker, read there, and answered either
// there or, for a queued route, on a queue thread. libfcgi's streams point back at their
// FCGX_Request, so it lives on the heap and moves only as a pointer.
#include <fcgiapp.h>

#include <cstddef>
#include <memory>

#include "fcgi/request.hpp"
#include "fcgi/response.hpp"

namespace latchkey {

class FcgiConnection {  // RAII for FCGX_Request
  public:
    explicit FcgiConnection(int listen_fd);
    ~FcgiConnection();
    FcgiConnection(const FcgiConnection&) = delete;
    FcgiConnection& operator=(const FcgiConnection&) = delete;

    // 0 once a request is accepted and its params read; libfcgi's negative errno otherwise.
    int accept();
    // The request's params and body (up to `max_body`, else marked too large).
    Request read(std::size_t max_body);
    // Writes the answer and ends the request; the connection may accept the next one.
    void answer(const Response& response);

  private:
    FCGX_Request req_{};
};

using FcgiConnectionPtr = std::unique_ptr<FcgiConnection>;

}  // namespace latchkey
