#pragma once
// The FastCGI responder: a pool of threads, each with its own FCGX_Request and its own Services,
// accepting on one listening socket; SIGTERM/SIGINT finish the requests in flight and return.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "fcgi/router.hpp"

namespace latchkey {

struct ServerOptions {
    std::string listen;  // "" = fd 0 (spawn-fcgi); unix:PATH; HOST:PORT
    int socket_mode = 0660;
    std::string socket_group;
    int threads = 16;
    std::size_t max_body_bytes = 65536;
};

// Creates one Services per worker thread; a failure stops the server.
using ServicesFactory = std::function<std::shared_ptr<Services>()>;

// Returns the process exit code: 0 after a clean shutdown.
int run_server(const ServerOptions& options, const Router& router, const ServicesFactory& factory);

}  // namespace latchkey
