import Foundation

/// SHA-256 (FIPS 180-4) of bytes or of a file.
///
/// Why a local implementation: results and checkpoints record the digest of the files they were
/// made from, so a rerun can prove it used the same data; Foundation on Linux has no hashing API
/// and swift-crypto would be a large dependency for one function. The file variant streams in
/// 1 MiB chunks, so data sets larger than memory can be hashed.
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

/// The running state of one SHA-256 computation: eight hash words, a partial block, and the
/// message length.
private struct SHA256State {
  private var words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19
  )
  private var block = [UInt8](repeating: 0, count: 64)
  private var blockCount = 0
  private var messageBytes: UInt64 = 0

  /// Round constants: the first 32 bits of the fractional parts of the cube roots of the first
  /// 64 primes.
  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
    messageBytes &+= UInt64(bytes.count)
    var index = 0
    while index < bytes.count {
      let take = min(64 - blockCount, bytes.count - index)
      for offset in 0..<take {
        block[blockCount + offset] = bytes[index + offset]
      }
      blockCount += take
      index += take
      if blockCount == 64 {
        compress()
        blockCount = 0
      }
    }
  }

  /// Pads (0x80, zeros, 64-bit big-endian bit length) and returns the big-endian digest.
  mutating func finish() -> [UInt8] {
    let bitLength = messageBytes &* 8
    var padding: [UInt8] = [0x80]
    let afterMarker = (blockCount + 1) % 64
    let zeros = afterMarker <= 56 ? 56 - afterMarker : 120 - afterMarker
    padding += [UInt8](repeating: 0, count: zeros)
    padding += (0..<8).map { UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * UInt64($0))) }
    let savedLength = messageBytes
    padding.withUnsafeBufferPointer { update($0) }
    messageBytes = savedLength
    let list = [words.0, words.1, words.2, words.3, words.4, words.5, words.6, words.7]
    return list.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
  }

  private mutating func compress() {
    var schedule = [UInt32](repeating: 0, count: 64)
    for t in 0..<16 {
      schedule[t] =
        UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16
        | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
    }
    for t in 16..<64 {
      let s0 = rotr(schedule[t - 15], 7) ^ rotr(schedule[t - 15], 18) ^ (schedule[t - 15] >> 3)
      let s1 = rotr(schedule[t - 2], 17) ^ rotr(schedule[t - 2], 19) ^ (schedule[t - 2] >> 10)
      schedule[t] = schedule[t - 16] &+ s0 &+ schedule[t - 7] &+ s1
    }
    var (a, b, c, d, e, f, g, h) = words
    for t in 0..<64 {
      let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
      let choice = (e & f) ^ (~e & g)
      let temp1 = h &+ s1 &+ choice &+ SHA256State.k[t] &+ schedule[t]
      let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
      let majority = (a & b) ^ (a & c) ^ (b & c)
      let temp2 = s0 &+ majority
      (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
    }
    words = (
      words.0 &+ a, words.1 &+ b, words.2 &+ c, words.3 &+ d, words.4 &+ e, words.5 &+ f,
      words.6 &+ g, words.7 &+ h
    )
  }

  private func rotr(_ value: UInt32, _ amount: UInt32) -> UInt32 {
    (value >> amount) | (value << (32 - amount))
  }
}
