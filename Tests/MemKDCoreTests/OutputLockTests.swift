import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// `OutputLock`: one writer per output path, released when the holder goes away.
@Suite("Output locks")
struct OutputLockTests {
  @Test("a second claim fails at once naming the path, a waiting claim gets it once released")
  func exclusive() throws {
    let directory = try TestFiles.temporaryDirectory()
    let path = directory.appendingPathComponent("out.h5").path
    var first: OutputLock? = try OutputLock(for: path)
    let error = #expect(throws: OutputLockError.self) { _ = try OutputLock(for: path) }
    #expect(error?.busy == true)
    #expect(
      error?.description
        == "\(path): another MemKD process is writing this file (it holds "
        + "\(OutputLock.lockPath(for: path))); wait for it or choose another output")
    #expect(first != nil)
    first = nil
    _ = try OutputLock(for: path, wait: true)
  }

  @Test("a folder's lock lies beside it; a missing directory is an error, not a busy lock")
  func placesAndFailures() throws {
    #expect(OutputLock.lockPath(for: "/runs/students/") == "/runs/.students.lock")
    let missing = "/nonexistent-\(UUID().uuidString)/out.h5"
    let error = #expect(throws: OutputLockError.self) { _ = try OutputLock(for: missing) }
    #expect(error?.busy == false)
    #expect(error?.description.hasPrefix("\(missing): cannot lock it with") == true)
  }
}
