// SwiftPM builds a C target only from a source file; the declaration in include/ is all it holds.
#include "CFuzzer.h"
