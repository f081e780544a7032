// ThreadPool: every task runs exactly once, on a worker id in range, across repeated calls.
#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "thread_pool.h"

using namespace llama_sae;

int main() {
    for (int threads : {1, 2, 3, 5}) {
        ThreadPool pool(threads);
        KT_CHECK(pool.size() == threads, "size %d", pool.size());
        for (int64_t n : {0, 1, 2, 7, 1000}) {
            for (int rep = 0; rep < 20; ++rep) {
                std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
                for (auto& h : hits) h = 0;
                std::atomic<int> bad_worker{0};
                pool.parallel_for(n, [&](int64_t t, int w) {
                    hits[static_cast<size_t>(t)]++;
                    if (w < 0 || w >= threads) bad_worker++;
                });
                for (int64_t t = 0; t < n; ++t)
                    KT_CHECK(hits[static_cast<size_t>(t)] == 1, "threads %d n %lld task %lld ran %d times",
                             threads, static_cast<long long>(n), static_cast<long long>(t),
                             hits[static_cast<size_t>(t)].load());
                KT_CHECK(bad_worker == 0, "worker id out of range");
            }
        }
    }
    // A throwing task: the exception reaches the caller and the pool stays usable.
    {
        ThreadPool pool(3);
        bool caught = false;
        try {
            pool.parallel_for(100, [](int64_t t, int) {
                if (t == 37) throw std::runtime_error("task 37");
            });
        } catch (const std::runtime_error&) {
            caught = true;
        }
        KT_CHECK(caught, "exception from a task was not rethrown");
        std::atomic<int> n{0};
        pool.parallel_for(50, [&](int64_t, int) { n++; });
        KT_CHECK(n == 50, "pool after an exception ran %d of 50 tasks", n.load());
    }
    // Waiting workers sleep: an idle pool burns (almost) no CPU time. Shared machines need this.
    {
        ThreadPool pool(4);
        std::atomic<int> n{0};
        pool.parallel_for(64, [&](int64_t, int) { n++; });
        timespec a{}, b{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        const double cpu_ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
        KT_CHECK(cpu_ms < 30.0, "an idle pool of 4 threads used %.1f ms of CPU in 300 ms (spinning?)", cpu_ms);
    }
    ThreadPool dflt(0);
    KT_CHECK(dflt.size() >= 1, "default size %d", dflt.size());
    int serial = 0;
    parallel_for(nullptr, 5, [&](int64_t, int w) { serial += (w == 0); });
    KT_CHECK(serial == 5, "null pool ran %d of 5 tasks on worker 0", serial);
    return kt::finish("test_thread_pool");
}
