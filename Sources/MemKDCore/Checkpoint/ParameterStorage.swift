import Foundation

/// Model tensors in HDF5: one float32 dataset per PyTorch `state_dict` key, with PyTorch's
/// shape, so `{k: f["state_dict"][k][()] for k in f["state_dict"]}` is a state dict.
enum ParameterStorage {
  /// Writes `tensors` (in `ModelParameters` order) as datasets of `group`.
  static func write(
    _ tensors: [[Float]], config: ModelConfig, to group: HDF5Group, compress: Bool? = nil
  ) throws {
    let names = ModelParameters<Float>.names(for: config)
    let shapes = ModelParameters<Float>.shapes(for: config)
    for index in names.indices {
      try group.writeDataset(names[index], tensors[index], shape: shapes[index], compress: compress)
    }
  }

  /// Reads every tensor of `config` from `group`, checking each dataset's dtype and shape.
  static func read(config: ModelConfig, from group: HDF5Group) throws -> [[Float]] {
    let names = ModelParameters<Float>.names(for: config)
    let shapes = ModelParameters<Float>.shapes(for: config)
    return try names.indices.map { index in
      try group.readDataset(names[index], as: Float.self, expectedShape: shapes[index]).values
    }
  }
}

/// Codable values stored as one JSON string attribute (run records and epoch histories: nested,
/// variable-length data that h5py users read with `json.loads`).
enum JSONAttribute {
  static func write<T: Encodable>(_ value: T, _ name: String, on group: HDF5Group) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try group.setAttribute(name, String(decoding: try encoder.encode(value), as: UTF8.self))
  }

  static func read<T: Decodable>(_ type: T.Type, _ name: String, from group: HDF5Group) throws -> T
  {
    let text = try group.stringAttribute(name)
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      return try decoder.decode(T.self, from: Data(text.utf8))
    } catch {
      throw FileFormatError.invalid(
        file: group.file, message: "attribute \(group.path) \(name): invalid JSON (\(error))")
    }
  }
}
