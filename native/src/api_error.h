// Thread-local last-error string and the helpers that keep C++ exceptions inside the C API.
#pragma once

#include "llama_sae.h"

#include <stdexcept>
#include <string>

namespace llama_sae {

// An error with a C API status code; thrown inside the engine, turned into a status at the API edge.
struct ApiError : std::runtime_error {
    int32_t status;
    ApiError(int32_t s, const std::string & msg) : std::runtime_error(msg), status(s) {}
};

void set_last_error(const std::string & msg);
void clear_last_error();

// Runs fn and converts any exception into a status code plus last-error message.
template <typename Fn>
int32_t guarded(Fn && fn) {
    try {
        clear_last_error();
        fn();
        return LLAMA_SAE_OK;
    } catch (const ApiError & e) {
        set_last_error(e.what());
        return e.status;
    } catch (const std::bad_alloc &) {
        set_last_error("out of memory");
        return LLAMA_SAE_ERR_INTERNAL;
    } catch (const std::exception & e) {
        set_last_error(std::string("internal error: ") + e.what());
        return LLAMA_SAE_ERR_INTERNAL;
    } catch (...) {
        set_last_error("internal error: unknown exception");
        return LLAMA_SAE_ERR_INTERNAL;
    }
}

[[noreturn]] inline void fail(int32_t status, const std::string & msg) { throw ApiError(status, msg); }

}  // namespace llama_sae
