// CBLAS: OpenBLAS's C interface (Debian libopenblas-dev).
// blasint is a 32-bit C int in Debian's build, so every size is Int32 in Swift.
#ifndef MEMKD_CBLAS_SHIM_H
#define MEMKD_CBLAS_SHIM_H
#include <cblas.h>
// mallopt: the engine keeps its large per-batch buffers on the heap (see BLASRuntime).
#include <malloc.h>
#endif
