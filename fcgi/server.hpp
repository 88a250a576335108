#pragma once
// The FastCGI responder: a pool of threads, each with its own FCGX_Request and its own Services,
// accepting on one listening socket; SIGTERM/SIGINT finish the requests in flight and return.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "fcgi/router.hpp"

namespace latchkey {

// The request queue for routes marked Route::queued (fcgi/request_queue.hpp).
struct QueueOptions {
    int threads = 0;                 // 0: no queue; queued routes run on the worker that read them
    std::size_t max_waiting = 2048;  // what a queued request costs is its connection and body
    std::chrono::milliseconds deadline{5000};
};

struct ServerOptions {
    std::string listen;  // "" = fd 0 (spawn-fcgi); unix:PATH; HOST:PORT
    int socket_mode = 0660;
    std::string socket_group;
    int threads = 16;
    std::size_t max_body_bytes = 65536;
    QueueOptions queue;
    // A listening socket handed over by the previous image of this process (SIGHUP reload);
    // -1: open `listen` anew.
    int inherited_fd = -1;
    // Asked on SIGHUP: true lets the server drain and return kReloadRequested with the
    // listening socket left open (and inheritable) for the next image; false keeps serving.
    std::function<bool()> may_reload;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread, and so in every thread it starts
// afterwards. Call it before the process starts any thread: run_server takes these signals with
// sigwait, and one delivered to a thread that does not block it would run libfcgi's own SIGTERM
// handler (every accept then fails and the process never stops) or SIGHUP's default (exit).
void block_control_signals();

// run_server's answer to a granted SIGHUP: exec the program again with `--listen-fd` set to
// listening_fd_for_reload() (connections meanwhile wait in the socket's backlog).
constexpr int kReloadRequested = -1;
int listening_fd_for_reload();

// Creates one Services per worker thread; a failure stops the server.
using ServicesFactory = std::function<std::shared_ptr<Services>()>;

// Returns the process exit code: 0 after a clean shutdown.
int run_server(const ServerOptions& options, const Router& router, const ServicesFactory& factory);

}  // namespace latchkey
