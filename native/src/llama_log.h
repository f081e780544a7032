// Where llama.cpp's and ggml's log goes: filtered to stderr by level (LLAMA_SAE_VERBOSE), and
// captured on the calling thread while a LogCapture is alive, so a failed load can report
// llama.cpp's own reason instead of a fixed sentence.
#pragma once

#include <string>
#include <vector>

namespace llama_sae {

// Routes llama.cpp's and ggml's log through the engine's filter (idempotent).
void install_log_filter();

// 0: errors only, 1: warnings, 2: everything.
void set_log_level(int level);

// Collects the error and warning lines llama.cpp logs on this thread while it lives.
class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    LogCapture(const LogCapture &) = delete;
    LogCapture & operator=(const LogCapture &) = delete;

    // The most specific reason among the captured lines: the text after "error loading model: "
    // when llama.cpp logged one, else the last error line, else ""; one line, trimmed.
    std::string reason() const;

    void add(int level, const char * text);

private:
    std::vector<std::string> errors_;
    std::string partial_;
    int partial_level_ = 0;
    LogCapture * previous_;
};

}  // namespace llama_sae
