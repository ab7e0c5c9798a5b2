// libFuzzer's entry for programs with a main of their own (compiler-rt FuzzerInterface.h):
// `cascade-fuzz` picks its target first, then hands the rest of its arguments to libFuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
