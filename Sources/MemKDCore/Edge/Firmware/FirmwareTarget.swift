/// A board an exported student is built for: two Cortex-M microcontrollers, emulated by QEMU's
/// Arm MPS2 FPGA images, and the host (the machine's own `cc`, to check the vectors natively).
///
/// Both MPS2 images map 4 MiB of code memory at 0x00000000 and 4 MiB of data memory at
/// 0x20000000 (`FirmwareSources.linkerScript`). The Cortex-M4F build uses its single-precision
/// FPU (hard float); the Cortex-M3 has none, so every float operation of the step is a call
/// into libgcc's software floating point: the same IEEE single-precision results, many more
/// instructions.
public enum FirmwareTarget: String, CaseIterable, Sendable, Codable {
  case cortexM4 = "cortex-m4"
  case cortexM3 = "cortex-m3"
  case host

  /// One line for comments and reports.
  public var summary: String {
    switch self {
    case .cortexM4: "Arm Cortex-M4F, hard float (QEMU mps2-an386)"
    case .cortexM3: "Arm Cortex-M3, software float (QEMU mps2-an385)"
    case .host: "this machine's C compiler (cc), run natively"
    }
  }

  /// Whether the firmware runs on an emulated Cortex-M board (with SysTick timing).
  public var isMicrocontroller: Bool { self != .host }

  /// The C compiler driver.
  public var compiler: String { isMicrocontroller ? "arm-none-eabi-gcc" : "cc" }

  /// The `size` tool for the flash figure (Berkeley format: text, data, bss).
  public var sizeTool: String { isMicrocontroller ? "arm-none-eabi-size" : "size" }

  /// Flags that select the core and its floating-point ABI (compiling and linking).
  public var cpuFlags: [String] {
    switch self {
    case .cortexM4: ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
    case .cortexM3: ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]
    case .host: []
    }
  }

  /// Compile flags of every object. `-Wdouble-promotion` keeps double arithmetic (software
  /// emulated on both cores) out of the model's code.
  public var compileFlags: [String] {
    cpuFlags + [
      "-std=c99", "-O2", "-Wall", "-Wextra", "-Wdouble-promotion", "-ffunction-sections",
      "-fdata-sections",
    ]
  }

  /// Link flags: newlib-nano with semihosting (`rdimon`) for printf through the debugger
  /// channel, our own startup code and linker script, unused sections dropped.
  public var linkFlags: [String] {
    guard isMicrocontroller else { return [] }
    return cpuFlags + [
      "-specs=nano.specs", "-specs=rdimon.specs", "-u", "_printf_float", "-nostartfiles",
      "-T", "link.ld", "-Wl,--gc-sections",
    ]
  }

  /// QEMU's machine for the core, nil for the host.
  public var qemuMachine: String? {
    switch self {
    case .cortexM4: "mps2-an386"
    case .cortexM3: "mps2-an385"
    case .host: nil
    }
  }

  /// The emulator command line before `-kernel firmware.elf`. `-icount shift=0` advances the
  /// virtual clock by exactly 1 ns per instruction, which makes SysTick count instructions
  /// (deterministically), not the host's time.
  public var emulatorCommand: [String]? {
    qemuMachine.map {
      ["qemu-system-arm", "-M", $0, "-nographic", "-semihosting", "-icount", "shift=0"]
    }
  }

  /// The programs a build and run of this target needs, and the Debian packages holding them.
  public var requiredTools: [(program: String, package: String)] {
    guard isMicrocontroller else { return [("cc", "gcc"), ("make", "make"), ("size", "binutils")] }
    return [
      ("arm-none-eabi-gcc", "gcc-arm-none-eabi"), ("arm-none-eabi-size", "binutils-arm-none-eabi"),
      ("qemu-system-arm", "qemu-system-arm"), ("make", "make"),
    ]
  }

  /// Throws naming every missing program and its package (newlib is checked by the link).
  public func checkTools() throws {
    let missing = requiredTools.filter { ExternalTool.which($0.program) == nil }
    guard missing.isEmpty else {
      throw ExternalToolError(
        "target \(rawValue) needs "
          + missing.map { "\($0.program) (Debian package \($0.package))" }
          .joined(separator: ", ") + "; install with apt-get install --no-install-recommends "
          + (missing.map(\.package) + (isMicrocontroller ? ["libnewlib-arm-none-eabi"] : []))
          .joined(separator: " "))
    }
  }
}
