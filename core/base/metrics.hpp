#pragma once
// Process-wide counters and latency histograms, rendered in Prometheus' text format for
// /_latchkey/metrics. Label sets are few and fixed (contract, route, status, site), so each series
// is created once and then only counted: a shared lock to find it, relaxed atomics to count.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace latchkey {

class Metrics {
  public:
    static Metrics& process();

    // One answered request: counted by contract, method (GET HEAD POST PUT PATCH DELETE OPTIONS,
    // any other is "other"), route (the route table's path, or "unmatched") and status; its
    // duration goes into the contract/route histogram.
    void observe_request(std::string_view contract, std::string_view method, std::string_view route,
                         int status, double seconds);
    void observe_hash(double seconds);
    // A named counter with one `site` label (login failures, lockout refusals, ...).
    void count(std::string_view name, std::string_view site);

    // Every series, plus the gauges the caller measured just now (name, help, value).
    struct Gauge {
        std::string name;
        std::string help;
        double value;
    };
    std::string render(const std::initializer_list<Gauge>& gauges) const;

    static constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,   0.25,   0.5,   1,    2.5,   5};
    static constexpr std::size_t kBucketCount = std::size(kBuckets);

  private:
    struct Histogram {
        std::atomic<std::uint64_t> buckets[kBucketCount + 1]{};  // the last is +Inf
        std::atomic<std::uint64_t> count{0};
        std::atomic<std::uint64_t> sum_micros{0};
        void observe(double seconds);
    };
    struct Counter {
        std::atomic<std::uint64_t> value{0};
    };
    template <class Series>
    Series& series(std::map<std::string, std::unique_ptr<Series>, std::less<>>& family,
                   const std::string& labels);

    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<Counter>, std::less<>> requests_;   // labels
    std::map<std::string, std::unique_ptr<Histogram>, std::less<>> latency_;  // labels
    std::map<std::string, std::unique_ptr<Counter>, std::less<>> named_;      // name{labels}
    Histogram hash_;
};

}  // namespace latchkey
