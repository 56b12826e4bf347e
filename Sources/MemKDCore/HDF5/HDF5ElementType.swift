internal import CHDF5

/// The element types MemKD stores in HDF5 datasets.
///
/// Why only four: checkpoints and results hold model weights and counters, and every one of them
/// is a float32, float64, int32 or int64 array that numpy/h5py reads without conversion. Files are
/// always written little-endian (IEEE 754 / two's complement); big-endian files written elsewhere
/// are recognised as the same element types and converted by HDF5 on read.
public enum HDF5ElementType: String, Sendable, Equatable {
  case float32, float64, int32, int64
}

/// A Swift type that can be stored as an HDF5 dataset element: `Float`, `Double`, `Int32`, `Int64`.
///
/// Why a protocol: the *memory* type handed to `H5Dread`/`H5Dwrite` must come from the Swift
/// element type, never from the file, so a float64 dataset can never be read into `[Float]`
/// storage. A conforming type must have exactly the size and bit layout of its
/// `hdf5ElementType`; the wrappers check the size and refuse the call otherwise.
public protocol HDF5Scalar: Sendable, BitwiseCopyable {
  /// The element type this Swift type is stored as.
  static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Scalar {
  public static var hdf5ElementType: HDF5ElementType { .float32 }
}

extension Double: HDF5Scalar {
  public static var hdf5ElementType: HDF5ElementType { .float64 }
}

extension Int32: HDF5Scalar {
  public static var hdf5ElementType: HDF5ElementType { .int32 }
}

extension Int64: HDF5Scalar {
  public static var hdf5ElementType: HDF5ElementType { .int64 }
}

extension HDF5ElementType {
  /// Bytes per element, in memory and on disk.
  var byteCount: Int {
    switch self {
    case .float32, .int32: 4
    case .float64, .int64: 8
    }
  }

  /// The native in-memory type passed to `H5Dread`/`H5Dwrite`/`H5Aread`/`H5Awrite`.
  var memoryType: hid_t {
    switch self {
    case .float32: chdf5_native_float()
    case .float64: chdf5_native_double()
    case .int32: chdf5_native_int32()
    case .int64: chdf5_native_int64()
    }
  }

  /// The little-endian on-disk type MemKD writes.
  var fileType: hid_t {
    switch self {
    case .float32: chdf5_ieee_f32le()
    case .float64: chdf5_ieee_f64le()
    case .int32: chdf5_std_i32le()
    case .int64: chdf5_std_i64le()
    }
  }

  /// The same layout in big-endian order, which HDF5 converts on read.
  private var bigEndianFileType: hid_t {
    switch self {
    case .float32: chdf5_ieee_f32be()
    case .float64: chdf5_ieee_f64be()
    case .int32: chdf5_std_i32be()
    case .int64: chdf5_std_i64be()
    }
  }

  /// Which of the four element types a stored datatype is, or nil for anything else (unsigned or
  /// short integers, half floats, strings, compounds, ...).
  ///
  /// The corresponding C function is `H5Tequal`.
  static func matching(_ type: hid_t) -> HDF5ElementType? {
    for candidate in [HDF5ElementType.float32, .float64, .int32, .int64] {
      if H5Tequal(type, candidate.fileType) > 0 || H5Tequal(type, candidate.bigEndianFileType) > 0 {
        return candidate
      }
    }
    return nil
  }

  /// A short numpy-style name for any stored datatype, for error messages: `float64`, `uint16`,
  /// `string`, `compound`, ...
  ///
  /// The corresponding C functions are `H5Tget_class`, `H5Tget_size` and `H5Tget_sign`.
  static func describe(_ type: hid_t) -> String {
    if let known = matching(type) { return known.rawValue }
    let bits = H5Tget_size(type) * 8
    switch H5Tget_class(type) {
    case H5T_INTEGER: return H5Tget_sign(type) == H5T_SGN_NONE ? "uint\(bits)" : "int\(bits)"
    case H5T_FLOAT: return "float\(bits)"
    case H5T_STRING: return "string"
    case H5T_BITFIELD: return "bitfield\(bits)"
    case H5T_OPAQUE: return "opaque (\(bits / 8) bytes)"
    case H5T_COMPOUND: return "compound"
    case H5T_REFERENCE: return "reference"
    case H5T_ENUM: return "enum"
    case H5T_VLEN: return "variable-length sequence"
    case H5T_ARRAY: return "array"
    case H5T_TIME: return "time"
    default: return "unknown HDF5 type"
    }
  }

  /// HDF5's own class name and the element size, e.g. `HDF5 class H5T_INTEGER, 1 byte`, so an
  /// unsupported dataset can be looked up in the HDF5 documentation.
  ///
  /// The corresponding C functions are `H5Tget_class` and `H5Tget_size`.
  static func classAndSize(_ type: hid_t) -> String {
    let names: [(H5T_class_t, String)] = [
      (H5T_INTEGER, "H5T_INTEGER"), (H5T_FLOAT, "H5T_FLOAT"), (H5T_TIME, "H5T_TIME"),
      (H5T_STRING, "H5T_STRING"), (H5T_BITFIELD, "H5T_BITFIELD"), (H5T_OPAQUE, "H5T_OPAQUE"),
      (H5T_COMPOUND, "H5T_COMPOUND"), (H5T_REFERENCE, "H5T_REFERENCE"), (H5T_ENUM, "H5T_ENUM"),
      (H5T_VLEN, "H5T_VLEN"), (H5T_ARRAY, "H5T_ARRAY"),
    ]
    let typeClass = H5Tget_class(type)
    let name = names.first { $0.0 == typeClass }?.1 ?? "unknown"
    let size = H5Tget_size(type)
    return "HDF5 class \(name), \(size) byte\(size == 1 ? "" : "s")"
  }
}
