#include "thread_pool.h"

namespace llama_sae {

ThreadPool::ThreadPool(int n_threads) {
    if (n_threads <= 0) {
        n_threads = static_cast<int>(std::thread::hardware_concurrency());
        if (n_threads <= 0) n_threads = 1;
    }
    n_threads_ = n_threads;
    workers_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int w = 1; w < n_threads_; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    start_cv_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::run_tasks(int worker) {
    for (;;) {
        const int64_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
        if (task >= n_tasks_) return;
        try {
            (*fn_)(task, worker);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mu_);
            if (!error_) error_ = std::current_exception();
            next_task_.store(n_tasks_, std::memory_order_relaxed);  // skip the rest
        }
    }
}

void ThreadPool::worker_loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
        }
        run_tasks(worker);
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (--active_workers_ == 0) done_cv_.notify_one();
        }
    }
}

void ThreadPool::parallel_for(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    if (n_tasks <= 0) return;
    if (workers_.empty() || n_tasks == 1) {
        for (int64_t t = 0; t < n_tasks; ++t) fn(t, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        fn_ = &fn;
        n_tasks_ = n_tasks;
        error_ = nullptr;
        next_task_.store(0, std::memory_order_relaxed);
        active_workers_ = static_cast<int>(workers_.size());
        ++generation_;
    }
    start_cv_.notify_all();
    run_tasks(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return active_workers_ == 0; });
    fn_ = nullptr;
    if (error_) {
        std::exception_ptr e = error_;
        error_ = nullptr;
        std::rethrow_exception(e);
    }
}

void parallel_for(ThreadPool* pool, int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    if (pool) {
        pool->parallel_for(n_tasks, fn);
    } else {
        for (int64_t t = 0; t < n_tasks; ++t) fn(t, 0);
    }
}

}  // namespace llama_sae
