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
#include <stdlib.h>

__attribute__((constructor)) static void llama_sae_openmp_wait_policy(void) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
}
