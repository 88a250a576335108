#pragma once
// The queue for routes whose handler waits its turn for a bounded shared resource (Route::queued:
// password hashing). A worker that reads such a request hands it here and goes back to accepting,
// so a login flood or a burst of sign-ups holds memory, not the workers that answer cheap
// requests. The queue's own threads, each with its own Services, run the requests first come,
// first served.
//
// Admission is by deadline: a request is refused at once (the contract's 503, Retry-After) when
// `max_waiting` already wait, or when its turn would come after `deadline` by the queue's own
// throughput (Little's law over the measured service time); one that waited past the deadline
// anyway is refused when its turn comes. Everything else is served, however big the burst.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fcgi/connection.hpp"
#include "fcgi/pipeline.hpp"
#include "fcgi/router.hpp"
#include "fcgi/server.hpp"

namespace latchkey {

class RequestQueue {
  public:
    // Opens each thread's Services here; ok() tells whether they all opened.
    RequestQueue(QueueOptions options, const Router& router, const ServicesFactory& factory);
    // Answers every request still queued (those past the deadline with 503), then joins.
    ~RequestQueue();
    RequestQueue(const RequestQueue&) = delete;
    RequestQueue& operator=(const RequestQueue&) = delete;

    bool ok() const { return ok_; }

    // Queues the request, or answers it with the contract's 503 at once.
    // `route`: the request's, as route_of() found it.
    void submit(FcgiConnectionPtr connection, Request request, const Route& route,
                Clock::time_point arrived);

  private:
    struct Waiting {
        FcgiConnectionPtr connection;
        Request request;
        const Route* route;
        Clock::time_point arrived;
        // A thread was idle when it came: it waits for nothing, so no deadline applies (with a
        // deadline of 0, the queue then serves what its idle threads can take and no more).
        bool taken_at_once;
    };
    // Why a request arriving now cannot be served in time; empty when it can. Under mutex_.
    std::string refusal() const;
    void serve(Services& services);

    QueueOptions options_;
    const Router& router_;
    bool ok_ = true;
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<Waiting> waiting_;
    int idle_ = 0;
    // Moving average of one request's time on a queue thread, in seconds, from 0 at start.
    double service_seconds_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace latchkey
