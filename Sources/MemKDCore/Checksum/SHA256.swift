internal import CSHA256
import Foundation

/// SHA-256 (FIPS 180-4) of bytes or of a file.
///
/// Why a local implementation: results and checkpoints record the digest of the files they were
/// made from, so a rerun can prove it used the same data, and every dataset MemKD writes carries
/// the digest of its values; Foundation on Linux has no hashing API and swift-crypto would be a
/// large dependency for one function. The compression kernel is C (Sources/CSHA256), compiled
/// with optimisation in every configuration. The file variant streams in 1 MiB chunks, so data
/// sets larger than memory can be hashed.
public enum SHA256 {
  /// The 32-byte digest of `bytes`.
  public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var state = SHA256State()
    let handled: Void? = bytes.withContiguousStorageIfAvailable { state.update($0) }
    if handled == nil {
      var chunk: [UInt8] = []
      chunk.reserveCapacity(4096)
      for byte in bytes {
        chunk.append(byte)
        if chunk.count == 4096 {
          chunk.withUnsafeBufferPointer { state.update($0) }
          chunk.removeAll(keepingCapacity: true)
        }
      }
      chunk.withUnsafeBufferPointer { state.update($0) }
    }
    return state.finish()
  }

  /// The digest of `bytes` as 64 lowercase hex characters (what `sha256sum` prints).
  public static func hexDigest(_ bytes: some Sequence<UInt8>) -> String {
    hex(hash(bytes))
  }

  /// The digest of the elements' bytes as they lie in memory (little-endian on every platform
  /// MemKD builds for): what `hashlib.sha256(array.tobytes())` gives for the same numpy array.
  public static func hexDigest<T: BitwiseCopyable>(ofElements values: [T]) -> String {
    values.withUnsafeBytes { raw in raw.withMemoryRebound(to: UInt8.self) { hexDigest($0) } }
  }

  /// The digest of the file at `path`, read in chunks; errors name the path.
  public static func hexDigest(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
      throw FileError(path: path, message: reason)
    }
    defer { try? handle.close() }
    var state = SHA256State()
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: 1 << 20)
      } catch {
        throw FileError(path: path, message: "read failed: \(error.localizedDescription)")
      }
      guard let chunk, !chunk.isEmpty else { break }
      chunk.withUnsafeBytes { state.update($0.bindMemory(to: UInt8.self)) }
    }
    return hex(state.finish())
  }

  /// True when this CPU has the x86 SHA extensions, which the compression then uses (the
  /// digests are the same either way; tests compare the two kernels).
  public static var hardwareAvailable: Bool { csha256_hardware_available() != 0 }

  /// Uses the SHA extensions (when available) or the portable C kernel from now on, in the whole
  /// process. For tests and benchmarks only: both give the same digests.
  static func useHardware(_ enabled: Bool) { csha256_use_hardware(enabled ? 1 : 0) }

  /// A file that could not be hashed: `description` is "<path>: <message>".
  public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
      self.path = path
      self.message = message
    }

    public var description: String { "\(path): \(message)" }
  }

  private static func hex(_ digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(digest.count * 2)
    for byte in digest {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}

/// The running state of one SHA-256 computation (the C kernel's state, held by value).
private struct SHA256State {
  private var state = csha256_state()

  init() { csha256_init(&state) }

  mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
    csha256_update(&state, bytes.baseAddress, bytes.count)
  }

  /// Pads and returns the 32-byte digest.
  mutating func finish() -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: 32) { digest, initialized in
      csha256_finish(&state, digest.baseAddress!)
      initialized = 32
    }
  }
}
