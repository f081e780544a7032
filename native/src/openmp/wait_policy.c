// OpenMP's wait policy for the engine, set before libgomp loads.
//
// ggml's CPU backend runs its threads in OpenMP parallel regions, and libgomp's default wait
// policy spins at every barrier and between regions: on a machine where another process competes
// for the cores, the spinning threads burn the time the preempted ones need (beside one CPU-bound
// process the demo's CPU time more than doubled). PASSIVE makes waiting threads sleep. libgomp
// reads the variable once, when it is loaded, and libggml-base needs it, so this library has no
// dependencies and is the first one the JNI glue loads (LlamaSaeLib's preload list). A value the
// user set is kept. Native programs linking the engine directly load libgomp before any code of
// theirs runs: set OMP_WAIT_POLICY=PASSIVE in their environment.
//
// Sleeping at once costs a futex wake-up at every op, which small models pay hundreds of times per
// decode step: validation of the demo model took 81 s with two threads against 52 s with one. A
// short spin first (GOMP_SPINCOUNT=10000, about 0.1 ms by libgomp's estimate of 100,000 spins per
// millisecond; with PASSIVE it overrides the zero spin) brings two threads to 39 s, and bounds what
// a waiting thread burns when the other is preempted (bench/results/2026-11-30-vm-validate.md).
#include <stdlib.h>

__attribute__((constructor)) static void llama_sae_openmp_wait_policy(void) {
    // Only when the user chose neither: an explicit OMP_WAIT_POLICY keeps libgomp's meaning of it.
    if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT")) setenv("GOMP_SPINCOUNT", "10000", 0);
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
}
