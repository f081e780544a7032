# Applies the project's patches (cmake/patches/*.patch) to a COPY of the llama.cpp source.
#
# Input:  LLAMA_CPP_DIR (the pristine source: the shared cache or a user checkout), _cache.
# Output: LLAMA_CPP_DIR points at the patched copy; LLAMA_SAE_LLAMA_PATCHED is ON when every patch
#         applied (OFF, with a warning, when a user's LLAMA_CPP_DIR does not take them: the engine
#         then falls back to what unpatched llama.cpp can do).
#
# The shared source cache is never modified (other worktrees and branches build from it): the
# copy lives beside it in a folder named after the patches' hash, created under a temporary name
# and renamed when complete, so it is made once per patch set, reused by every later configure,
# and an interrupted copy leaves nothing half-patched behind.
set(LLAMA_SAE_LLAMA_PATCHED OFF)
file(GLOB _patches "${CMAKE_CURRENT_LIST_DIR}/patches/*.patch")
list(SORT _patches)
if(NOT _patches)
  return()
endif()
set(_all "")
foreach(_p ${_patches})
  file(SHA256 "${_p}" _h)
  string(APPEND _all "${_h}")
endforeach()
string(SHA256 _patch_hash "${_all}|${LLAMA_CPP_DIR}")
string(SUBSTRING "${_patch_hash}" 0 12 _patch_hash)
if(LLAMA_CPP_DIR STREQUAL "${_cache}/llama.cpp-node-llama-cpp-3.22.1")
  set(_patched "${LLAMA_CPP_DIR}-sae-${_patch_hash}")
else()
  set(_patched "${CMAKE_BINARY_DIR}/llama.cpp-sae-${_patch_hash}")
endif()

if(NOT EXISTS "${_patched}/.llama-sae-patched")
  find_program(GIT git REQUIRED)
  string(RANDOM LENGTH 8 _rnd)
  set(_tmp "${_patched}.tmp-${_rnd}")
  file(REMOVE_RECURSE "${_tmp}")
  message(STATUS "llama-sae: patching a copy of ${LLAMA_CPP_DIR} -> ${_patched}")
  file(COPY "${LLAMA_CPP_DIR}/" DESTINATION "${_tmp}" PATTERN ".git" EXCLUDE)
  set(_ok TRUE)
  foreach(_p ${_patches})
    execute_process(COMMAND ${GIT} apply -p1 "${_p}" WORKING_DIRECTORY "${_tmp}"
                    RESULT_VARIABLE _rc ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0)
      message(WARNING "llama-sae: ${_p} does not apply to ${LLAMA_CPP_DIR} (${_err}); building it unpatched: "
                      "capturing the last layer then also computes logits for the captured rows")
      set(_ok FALSE)
      break()
    endif()
  endforeach()
  if(NOT _ok)
    file(REMOVE_RECURSE "${_tmp}")
    return()
  endif()
  file(WRITE "${_tmp}/.llama-sae-patched" "${_patches}\n")
  # rename(2) refuses a non-empty target: if a concurrent configure finished first, keep its copy.
  execute_process(COMMAND ${CMAKE_COMMAND} -E rename "${_tmp}" "${_patched}" RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    file(REMOVE_RECURSE "${_tmp}")
    if(NOT EXISTS "${_patched}/.llama-sae-patched")
      message(FATAL_ERROR "llama-sae: could not create the patched copy ${_patched}")
    endif()
  endif()
endif()
set(LLAMA_CPP_DIR "${_patched}")
set(LLAMA_SAE_LLAMA_PATCHED ON)
