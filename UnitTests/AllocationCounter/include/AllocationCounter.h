#ifndef CASCADE_ALLOCATION_COUNTER_H
#define CASCADE_ALLOCATION_COUNTER_H

// Counts heap allocations made by the calling thread, as SwiftNIO's allocation tests do: this
// target defines malloc and its siblings in the test executable, which the dynamic linker then
// prefers over libc's for the whole process, and forwards each call to glibc's own entry points.

#ifdef __cplusplus
extern "C" {
#endif

/// Starts counting this thread's allocations from zero.
void cascade_allocations_start(void);
/// Stops counting and returns how many allocations (malloc, calloc, realloc, aligned) this
/// thread made since `cascade_allocations_start`.
long cascade_allocations_stop(void);

#ifdef __cplusplus
}
#endif

#endif
