#include "llama_log.h"

#include "llama.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace llama_sae {

namespace {

std::atomic<int> g_log_level{-1};
thread_local LogCapture * t_capture = nullptr;

int log_level() {
    int lvl = g_log_level.load();
    if (lvl < 0) {
        const char * env = std::getenv("LLAMA_SAE_VERBOSE");
        lvl = env && *env ? std::atoi(env) : 0;
        g_log_level = lvl;
    }
    return lvl;
}

// llama.cpp logs every load step to stderr; a library embedded in other tools should be quiet.
// While a LogCapture is alive on this thread, errors go into it instead of stderr (they end up in
// the error message).
void log_filter(enum ggml_log_level level, const char * text, void *) {
    const int lvl = log_level();
    if (t_capture) {
        t_capture->add(level, text);
        if (lvl >= 2) std::fputs(text, stderr);
        return;
    }
    const bool show = level == GGML_LOG_LEVEL_ERROR || (lvl >= 1 && level == GGML_LOG_LEVEL_WARN) || lvl >= 2;
    if (show) std::fputs(text, stderr);
}

std::string trim(const std::string & s) {
    size_t a = 0, b = s.size();
    while (a < b && (s[a] == ' ' || s[a] == '\n' || s[a] == '\r' || s[a] == '\t')) a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\n' || s[b - 1] == '\r' || s[b - 1] == '\t')) b--;
    return s.substr(a, b - a);
}

}  // namespace

void install_log_filter() {
    static std::once_flag once;
    std::call_once(once, [] { llama_log_set(log_filter, nullptr); });
}

void set_log_level(int level) { g_log_level = level < 0 ? 0 : level; }

LogCapture::LogCapture() : previous_(t_capture) { t_capture = this; }

LogCapture::~LogCapture() { t_capture = previous_; }

void LogCapture::add(int level, const char * text) {
    // GGML_LOG_LEVEL_CONT continues the previous line at its level.
    if (level != GGML_LOG_LEVEL_CONT) partial_level_ = level;
    partial_ += text ? text : "";
    size_t nl;
    while ((nl = partial_.find('\n')) != std::string::npos) {
        std::string line = trim(partial_.substr(0, nl));
        partial_.erase(0, nl + 1);
        if (!line.empty() && (partial_level_ == GGML_LOG_LEVEL_ERROR || partial_level_ == GGML_LOG_LEVEL_WARN)) {
            errors_.push_back((partial_level_ == GGML_LOG_LEVEL_ERROR ? "E " : "W ") + line);
        }
    }
}

std::string LogCapture::reason() const {
    static const char * kMarker = "error loading model: ";
    for (const std::string & l : errors_) {
        const size_t at = l.find(kMarker);
        if (at != std::string::npos) return trim(l.substr(at + std::strlen(kMarker)));
    }
    // Otherwise the first error that is not one of llama.cpp's generic follow-up lines.
    for (const std::string & l : errors_) {
        if (l[0] != 'E' || l.find("failed to load model") != std::string::npos) continue;
        std::string text = trim(l.substr(2));
        const size_t colon = text.find(": ");  // drop the "function_name: " prefix
        if (colon != std::string::npos && text.find(' ') > colon) text = text.substr(colon + 2);
        return text;
    }
    return "";
}

}  // namespace llama_sae
