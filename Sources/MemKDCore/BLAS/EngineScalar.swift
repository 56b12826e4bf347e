internal import CBLAS
import RealModule

/// The floating-point types the recurrent engine runs in: `Float` for training and inference, `Double`
/// for gradient checks against finite differences.
///
/// Why a protocol and not two copies of the engine: every numerical routine is written once,
/// generically; the only per-type code is the BLAS entry point (`cblas_sgemm` / `cblas_dgemm`).
public protocol EngineScalar: BinaryFloatingPoint, Real, Codable, Sendable, SIMDScalar,
  GateActivations
where RawSignificand: FixedWidthInteger {
  /// Row-major `C[m, n] = alpha * op(A) * op(B) + beta * C` (BLAS GEMM).
  ///
  /// `op(A)` is `[m, k]` (stored `[k, m]` when `transA`), `op(B)` is `[k, n]` (stored `[n, k]`
  /// when `transB`); `lda`, `ldb`, `ldc` are the row strides of the stored matrices in elements.
  /// Implementation detail of the kernels in `BLAS/`: call `Kernels.gemm` instead.
  static func _gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

  /// `values[i] = values[i].squareRoot()` for `i < count`, vectorised (the shim's
  /// `memkd_sqrt_*`; a Swift `squareRoot()` loop stays scalar). Bit-identical to the loop.
  static func _squareRootInPlace(_ values: UnsafeMutablePointer<Self>, count: Int)
}

/// BLAS sizes are 32-bit C ints in Debian's OpenBLAS (`blasint`); a larger size is a programming
/// error in the caller, never silently truncated.
@inline(__always)
func blasInt(_ value: Int) -> Int32 {
  guard let converted = Int32(exactly: value) else {
    preconditionFailure("BLAS dimension \(value) does not fit a 32-bit blasint")
  }
  return converted
}

@inline(__always)
func blasTranspose(_ transposed: Bool) -> CBLAS_TRANSPOSE {
  transposed ? CblasTrans : CblasNoTrans
}

extension Float: EngineScalar {
  public static func _gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, blasTranspose(transA), blasTranspose(transB),
      blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
      beta, c, blasInt(ldc))
  }

  public static func _squareRootInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
    memkd_sqrt_f32(values, count)
  }
}

extension Double: EngineScalar {
  public static func _gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, blasTranspose(transA), blasTranspose(transB),
      blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
      beta, c, blasInt(ldc))
  }

  public static func _squareRootInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
    memkd_sqrt_f64(values, count)
  }
}

/// Process-wide BLAS settings.
public enum BLASRuntime {
  /// OpenBLAS runs single-threaded: on the 2-core target machines two BLAS threads are slower at
  /// our shapes and stall badly under load (interop-probe.md, section B). Parallelism comes from
  /// independent runs in separate processes. Also makes results independent of the thread count.
  /// Idempotent; every engine entry point calls it.
  public static func configure() {
    _ = configured
  }

  private static let configured: Bool = {
    openblas_set_num_threads(1)
    #if os(Linux)
      // A teacher batch allocates tens of MB of activations and gradients (e.g. gates
      // [T, B, 4H] = 5 MB per layer). glibc serves such blocks with mmap and returns them with
      // munmap, so every batch page-faults its memory in again (measured: ~8 % of a teacher
      // epoch). Keeping large blocks on the heap and not trimming it makes them reusable.
      _ = mallopt(M_MMAP_THRESHOLD, 512 << 20)
      _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
    #endif
    return true
  }()

  /// OpenBLAS's build description, for benchmark reports.
  public static var configuration: String {
    guard let text = openblas_get_config() else { return "unknown" }
    return String(cString: text)
  }
}
