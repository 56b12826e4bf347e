import Foundation

/// A step's failed attempts, as recorded in `<run>/steps/<id>.failed` (JSON) until the step
/// succeeds. Files of older versions hold only the error text: one attempt.
public struct StepFailure: Codable, Equatable, Sendable {
  /// Failed attempts since the step last succeeded, by any process.
  public var attempts: Int
  /// The error of the last attempt.
  public var error: String
  /// Where the last attempt ran: host, and the Slurm array task when there was one.
  public var host: String?
  public var slurmArrayTask: String?

  enum CodingKeys: String, CodingKey {
    case attempts, error, host
    case slurmArrayTask = "slurm_array"
  }
}

extension RunFolder {
  /// The step's failed attempts, if its last attempt failed.
  public func failureRecord(_ id: String) -> StepFailure? {
    guard let data = FileManager.default.contents(atPath: failurePath(id)) else { return nil }
    if let record = try? Self.decoder.decode(StepFailure.self, from: data) { return record }
    return StepFailure(attempts: 1, error: String(decoding: data, as: UTF8.self))
  }

  /// Seconds since the step's last failure was recorded; nil when it has none.
  public func failureAge(_ id: String) -> Double? { Self.age(ofFile: failurePath(id)) }

  /// The error of the step's last attempt, if it failed.
  public func failure(_ id: String) -> String? { failureRecord(id)?.error }

  /// Records one more failed attempt of the step; returns the attempts so far.
  @discardableResult
  public func recordFailure(_ id: String, message: String) throws -> Int {
    try createSteps()
    let owner = LockOwner.current(lease: LockPolicy.defaultLease)
    let record = StepFailure(
      attempts: (failureRecord(id)?.attempts ?? 0) + 1, error: message, host: owner.host,
      slurmArrayTask: owner.slurmArrayTask)
    try writeJSON(record, to: failurePath(id))
    return record.attempts
  }
}
