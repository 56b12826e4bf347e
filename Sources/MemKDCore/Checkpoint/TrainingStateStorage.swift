/// The `/resume` group of a checkpoint: a `TeacherTraining.State`, stored so that reading it
/// back gives a bit-identical state (float32 tensors as datasets, exact Doubles as float64
/// attributes, the generator state as its int64 bit pattern, histories as JSON).
///
/// Layout (docs/checkpoint-format.md):
/// - `/resume` attributes `runs_json`, `best_index` (-1: none yet), `has_current`
/// - `/resume/best_run/<key>`: weights of the best finished initialisation
/// - `/resume/current`: attributes `adam_step`, `adam_learning_rate`, `shuffle_state`,
///   `best_loss`, `best_epoch`, `finished`, `seconds`, `plateau` (1 when on),
///   `plateau_best`, `plateau_bad_epochs`, `epochs_json`; groups `parameters`, `best`,
///   `adam_m`, `adam_v` holding one dataset per `state_dict` key.
enum TrainingStateStorage {
  static func write(_ state: TeacherTraining.State, config: ModelConfig, to root: HDF5Group) throws
  {
    let group = try root.createGroup("resume")
    try JSONAttribute.write(state.runs, "runs_json", on: group)
    try group.setAttribute("best_index", state.bestIndex ?? -1)
    if let best = state.bestParameters {
      try ParameterStorage.write(
        best.tensors, config: config, to: try group.createGroup("best_run"), compress: false)
    }
    try group.setAttribute("has_current", state.current == nil ? 0 : 1)
    guard let current = state.current else { return }
    let run = try group.createGroup("current")
    try run.setAttribute("adam_step", current.optimizer.step)
    try run.setAttribute("adam_learning_rate", current.optimizer.learningRate)
    try run.setAttribute("shuffle_state", current.shuffles.state.storedBits)
    try run.setAttribute("best_loss", current.bestLoss)
    try run.setAttribute("best_epoch", current.bestEpoch)
    try run.setAttribute("finished", current.finished ? 1 : 0)
    try run.setAttribute("seconds", current.seconds)
    try run.setAttribute("plateau", current.schedule == nil ? 0 : 1)
    try run.setAttribute("plateau_best", current.schedule?.best ?? .infinity)
    try run.setAttribute("plateau_bad_epochs", current.schedule?.badEpochs ?? 0)
    try JSONAttribute.write(current.epochs, "epochs_json", on: run)
    let tensors: [(String, [[Float]])] = [
      ("parameters", current.parameters.tensors), ("best", current.best.tensors),
      ("adam_m", current.optimizer.firstMoments), ("adam_v", current.optimizer.secondMoments),
    ]
    for (name, values) in tensors where !values.isEmpty {
      try ParameterStorage.write(
        values, config: config, to: try run.createGroup(name), compress: false)
    }
  }

  static func read(
    config: ModelConfig, training: TrainingConfig, from root: HDF5Group
  ) throws -> TeacherTraining.State {
    let group = try root.openGroup("resume")
    let runs = try JSONAttribute.read([TeacherTraining.Run].self, "runs_json", from: group)
    let bestIndex = try group.intAttribute("best_index")
    guard bestIndex >= -1, bestIndex < runs.count else {
      throw FileFormatError.invalid(
        file: root.file, message: "/resume best_index \(bestIndex) with \(runs.count) runs")
    }
    var state = TeacherTraining.State(runs: runs, bestIndex: bestIndex >= 0 ? bestIndex : nil)
    if bestIndex >= 0 {
      state.bestParameters = try ModelParameters(
        config: config,
        tensors: try ParameterStorage.read(config: config, from: try group.openGroup("best_run")))
    }
    guard try group.intAttribute("has_current") != 0 else { return state }
    let run = try group.openGroup("current")
    func tensors(_ name: String) throws -> ModelParameters<Float> {
      try ModelParameters(
        config: config,
        tensors: try ParameterStorage.read(config: config, from: try run.openGroup(name)))
    }
    let step = try run.intAttribute("adam_step")
    let moments =
      step > 0 ? (try tensors("adam_m").tensors, try tensors("adam_v").tensors) : ([], [])
    let schedule =
      try run.intAttribute("plateau") != 0
      ? PlateauSchedule(
        patience: training.plateauPatience ?? 0, factor: training.plateauFactor,
        best: try run.doubleAttribute("plateau_best"),
        badEpochs: try run.intAttribute("plateau_bad_epochs"))
      : nil
    state.current = TrainingState(
      parameters: try tensors("parameters"),
      optimizer: Adam(
        learningRate: try run.doubleAttribute("adam_learning_rate"), step: step,
        firstMoments: moments.0, secondMoments: moments.1),
      // The generator's whole state is its one word, which `init(seed:)` sets.
      shuffles: SeededGenerator(seed: UInt64(storedBits: try run.intAttribute("shuffle_state"))),
      schedule: schedule, best: try tensors("best"), bestLoss: try run.doubleAttribute("best_loss"),
      bestEpoch: try run.intAttribute("best_epoch"),
      epochs: try JSONAttribute.read([EpochReport].self, "epochs_json", from: run),
      finished: try run.intAttribute("finished") != 0, seconds: try run.doubleAttribute("seconds"))
    return state
  }
}
