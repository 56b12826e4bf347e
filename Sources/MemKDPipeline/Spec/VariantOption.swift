import MemKDCore
import Yams

/// One value of an option, read from one scalar: how it was written (for `axes`), what it is
/// (to reject a list that repeats a value) and how it changes the variant being built.
struct OptionSetting<Target> {
  var text: String
  var identity: AnyHashable
  var apply: (inout Target) -> Void
}

/// An option that a teacher or student variant can take, as a reader of one scalar.
///
/// Why a table of these instead of one `switch` per key: every option may be written as a list
/// (an ablation axis), so each must be readable several times and applied to several copies of
/// the variant; a table also gives the allowed-keys list for error messages for free.
struct VariantOption<Target> {
  var key: String
  var read: (YAMLReader, Node, String) throws -> OptionSetting<Target>

  static func number(
    _ key: String, _ requirement: NumberRequirement,
    _ set: @escaping (inout Target, Double) -> Void
  ) -> Self {
    Self(key: key) { reader, node, path in
      let value = try reader.number(node, path: path, requirement)
      return OptionSetting(text: node.scalar?.string ?? "\(value)", identity: value) {
        set(&$0, value)
      }
    }
  }

  static func choice<Value: RawRepresentable & CaseIterable>(
    _ key: String, _ type: Value.Type, _ set: @escaping (inout Target, Value) -> Void
  ) -> Self where Value.RawValue == String {
    Self(key: key) { reader, node, path in
      let value = try reader.choice(node, path: path, type)
      return OptionSetting(text: value.rawValue, identity: value.rawValue) { set(&$0, value) }
    }
  }
}

extension VariantOption {
  /// The option a MemKDCore field describes: the scalar becomes an `OptionValue` and the field's
  /// rule accepts or rejects it with the message the CLI and Python give too.
  init(field: OptionField<Target>) {
    self.init(key: field.key) { reader, node, path in
      let value = try reader.optionValue(node, path: path)
      let canonical: OptionValue
      do {
        canonical = try field.rule.accept(value, key: field.key)
      } catch let error as OptionError {
        throw reader.error(node, path, error.description)
      }
      let text: String
      if case .text(let choice) = canonical {
        text = choice
      } else {
        text = node.scalar?.string ?? "\(value)"
      }
      return OptionSetting(text: text, identity: canonical) { try? field.set(canonical, in: &$0) }
    }
  }
}

/// An option as written in the file: one setting, or several when the value is a list.
struct WrittenOption<Target> {
  var key: String
  var isAxis: Bool
  var settings: [OptionSetting<Target>]
}

extension YAMLReader {
  /// Reads `entry` with `option`: a scalar gives one setting, a list one per element (an axis).
  /// An empty list and a list repeating a value are errors.
  func written<Target>(
    _ entry: Entry, as option: VariantOption<Target>
  ) throws -> WrittenOption<Target> {
    let (isList, elements) = try items(
      entry.value, path: entry.path, what: "a value or a non-empty list of values")
    var settings: [OptionSetting<Target>] = []
    var seen: [AnyHashable: String] = [:]
    for (node, path) in elements {
      let setting = try option.read(self, node, path)
      if let first = seen[setting.identity] {
        throw error(node, path, "duplicate value '\(setting.text)' in the list (also \(first))")
      }
      seen[setting.identity] = path
      settings.append(setting)
    }
    return WrittenOption(key: option.key, isAxis: isList, settings: settings)
  }
}

/// How many variants `crossProduct` would make, or nil when the count overflows `Int`: checked
/// first, so a file of many list-valued options is an error instead of gigabytes of variants.
func variantCount<Target>(_ options: [WrittenOption<Target>]) -> Int? {
  var count = 1
  for option in options {
    let (product, overflow) = count.multipliedReportingOverflow(by: option.settings.count)
    if overflow { return nil }
    count = product
  }
  return count
}

extension PipelineSpec {
  /// Variants one teacher block or one student entry may expand to.
  public static let maximumVariants = 10_000
  /// Seeds a pipeline may train every student with.
  public static let maximumSeeds = 1_000

  static func tooManyVariants(_ count: Int?) -> String {
    "its list-valued options make \(count.map(String.init) ?? "more than 2^63") variants; "
      + "at most \(maximumVariants) are allowed (split the study into several files)"
  }
}

/// Every combination of the written options applied to `base`, with the axes that produced it
/// (key -> value as written, list-valued options only).
///
/// Order: the first option varies slowest and each option's values keep their written order, so
/// the variants read like nested loops over the file's keys.
func crossProduct<Target>(
  _ options: [WrittenOption<Target>], from base: Target
) -> [(variant: Target, axes: [String: String])] {
  var result: [(variant: Target, axes: [String: String])] = [(base, [:])]
  for option in options {
    result = result.flatMap { partial in
      option.settings.map { setting in
        var variant = partial.variant
        setting.apply(&variant)
        var axes = partial.axes
        if option.isAxis { axes[option.key] = setting.text }
        return (variant, axes)
      }
    }
  }
  return result
}
