/// Eight-lane vector access to runs of scalars, for the cells' elementwise kernels.
///
/// Why: the elementwise gate math of small layers (student H = 8) is most of an epoch; written
/// per scalar, LLVM cannot vectorise it (possible aliasing between the many buffers). Loading
/// `SIMD8` values explicitly makes every formula one vector operation, for Float and Double
/// alike, so the Double gradient checks exercise the same code. Runs whose length is not a
/// multiple of 8 finish with a zero-padded partial vector.
typealias Lanes<S: SIMDScalar> = SIMD8<S>

extension UnsafePointer where Pointee: SIMDScalar {
  /// `count` (1...8) values starting here, zero-padded to eight lanes.
  @inline(__always)
  func lanes(_ count: Int) -> Lanes<Pointee> {
    if count == 8 { return UnsafeRawPointer(self).loadUnaligned(as: Lanes<Pointee>.self) }
    var vector = Lanes<Pointee>()
    for lane in 0..<Swift.min(count, 8) { vector[lane] = self[lane] }
    return vector
  }
}

extension UnsafeMutablePointer where Pointee: SIMDScalar {
  @inline(__always)
  func lanes(_ count: Int) -> Lanes<Pointee> {
    UnsafePointer(self).lanes(count)
  }

  /// Stores the first `count` (1...8) lanes of `vector` here.
  @inline(__always)
  func store(_ vector: Lanes<Pointee>, _ count: Int) {
    if count == 8 {
      UnsafeMutableRawPointer(self).storeBytes(of: vector, as: Lanes<Pointee>.self)
      return
    }
    for lane in 0..<Swift.min(count, 8) { self[lane] = vector[lane] }
  }
}

/// Calls `body(offset, count)` for consecutive chunks of at most 8 covering `0..<total`.
///
/// Full chunks and the tail are two call sites: the inlined body of the first sees the constant
/// count 8, so its loads and stores lose their partial-vector branches (which, with release
/// checks on, kept the whole body from staying in vector registers).
@inline(__always)
func forEachLaneChunk(_ total: Int, _ body: (_ offset: Int, _ count: Int) -> Void) {
  var offset = 0
  while total - offset >= 8 {
    body(offset, 8)
    offset += 8
  }
  if offset < total { body(offset, total - offset) }
}
