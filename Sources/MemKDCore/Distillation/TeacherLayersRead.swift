// Which teacher layers each loss reads (see `DistillationLoss.teacherLayersRead`). This is the
// one place each loss's default layer is decided (last layer, FitNet the middle one, logit
// losses none): the losses' `evaluate` reads its layer from here, and the trainer gathers only
// these layers.

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
