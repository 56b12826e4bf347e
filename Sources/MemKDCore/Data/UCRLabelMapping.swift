/// The mapping from a dataset's raw label tokens to class indices 0..<C.
///
/// Why sorted over TRAIN and TEST together (PROTOCOL.md "Data"): the archive's labels are
/// arbitrary integers (1..K, -1/1, 0-based, sometimes with gaps); sorting gives every run the same
/// class order (a class only TEST has is then refused by `UCRDataset.load`, by name). Numeric
/// labels sort by value (so 2 < 10 and "1" and "1.0" are one class); if any token is not a
/// finite number, all sort lexicographically as strings.
struct UCRLabelMapping: Sendable, Equatable {
  /// The token of class k, [C]. For numeric labels, the first spelling seen of each value.
  let tokens: [String]
  private let indexByToken: [String: Int]

  /// Builds the mapping from every token of both splits (order of appearance only matters for
  /// which spelling of an equal numeric value is kept).
  init(_ allTokens: some Sequence<String>) {
    var unique: [String] = []
    var seen: Set<String> = []
    for token in allTokens where seen.insert(token).inserted {
      unique.append(token)
    }
    let numbers = unique.map { Double($0) }
    var indexByToken: [String: Int] = [:]
    if numbers.allSatisfy({ $0?.isFinite == true }) {
      var spelling: [Double: String] = [:]
      for (token, value) in zip(unique, numbers) where spelling[value!] == nil {
        spelling[value!] = token
      }
      let values = spelling.keys.sorted()
      let classOf = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
      for (token, value) in zip(unique, numbers) { indexByToken[token] = classOf[value!]! }
      tokens = values.map { spelling[$0]! }
    } else {
      tokens = unique.sorted()
      for (index, token) in tokens.enumerated() { indexByToken[token] = index }
    }
    self.indexByToken = indexByToken
  }

  /// The class index of a token that was passed to `init`.
  func index(of token: String) -> Int {
    guard let index = indexByToken[token] else {
      preconditionFailure("label '\(token)' was not part of the class mapping")
    }
    return index
  }
}
