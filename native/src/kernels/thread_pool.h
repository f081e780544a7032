// A tiny persistent thread pool: parallel_for(n_tasks, fn) runs fn(task, worker) for every task
// in [0, n_tasks) on the pool's workers plus the calling thread, and returns when all are done.
// Tasks are handed out dynamically (one atomic counter), so uneven tasks balance themselves.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace llama_sae {

class ThreadPool {
public:
    /// n_threads: total threads that run tasks, the caller included; <= 0 means
    /// std::thread::hardware_concurrency(). n_threads == 1 runs everything on the caller.
    explicit ThreadPool(int n_threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    /// Threads that execute tasks (workers + caller); worker ids passed to fn are in [0, size()).
    int size() const { return n_threads_; }

    /// Runs fn(task, worker) for task in [0, n_tasks). Blocks until all tasks finished.
    /// If tasks throw, the remaining tasks are skipped and the first exception is rethrown here.
    /// Not reentrant: do not call parallel_for from inside fn, nor from two threads at once.
    void parallel_for(int64_t n_tasks, const std::function<void(int64_t task, int worker)>& fn);

private:
    void worker_loop(int worker);
    void run_tasks(int worker);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mu_;
    std::condition_variable start_cv_;
    std::condition_variable done_cv_;
    uint64_t generation_ = 0;   // bumped per parallel_for; workers wake on a new value
    int active_workers_ = 0;    // workers still inside the current generation
    bool stop_ = false;
    const std::function<void(int64_t, int)>* fn_ = nullptr;
    int64_t n_tasks_ = 0;
    std::atomic<int64_t> next_task_{0};
    std::exception_ptr error_;  // first exception thrown by a task (guarded by mu_)
};

/// Runs fn over [0, n_tasks) on pool, or serially on the caller (worker 0) when pool is null.
void parallel_for(ThreadPool* pool, int64_t n_tasks, const std::function<void(int64_t, int)>& fn);

}  // namespace llama_sae
