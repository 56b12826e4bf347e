/// The package version, recorded in every result and checkpoint.
public enum MemKDVersion {
  public static let string = "0.1.0"
}
