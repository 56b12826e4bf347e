import ArgumentParser
import MemKDCore

/// The teacher protocol's options on the command line: `Preprocessing`'s and `TeacherTraining`'s
/// fields as flags (`CoreOptionFlags`), so names, defaults and rules are MemKDCore's.
enum TeacherFlags {
  static let flags = CoreOptionFlags(
    groups: [
      .init("Preprocessing", Preprocessing()),
      .init("Teacher protocol", TeacherTraining.paper),
    ],
    renamed: ["--seeds": "--inits", "--plateau-patience": "--plateau"])

  /// The options given (explicitly) in `arguments`.
  static func given(_ arguments: [String]) throws -> [(key: String, value: OptionValue)] {
    try flags.parse(arguments)
  }

  /// The preprocessing and protocol `arguments` ask for, over the paper's defaults.
  /// - Throws: `ValidationError` with the option's one message.
  static func settings(_ arguments: [String], threads: Int) throws
    -> (preprocessing: Preprocessing, recipe: TeacherTraining)
  {
    let given = try given(arguments)
    var recipe = try CoreOptionFlags.apply(given, to: TeacherTraining.paper)
    recipe.threads = threads
    return (try CoreOptionFlags.apply(given, to: Preprocessing()), recipe)
  }
}
