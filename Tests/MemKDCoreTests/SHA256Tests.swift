import Foundation
import Testing

@testable import MemKDCore

/// SHA-256 against the FIPS 180-2 vectors and `sha256sum`.
@Suite("SHA256")
struct SHA256Tests {
  @Test(
    "FIPS 180-2 test vectors",
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
    ])
  func vectors(message: String, digest: String) {
    #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    #expect(SHA256.hexDigest(message.utf8) == digest)
    #expect(SHA256.hash(Array(message.utf8)).count == 32)
  }

  @Test(
    "the SHA-extension kernel and the portable one give the same digests",
    .enabled(if: SHA256.hardwareAvailable))
  func hardwareKernelAgrees() {
    var generator = SeededGenerator(seed: 17)
    // Lengths around the padding boundary, one and several blocks, and a large buffer (the
    // kernel takes all whole blocks of an update at once).
    for length in [0, 3, 55, 56, 63, 64, 65, 127, 128, 1000, 4096, 100_003] {
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      SHA256.useHardware(false)
      let portable = SHA256.hash(bytes)
      SHA256.useHardware(true)
      #expect(SHA256.hash(bytes) == portable, "length \(length)")
    }
    SHA256.useHardware(false)
    let million = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000)) == million)
    SHA256.useHardware(true)
    #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000)) == million)
  }

  @Test("one million 'a'")
  func millionA() {
    let digest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000)) == digest)
  }

  @Test("an array's digest is that of its little-endian element bytes (numpy's tobytes())")
  func elementDigest() {
    let values: [Float] = [1, -2.5, .greatestFiniteMagnitude]
    let bytes = values.flatMap { value in
      (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern.littleEndian >> (8 * $0)) }
    }
    #expect(SHA256.hexDigest(ofElements: values) == SHA256.hexDigest(bytes))
    #expect(SHA256.hexDigest(ofElements: [Float]()) == SHA256.hexDigest([UInt8]()))
  }

  @Test("non-contiguous sequences and every padding length near a block boundary")
  func sequencesAndLengths() {
    for length in [55, 56, 57, 63, 64, 65, 119, 120, 5000] {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      let lazy = (0..<length).lazy.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      #expect(SHA256.hash(lazy) == SHA256.hash(bytes), "length \(length)")
    }
  }

  @Test(
    "a file's digest equals sha256sum's",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum")))
  func fileDigest() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("data.bin")
      var generator = SystemRandomNumberGenerator()
      let bytes = (0..<1_300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
      try Data(bytes).write(to: URL(fileURLWithPath: path))

      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
      process.arguments = [path]
      let output = Pipe()
      process.standardOutput = output
      try process.run()
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      let expected = String(text.prefix(64))

      #expect(try SHA256.hexDigest(ofFile: path) == expected)
      #expect(SHA256.hexDigest(bytes) == expected)
    }
  }

  @Test("a missing file is an error naming it")
  func missingFile() throws {
    let path = "/nonexistent/memkd/data.bin"
    #expect(throws: SHA256.FileError(path: path, message: "no such file")) {
      _ = try SHA256.hexDigest(ofFile: path)
    }
  }
}
