/// The seeded, class-stratified train/validation hold-out of PROTOCOL.md ("Data": 20 % of train).
///
/// Why stratified: several datasets have few series per class (Adiac: ~10), and a plain random
/// hold-out could leave a class out of training or validation entirely. Why its own "split"
/// stream: adding draws elsewhere (initialisation, shuffling) never changes which series are held
/// out for a given seed.
public enum StratifiedSplit {
  /// Seeded stratified train/validation split: for each class (ascending), shuffle its indices with
  /// one SeededGenerator.stream(seed: seed, "split"), put round(fraction * n_c) of them (at most
  /// n_c - 1; so a class with one series stays in train) in validation. Both returned index lists
  /// sorted ascending.
  ///
  /// `round` is half away from zero (Swift's `rounded()`); the validation series of a class are the
  /// first ones of its shuffled index list. Shapes: `labels` [N]; `train` and `validation` are
  /// disjoint, ascending, and together are 0..<N. `validationFraction` must be in [0, 1].
  public static func split(labels: [Int], validationFraction: Double = 0.2, seed: UInt64)
    -> (train: [Int], validation: [Int])
  {
    precondition(
      validationFraction >= 0 && validationFraction <= 1,
      "validationFraction must be in [0, 1], got \(validationFraction)")
    var byClass: [Int: [Int]] = [:]
    for (index, label) in labels.enumerated() {
      byClass[label, default: []].append(index)
    }
    var generator = SeededGenerator.stream(seed: seed, "split")
    var train: [Int] = []
    var validation: [Int] = []
    train.reserveCapacity(labels.count)
    for label in byClass.keys.sorted() {
      var indices = byClass[label]!  // ascending, since labels are scanned in order
      generator.shuffle(&indices)
      let wanted = Int((validationFraction * Double(indices.count)).rounded())
      let held = max(0, min(wanted, indices.count - 1))
      validation.append(contentsOf: indices[..<held])
      train.append(contentsOf: indices[held...])
    }
    train.sort()
    validation.sort()
    return (train, validation)
  }
}
