/// The student training methods the paper compares: Base (cross-entropy only), eight
/// distillation baselines, and MemKD.
public enum DistillationMethod: String, CaseIterable, Codable, Sendable {
  case base
  case baseKD = "base-kd"
  case dkd, at, rkd, vid, nst, fitnet, dt2w, memkd

  /// The reference implementations' default weight; the beta grid multiplies it by
  /// {0.1, 1, 10} (METHODS.md). MemKD's anchor is 10 (grid {1, 10, 100}).
  public var anchorWeight: Double {
    switch self {
    case .base: return 0
    case .baseKD, .dkd, .rkd, .vid: return 1
    case .at: return 1000
    case .nst: return 50
    case .fitnet: return 100
    case .dt2w: return 0.01
    case .memkd: return 10
    }
  }

  /// The default beta grid: the anchor weight times {0.1, 1, 10}; Base has no beta.
  public var defaultBetaGrid: [Double] {
    self == .base ? [0] : [0.1, 1, 10].map { $0 * anchorWeight }
  }

  /// Rejects MemKD's options given for another method: the one message of the CLI, the
  /// pipeline files and Python.
  /// - Throws: `OptionError.conflict` naming the first such key of `keys`.
  public func rejectMemKDOptions(in keys: [String]) throws {
    guard self != .memkd else { return }
    let memkdKeys = Set(MemKDLoss.optionKeys)
    if let key = keys.first(where: memkdKeys.contains) {
      throw OptionError.conflict(
        key: key, message: "'\(key)' is a memkd option; method \(rawValue) does not take it")
    }
  }

  /// The loss with its default options (MemKD's options from `memkd`); nil for Base.
  public func loss(memkd: MemKDLoss = MemKDLoss()) -> (any DistillationLoss)? {
    switch self {
    case .base: return nil
    case .baseKD: return KnowledgeDistillationLoss()
    case .dkd: return DKDLoss()
    case .at: return AttentionTransferLoss()
    case .rkd: return RKDLoss()
    case .vid: return VIDLoss()
    case .nst: return NSTLoss()
    case .fitnet: return FitNetLoss()
    case .dt2w: return DT2WLoss()
    case .memkd: return memkd
    }
  }
}
