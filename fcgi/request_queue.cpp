#include "fcgi/request_queue.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "core/base/log.hpp"

namespace latchkey {

RequestQueue::RequestQueue(QueueOptions options, const Router& router,
                           const ServicesFactory& factory)
    : options_(options), router_(router) {
    options_.threads = std::max(1, options_.threads);
    std::vector<std::shared_ptr<Services>> services;
    for (int i = 0; i < options_.threads; ++i) {
        try {
            services.push_back(factory());
        } catch (const std::exception& e) {
            log_event(LogLevel::error, "request queue cannot start", {{"error", e.what()}});
            services.push_back(nullptr);
        }
        if (!services.back()) {
            ok_ = false;
            return;
        }
    }
    for (auto& s : services) {
        threads_.emplace_back([this, s = std::move(s)] { serve(*s); });
    }
}

RequestQueue::~RequestQueue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    arrived_.notify_all();
    for (auto& t : threads_) t.join();
}

std::string RequestQueue::refusal() const {
    if (waiting_.size() >= options_.max_waiting) return "the request queue is full";
    const std::size_t idle = static_cast<std::size_t>(idle_);
    if (waiting_.size() < idle) return {};
    // Ahead of this request: every waiting one, and then it needs a thread to come free.
    const double ahead = static_cast<double>(waiting_.size() - idle + 1);
    const double expected = ahead * service_seconds_ / options_.threads;
    if (expected * 1000 > static_cast<double>(options_.deadline.count())) {
        return "the request queue's turn would come after its deadline";
    }
    return {};
}

void RequestQueue::submit(FcgiConnectionPtr connection, Request request, const Route& route,
                          Clock::time_point arrived) {
    std::string why;
    {
        std::lock_guard lock(mutex_);
        why = refusal();
        if (why.empty()) {
            const bool taken_at_once = waiting_.size() < static_cast<std::size_t>(idle_);
            waiting_.push_back(
                {std::move(connection), std::move(request), &route, arrived, taken_at_once});
        }
    }
    if (why.empty()) {
        arrived_.notify_one();
        return;
    }
    connection->answer(refuse_queued(router_, request, route, std::move(why), arrived));
}

void RequestQueue::serve(Services& services) {
    std::unique_lock lock(mutex_);
    while (true) {
        ++idle_;
        arrived_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
        --idle_;
        if (waiting_.empty()) return;  // stopping, and everything queued has been answered
        Waiting next = std::move(waiting_.front());
        waiting_.pop_front();
        lock.unlock();
        const auto started = Clock::now();
        if (!next.taken_at_once && started - next.arrived > options_.deadline) {
            next.connection->answer(refuse_queued(router_, next.request, *next.route,
                                                  "waited past the request queue's deadline",
                                                  next.arrived));
            lock.lock();
            continue;
        }
        next.connection->answer(
            process_request(router_, services, next.request, next.arrived, next.route));
        const double took = std::chrono::duration<double>(Clock::now() - started).count();
        lock.lock();
        // From 0, each request a tenth: one slow request (the first on a cold connection, the
        // one hash among a burst of duplicates) cannot by itself make the queue refuse the cheap
        // ones behind it; a run of slow ones can. Those admitted meanwhile that then wait past
        // the deadline are still refused when their turn comes.
        service_seconds_ = 0.9 * service_seconds_ + 0.1 * took;
    }
}

}  // namespace latchkey
