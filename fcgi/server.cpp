#include "fcgi/server.hpp"

#include <arpa/inet.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "core/base/log.hpp"
#include "fcgi/connection.hpp"
#include "fcgi/pipeline.hpp"
#include "fcgi/request_queue.hpp"

namespace latchkey {
namespace {

std::atomic<bool> g_stopping{false};
std::atomic<int> g_exit_code{0};
std::atomic<int> g_reload_fd{-1};

sigset_t control_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    return signals;
}

void request_stop(int exit_code) {
    if (exit_code != 0) g_exit_code = exit_code;
    ::kill(::getpid(), SIGTERM);
}

class OwnedFd {  // RAII for a descriptor this file opens
  public:
    explicit OwnedFd(int fd) : fd_(fd) {}
    ~OwnedFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// A worker sleeps in epoll_wait on the listening socket and on the stop event, never in a
// blocking accept(2) that would have to be interrupted by a signal: libfcgi's accept also waits
// for the first bytes and then reads the request, and a signal landing there closes a connection
// nginx already handed over (a 502, seen by the client as a 503). The listening socket is
// non-blocking, so a worker that loses the race for a connection gets EAGAIN and waits again;
// EPOLLEXCLUSIVE wakes one worker per connection rather than all of them.
void worker_loop(int listen_fd, int stop_fd, const ServerOptions& options, const Router& router,
                 const ServicesFactory& factory, RequestQueue* queue) {
    std::shared_ptr<Services> services;
    try {
        services = factory();
    } catch (const std::exception& e) {
        log_event(LogLevel::error, "worker cannot start", {{"error", e.what()}});
    }
    const OwnedFd poller(::epoll_create1(EPOLL_CLOEXEC));
    epoll_event incoming{};
    incoming.events = EPOLLIN | EPOLLEXCLUSIVE;
    epoll_event stop{};
    stop.events = EPOLLIN;
    stop.data.fd = stop_fd;
    if (services &&
        (poller.get() < 0 || ::epoll_ctl(poller.get(), EPOLL_CTL_ADD, listen_fd, &incoming) != 0 ||
         ::epoll_ctl(poller.get(), EPOLL_CTL_ADD, stop_fd, &stop) != 0)) {
        log_event(LogLevel::error, "worker cannot wait for connections",
                  {{"error", std::strerror(errno)}});
        services.reset();
    }
    if (!services) {
        request_stop(1);
        return;
    }
    auto connection = std::make_unique<FcgiConnection>(listen_fd);
    // Under load the next connection is usually waiting already: a worker that has just answered
    // tries accept(2) first and sleeps in epoll_wait only when there was none (EAGAIN).
    bool try_first = false;
    while (!g_stopping.load()) {
        if (!try_first) {
            epoll_event ready[2];
            if (::epoll_wait(poller.get(), ready, 2, -1) < 0) continue;  // EINTR
            if (g_stopping.load()) break;
        }
        const int accepted = connection->accept();
        try_first = accepted >= 0;
        if (accepted < 0) {
            // EAGAIN: another worker took it. Anything else (EMFILE): wait a little, no spin.
            if (accepted != -EAGAIN && accepted != -EWOULDBLOCK) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            continue;
        }
        const auto arrived = Clock::now();
        Request r = connection->read(options.max_body_bytes);
        const Route* route = route_of(router, r);
        if (queue != nullptr && route != nullptr && runs_queued(*route, r)) {
            queue->submit(std::move(connection), std::move(r), *route, arrived);
            connection = std::make_unique<FcgiConnection>(listen_fd);
            continue;
        }
        connection->answer(process_request(router, *services, r, arrived, route));
    }
}

// The socket is made ready under a temporary name (bound, given its group and mode, listening)
// and then renamed into place, so the path never names a socket that refuses or denies a
// connection: nginx, spawn scripts and health checks that wait for the path may use it at once.
int open_unix_listener(const ServerOptions& options, const std::string& path) {
    sockaddr_un addr{};
    const std::string staging = path + ".new-" + std::to_string(::getpid());
    if (staging.size() >= sizeof addr.sun_path) {
        log_event(LogLevel::error, "socket path too long", {{"path", path}});
        return -1;
    }
    if (struct stat st{}; ::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
        log_event(LogLevel::error, "the socket path names something else; not replacing it",
                  {{"path", path}});
        return -1;
    }
    ::unlink(staging.c_str());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, staging.c_str(), staging.size() + 1);
    auto give_up = [&](const char* what) {
        log_event(
            LogLevel::error, what,
            {{"path", path}, {"group", options.socket_group}, {"error", std::strerror(errno)}});
        ::close(fd);
        ::unlink(staging.c_str());
        return -1;
    };
    // Created with no access at all, then opened up to exactly the configured mode: there is no
    // moment at which anyone but us may connect.
    const mode_t old_mask = ::umask(0777);
    const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::umask(old_mask);
    if (bound != 0) return give_up("cannot bind");
    if (!options.socket_group.empty()) {
        const group* g = ::getgrnam(options.socket_group.c_str());
        if (g == nullptr || ::chown(staging.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
            return give_up("cannot give the socket to its group");
        }
    }
    if (::chmod(staging.c_str(), static_cast<mode_t>(options.socket_mode)) != 0) {
        return give_up("cannot set the socket's mode");
    }
    if (::listen(fd, 1024) != 0) return give_up("cannot listen");
    // rename(2) replaces a stale socket left by a crashed process in one step.
    if (::rename(staging.c_str(), path.c_str()) != 0)
        return give_up("cannot move the socket into place");
    return fd;
}

int open_tcp_listener(const std::string& where) {
    const auto colon = where.rfind(':');
    if (colon == std::string::npos) return -1;
    std::string host = where.substr(0, colon);
    const std::string port = where.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
        log_event(LogLevel::error, "listen address must be numeric HOST:PORT", {{"listen", where}});
        return -1;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, &freeaddrinfo);
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
        log_event(LogLevel::error, "cannot listen",
                  {{"listen", where}, {"error", std::strerror(errno)}});
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

void block_control_signals() {
    const sigset_t signals = control_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int listening_fd_for_reload() {
    return g_reload_fd.load();
}

int run_server(const ServerOptions& options, const Router& router, const ServicesFactory& factory) {
    // Signals are taken by sigwait in this thread only: workers never see EINTR, and libfcgi's own
    // SIGTERM handling never runs.
    block_control_signals();
    const sigset_t stop_signals = control_signals();
    ::signal(SIGPIPE, SIG_IGN);  // nginx may close a connection before we answer

    if (FCGX_Init() != 0) {
        log_event(LogLevel::error, "FCGX_Init failed");
        return 1;
    }
    int listen_fd = 0;
    std::string unix_path;
    if (options.listen.empty()) {
        struct stat st {};
        if (::fstat(0, &st) != 0 || !S_ISSOCK(st.st_mode)) {
            log_event(LogLevel::error,
                      "no --listen given and standard input is not a socket (run under spawn-fcgi, "
                      "or pass --listen unix:PATH or --listen HOST:PORT)");
            return 2;
        }
    } else if (options.listen.rfind("unix:", 0) == 0) {
        unix_path = options.listen.substr(5);
        listen_fd = options.inherited_fd >= 0 ? options.inherited_fd
                                              : open_unix_listener(options, unix_path);
    } else if (options.inherited_fd >= 0) {
        listen_fd = options.inherited_fd;
    } else {
        listen_fd = open_tcp_listener(options.listen);
    }
    if (listen_fd < 0) return 2;
    if (struct stat st{}; ::fstat(listen_fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        log_event(LogLevel::error, "the listening descriptor is not a socket",
                  {{"fd", std::to_string(listen_fd)}});
        return 2;
    }

    // The flag belongs to the socket, so a reloaded image and spawn-fcgi siblings share it; each
    // of them sets it too.
    if (const int flags = ::fcntl(listen_fd, F_GETFL);
        flags < 0 || ::fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        log_event(LogLevel::error, "cannot make the listening socket non-blocking",
                  {{"error", std::strerror(errno)}});
        return 2;
    }
    const OwnedFd stop_event(::eventfd(0, EFD_CLOEXEC));
    if (stop_event.get() < 0) {
        log_event(LogLevel::error, "cannot create the stop event",
                  {{"error", std::strerror(errno)}});
        return 2;
    }

    log_event(LogLevel::info, "serving",
              {{"listen", options.listen.empty() ? "fd 0" : options.listen},
               {"threads", std::to_string(options.threads)}});
    // Made before the workers and destroyed after them: it answers what they handed it before
    // the process stops or reloads.
    std::unique_ptr<RequestQueue> queue;
    if (options.queue.threads > 0) {
        queue = std::make_unique<RequestQueue>(options.queue, router, factory);
        if (!queue->ok()) return 1;
    }
    std::vector<std::thread> workers;
    for (int i = 0; i < options.threads; ++i) {
        workers.emplace_back(worker_loop, listen_fd, stop_event.get(), std::cref(options),
                             std::cref(router), std::cref(factory), queue.get());
    }
    int sig = 0;
    bool reload = false;
    while (true) {
        sigwait(&stop_signals, &sig);
        if (sig != SIGHUP) break;
        if (options.may_reload && options.may_reload()) {
            reload = true;
            break;
        }
        log_event(LogLevel::error, "reload refused: the configuration is not valid; still serving");
    }
    g_stopping = true;
    log_event(LogLevel::info,
              reload ? "reloading: finishing requests in flight"
                     : "stopping: finishing requests in flight",
              {{"signal", sig == SIGINT   ? "SIGINT"
                          : sig == SIGHUP ? "SIGHUP"
                                          : "SIGTERM"}});
    // Every idle worker wakes (the event stays readable, it is never read); those inside a
    // request finish it first. The socket itself is left alone: it may be shared with sibling
    // processes (spawn-fcgi -F) or kept for the next image (a reload), and connections already
    // queued on it are then answered by them.
    const std::uint64_t one = 1;
    if (::write(stop_event.get(), &one, sizeof one) != sizeof one) {
        log_event(LogLevel::error, "cannot wake the workers", {{"error", std::strerror(errno)}});
    }
    for (auto& w : workers) w.join();
    queue.reset();
    if (reload) {
        g_reload_fd = listen_fd;
        const int flags = ::fcntl(listen_fd, F_GETFD);
        if (flags >= 0) ::fcntl(listen_fd, F_SETFD, flags & ~FD_CLOEXEC);
        log_event(LogLevel::info, "reloading: starting again with the new configuration");
        return kReloadRequested;
    }
    if (!unix_path.empty()) ::unlink(unix_path.c_str());
    if (listen_fd != 0) ::close(listen_fd);
    log_event(LogLevel::info, "stopped");
    return g_exit_code.load();
}

}  // namespace latchkey
