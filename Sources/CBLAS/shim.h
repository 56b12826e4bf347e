// CBLAS: OpenBLAS's C interface (Debian libopenblas-dev).
// blasint is a 32-bit C int in Debian's build, so every size is Int32 in Swift.
#ifndef MEMKD_CBLAS_SHIM_H
#define MEMKD_CBLAS_SHIM_H
#include <cblas.h>
// mallopt: the engine keeps its large per-batch buffers on the heap (see BLASRuntime).
#include <malloc.h>

// In-place square roots of n non-negative values. Swift's `squareRoot()` goes through C's
// `sqrtf`, which may set errno, so each value becomes `sqrtss` plus a libm fallback branch and
// never vectorises; `__builtin_elementwise_sqrt` is LLVM's `llvm.sqrt` (correctly rounded, no
// errno), which the loop vectoriser turns into `vsqrtps`. Same bits as `squareRoot()`.
static inline void memkd_sqrt_f32(float *values, long n) {
  for (long i = 0; i < n; i++) values[i] = __builtin_elementwise_sqrt(values[i]);
}
static inline void memkd_sqrt_f64(double *values, long n) {
  for (long i = 0; i < n; i++) values[i] = __builtin_elementwise_sqrt(values[i]);
}
#endif
