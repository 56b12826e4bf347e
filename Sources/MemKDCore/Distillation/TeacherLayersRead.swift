// Which teacher layers each loss reads (see `DistillationLoss.teacherLayersRead`): the same
// defaults as the losses' own `evaluate` (last layer, FitNet the middle one, logit losses none).

extension KnowledgeDistillationLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [] }
}

extension DKDLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [] }
}

extension RKDLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [layerCount - 1] }
}

extension MemKDLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [teacherLayer ?? layerCount - 1] }
}

extension AttentionTransferLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [teacherLayer ?? layerCount - 1] }
}

extension NSTLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [teacherLayer ?? layerCount - 1] }
}

extension VIDLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [teacherLayer ?? layerCount - 1] }
}

extension DT2WLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [teacherLayer ?? layerCount - 1] }
}

extension FitNetLoss {
  public func teacherLayersRead(layerCount: Int) -> [Int] { [teacherLayer ?? layerCount / 2] }
}
