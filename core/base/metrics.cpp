#include "core/base/metrics.hpp"

#include <cmath>
#include <mutex>

namespace latchkey {
namespace {

// Label values come from route tables and configuration, but quote them properly anyway.
std::string label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// The method is the client's word (nginx forwards any token): outside HTTP's usual set it is one
// label, so a client cannot mint series.
std::string_view method_label(std::string_view method) {
    static constexpr std::string_view kKnown[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
    for (const auto known : kKnown) {
        if (method == known) return known;
    }
    return "other";
}

std::string format_number(double v) {
    if (std::isinf(v)) return "+Inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace

Metrics& Metrics::process() {
    static Metrics metrics;
    return metrics;
}

void Metrics::Histogram::observe(double seconds) {
    std::size_t i = 0;
    while (i < kBucketCount && seconds > kBuckets[i]) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    sum_micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

template <class Series>
Series& Metrics::series(std::map<std::string, std::unique_ptr<Series>, std::less<>>& family,
                        const std::string& labels) {
    {
        std::shared_lock lock(mutex_);
        if (auto it = family.find(labels); it != family.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = family[labels];
    if (!slot) slot = std::make_unique<Series>();
    return *slot;
}

void Metrics::observe_request(std::string_view contract, std::string_view method,
                              std::string_view route, int status, double seconds) {
    const std::string where = "contract=\"" + label_value(contract) + "\",method=\"" +
                              label_value(method_label(method)) + "\",route=\"" +
                              label_value(route) + "\"";
    series(requests_, where + ",status=\"" + std::to_string(status) + "\"")
        .value.fetch_add(1, std::memory_order_relaxed);
    series(latency_, where).observe(seconds);
}

void Metrics::observe_hash(double seconds) {
    hash_.observe(seconds);
}

void Metrics::count(std::string_view name, std::string_view site) {
    series(named_, std::string(name) + "{site=\"" + label_value(site) + "\"}")
        .value.fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const std::initializer_list<Gauge>& gauges) const {
    std::string out;
    auto histogram = [&out](const std::string& name, const std::string& labels,
                            const Histogram& h) {
        const std::string sep = labels.empty() ? "" : ",";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= kBucketCount; ++i) {
            cumulative += h.buckets[i].load(std::memory_order_relaxed);
            const double le = i < kBucketCount ? kBuckets[i] : INFINITY;
            out += name + "_bucket{" + labels + sep + "le=\"" + format_number(le) + "\"} " +
                   std::to_string(cumulative) + "\n";
        }
        const std::string braces = labels.empty() ? "" : "{" + labels + "}";
        out +=
            name + "_sum" + braces + " " +
            format_number(static_cast<double>(h.sum_micros.load(std::memory_order_relaxed)) / 1e6) +
            "\n";
        out += name + "_count" + braces + " " +
               std::to_string(h.count.load(std::memory_order_relaxed)) + "\n";
    };
    std::shared_lock lock(mutex_);
    out +=
        "# HELP latchkey_requests_total Requests answered, by contract, route and status.\n"
        "# TYPE latchkey_requests_total counter\n";
    for (const auto& [labels, c] : requests_) {
        out += "latchkey_requests_total{" + labels + "} " +
               std::to_string(c->value.load(std::memory_order_relaxed)) + "\n";
    }
    out +=
        "# HELP latchkey_request_duration_seconds Time from request to answer in the service.\n"
        "# TYPE latchkey_request_duration_seconds histogram\n";
    for (const auto& [labels, h] : latency_) {
        histogram("latchkey_request_duration_seconds", labels, *h);
    }
    out +=
        "# HELP latchkey_password_hash_seconds Time of one password hash or verification.\n"
        "# TYPE latchkey_password_hash_seconds histogram\n";
    histogram("latchkey_password_hash_seconds", "", hash_);
    std::string last_name;
    for (const auto& [key, c] : named_) {
        const std::string name = key.substr(0, key.find('{'));
        if (name != last_name) {
            out += "# TYPE " + name + " counter\n";
            last_name = name;
        }
        out += key + " " + std::to_string(c->value.load(std::memory_order_relaxed)) + "\n";
    }
    for (const auto& g : gauges) {
        out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n" + g.name +
               " " + format_number(g.value) + "\n";
    }
    return out;
}

}  // namespace latchkey
