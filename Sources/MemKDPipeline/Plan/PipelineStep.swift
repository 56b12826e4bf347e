import MemKDCore

/// One unit of cached work in a pipeline run.
///
/// Steps form a small graph per dataset and teacher variant: `teacher` -> `trace` -> one
/// `student` step per (student variant, beta, seed). A step's `id` is a content hash of
/// everything its result depends on (see `PipelinePlan`), so an unchanged step is found done in
/// the run folder and skipped, and changing one option re-runs exactly the steps that read it.
public struct PipelineStep: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable, CaseIterable {
    case teacher, trace, student
  }

  public var kind: Kind
  /// `<kind>-<first 16 hex digits of hash>`: the step's folder name.
  public var id: String
  /// SHA-256 (hex) of the step's canonical inputs.
  public var hash: String
  /// Steps whose results this one reads (ids).
  public var dependencies: [String]
  public var dataset: String
  public var teacher: TeacherVariant
  /// Student steps only.
  public var student: StudentVariant?
  public var beta: Double?
  public var seed: UInt64?

  /// "teacher FaceAll", "student FaceAll memkd terms=short beta=10 seed=2" (teacher variant
  /// label added when not plain "teacher"; a `select:` point after the student's label, e.g.
  /// "student FaceAll memkd lr=0.01 beta=10 seed=2").
  public var label: String {
    var parts = [kind.rawValue, dataset]
    if teacher.label != "teacher" { parts.append("[\(teacher.label)]") }
    if let student { parts.append(student.label) }
    if let selection = student?.selection, !selection.isEmpty {
      parts.append(selectionText(selection))
    }
    if let beta, student?.method != .base { parts.append("beta=\(beta.shortDescription)") }
    if let seed { parts.append("seed=\(seed)") }
    return parts.joined(separator: " ")
  }
}

extension Double {
  /// `10`, `0.1`, `1e-05`: integers without a fraction, otherwise Swift's shortest form.
  var shortDescription: String {
    rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : description
  }
}
