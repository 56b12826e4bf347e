/// The machine's measured single-precision matrix-product rate: what the benchmark compares
/// teacher training against ("GFLOP/s as a fraction of sgemm").
///
/// Why measured, not looked up: the CPU model differs between sessions (AVX2 or AVX-512, clock
/// speed, a neighbour on the other core), so a peak figure from a data sheet says little; the
/// rate of the same BLAS, in the same process and run, on the same cores, is the honest bound.
public enum MatrixProductRate {
  /// GFLOP/s of `threads` concurrent single-threaded `[n, n] x [n, n]` sgemm calls (each
  /// thread its own matrices, as the training shards run), summed over threads; the best of
  /// `repeats` rounds of `calls` products per thread.
  public static func sgemmGFLOPS(size n: Int = 512, threads: Int, calls: Int = 8, repeats: Int = 5)
    -> Double
  {
    precondition(n > 0 && threads > 0 && calls > 0 && repeats > 0, "sgemm rate: empty workload")
    BLASRuntime.configure()
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<repeats {
      let start = clock.now
      _ = parallelMap(threads, threads: threads) { thread in
        var generator = SeededGenerator(seed: UInt64(thread))
        let a = (0..<(n * n)).map { _ in Float(generator.uniform(-1.0, 1.0)) }
        let b = (0..<(n * n)).map { _ in Float(generator.uniform(-1.0, 1.0)) }
        var c = [Float](repeating: 0, count: n * n)
        for _ in 0..<calls {
          Kernels.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, beta: 1, c: &c, ldc: n)
        }
        return c[0]
      }
      best = min(best, (clock.now - start).seconds)
    }
    // The fill of a and b is inside the timed region; at n = 512 it is < 1 % of the products.
    return Double(threads * calls) * 2 * Double(n * n * n) / best / 1e9
  }
}
