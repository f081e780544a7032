# Obtains the pinned llama.cpp source and adds it to the build.
#
# Order of preference:
#   1. LLAMA_CPP_DIR (CMake variable or environment): any compatible llama.cpp checkout.
#   2. The cache directory (LLAMA_SAE_CACHE_DIR, default ~/.cache/llama-sae): reused across
#      clean builds and clones, so `mvn clean` never refetches or rebuilds the source tree.
#   3. The npm package node-llama-cpp@3.22.1, whose llama/gitRelease.bundle is a git bundle of
#      upstream llama.cpp. The tarball's sha256 is verified before anything is unpacked.

set(LLAMA_SAE_NPM_PACKAGE "node-llama-cpp@3.22.1")
set(LLAMA_SAE_NPM_SHA256 "a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f")

if(NOT LLAMA_CPP_DIR AND DEFINED ENV{LLAMA_CPP_DIR})
  set(LLAMA_CPP_DIR "$ENV{LLAMA_CPP_DIR}")
endif()

if(NOT LLAMA_CPP_DIR)
  if(DEFINED ENV{LLAMA_SAE_CACHE_DIR})
    set(_cache "$ENV{LLAMA_SAE_CACHE_DIR}")
  else()
    set(_cache "$ENV{HOME}/.cache/llama-sae")
  endif()
  set(LLAMA_CPP_DIR "${_cache}/llama.cpp-node-llama-cpp-3.22.1")
  if(NOT EXISTS "${LLAMA_CPP_DIR}/include/llama.h")
    find_program(NPM npm REQUIRED)
    find_program(GIT git REQUIRED)
    set(_work "${_cache}/fetch-tmp")
    file(REMOVE_RECURSE "${_work}")
    file(MAKE_DIRECTORY "${_work}")
    message(STATUS "llama-sae: fetching ${LLAMA_SAE_NPM_PACKAGE} (pinned llama.cpp source)")
    execute_process(COMMAND ${NPM} pack ${LLAMA_SAE_NPM_PACKAGE} --silent
                    WORKING_DIRECTORY "${_work}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _tgz
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "llama-sae: 'npm pack ${LLAMA_SAE_NPM_PACKAGE}' failed (${_rc}). "
                          "Set LLAMA_CPP_DIR to a llama.cpp checkout to build offline.")
    endif()
    file(GLOB _tgz "${_work}/node-llama-cpp-*.tgz")
    file(SHA256 "${_tgz}" _sha)
    if(NOT _sha STREQUAL LLAMA_SAE_NPM_SHA256)
      message(FATAL_ERROR "llama-sae: ${_tgz} has sha256 ${_sha}, expected ${LLAMA_SAE_NPM_SHA256}")
    endif()
    execute_process(COMMAND tar xzf "${_tgz}" package/llama/gitRelease.bundle
                    WORKING_DIRECTORY "${_work}" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "llama-sae: could not unpack llama/gitRelease.bundle from ${_tgz}")
    endif()
    # Clone into a temporary name first, then rename: an interrupted fetch leaves no half tree.
    execute_process(COMMAND ${GIT} -c advice.detachedHead=false clone --quiet "${_work}/package/llama/gitRelease.bundle" "${_work}/llama.cpp"
                    RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "llama-sae: git clone of the llama.cpp bundle failed")
    endif()
    file(RENAME "${_work}/llama.cpp" "${LLAMA_CPP_DIR}")
    file(REMOVE_RECURSE "${_work}")
  endif()
endif()

if(NOT EXISTS "${LLAMA_CPP_DIR}/include/llama.h")
  message(FATAL_ERROR "llama-sae: LLAMA_CPP_DIR=${LLAMA_CPP_DIR} does not contain include/llama.h")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/LlamaCppPatch.cmake)  # sets LLAMA_SAE_LLAMA_PATCHED
message(STATUS "llama-sae: llama.cpp source at ${LLAMA_CPP_DIR}")

# Library only: no tests, examples, tools, server, app, network code.
set(LLAMA_BUILD_TESTS    OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TOOLS    OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_SERVER   OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_APP      OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_COMMON   OFF CACHE BOOL "" FORCE)
set(LLAMA_CURL           OFF CACHE BOOL "" FORCE)
set(LLAMA_OPENSSL        OFF CACHE BOOL "" FORCE)
# Portable and fast CPU code: ggml's CPU backend is built once per x86-64 feature level
# (libggml-cpu-x64.so ... libggml-cpu-sapphirerapids.so, as llama.cpp's own releases do) and the
# engine loads the best one for the machine it runs on (native/src/backend_loader.cpp). The jar
# then runs on any x86-64 CPU and still uses AVX-512, VNNI, BF16 or AMX where they exist.
# LLAMA_SAE_CPU_ALL_VARIANTS=OFF builds a single module (AVX2 level) for quick local builds.
option(LLAMA_SAE_CPU_ALL_VARIANTS "Build ggml's CPU backend for every x86-64 feature level (runtime dispatch)" ON)
set(GGML_NATIVE            OFF CACHE BOOL "" FORCE)
set(GGML_BACKEND_DL        ON  CACHE BOOL "" FORCE)
set(GGML_CPU_ALL_VARIANTS  ${LLAMA_SAE_CPU_ALL_VARIANTS} CACHE BOOL "" FORCE)
set(GGML_CUDA ${LLAMA_SAE_CUDA} CACHE BOOL "" FORCE)

add_subdirectory("${LLAMA_CPP_DIR}" "${CMAKE_BINARY_DIR}/llama.cpp" EXCLUDE_FROM_ALL)
