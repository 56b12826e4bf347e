internal import CHDF5

/// Reading HDF5's error stack into Swift strings (h5py's recipe: silence, walk, clear).
///
/// Why walk the stack rather than keep HDF5's printing: the printed stack goes to stderr, far from
/// the failing call and unusable by the Python binding; walked into `HDF5Error.messages` it travels
/// with the error. Both the stack and the printing switch live per thread in this thread-safe
/// build, which is why `HDF5Site` silences on every entry rather than once.
enum HDF5ErrorStack {
  /// Switches off HDF5's automatic error printing for the calling thread.
  ///
  /// The corresponding C function is `H5Eset_auto2`.
  static func silenceAutomaticPrinting() {
    _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
  }

  /// Drops the calling thread's error stack after a failure that is an answer rather than an
  /// error (`H5Lexists` on a missing path, a close of an already-closed handle).
  ///
  /// The corresponding C function is `H5Eclear2`.
  static func discard() {
    _ = H5Eclear2(chdf5_e_default())
  }

  /// One raw stack entry, copied out during the walk. Formatting waits until the walk is over
  /// because `H5Eget_msg` is an API call, and API calls clear the very stack being walked.
  private struct Entry {
    var function: String
    var detail: String
    var minor: hid_t
  }

  /// The calling thread's error stack as `"<function>: <detail> (<minor message>)"` lines, outermost
  /// first and innermost last; the stack is cleared afterwards.
  ///
  /// The corresponding C functions are `H5Ewalk2`, `H5Eget_msg` and `H5Eclear2`.
  static func takeMessages() -> [String] {
    var entries: [Entry] = []
    withUnsafeMutablePointer(to: &entries) { pointer in
      _ = H5Ewalk2(
        chdf5_e_default(), H5E_WALK_DOWNWARD,
        { _, description, clientData in
          guard let description, let clientData else { return 0 }
          let error = description.pointee
          let entry = Entry(
            function: error.func_name.map { String(cString: $0) } ?? "?",
            detail: error.desc.map { String(cString: $0) } ?? "",
            minor: error.min_num)
          clientData.assumingMemoryBound(to: [Entry].self).pointee.append(entry)
          return 0
        }, pointer)
    }
    _ = H5Eclear2(chdf5_e_default())
    return entries.map { entry in
      var line = "\(entry.function): \(entry.detail)"
      if let minor = messageText(entry.minor), !minor.isEmpty {
        line += " (\(minor))"
      }
      return line
    }
  }

  /// The text of an HDF5 message id (a minor error such as "Object not found"), if it has one.
  ///
  /// The corresponding C function is `H5Eget_msg`.
  private static func messageText(_ id: hid_t) -> String? {
    var type = H5E_MINOR
    let length = H5Eget_msg(id, &type, nil, 0)
    guard length > 0, length < 4096 else { return nil }
    var buffer = [CChar](repeating: 0, count: length + 1)
    guard H5Eget_msg(id, &type, &buffer, buffer.count) > 0 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
