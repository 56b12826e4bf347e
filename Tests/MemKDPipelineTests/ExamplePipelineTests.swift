import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDPipeline

/// The pipeline files shipped in `examples/` are commands in the README and the Makefile: each
/// must stay valid as the spec rules grow (a label collision, say), and name its variants apart.
@Suite("The example pipeline files")
struct ExamplePipelineTests {
  static var files: [String] {
    let folder = TestFiles.repositoryRoot.appendingPathComponent("examples")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map {
      folder.appendingPathComponent($0).path
    }
  }

  @Test("examples/ has the pipeline files the README names")
  func present() {
    let names = Self.files.map { URL(fileURLWithPath: $0).lastPathComponent }
    for name in [
      "quickstart.yaml", "paper.yaml", "paper-ablation.yaml", "paper-student-recipe.yaml",
      "paper-small-data.yaml", "paper-adiac-teacher-lr.yaml", "paper-dkd-grid.yaml",
      "paper-fair.yaml", "wearables.yaml", "cells.yaml",
    ] {
      #expect(names.contains(name), "\(name) missing from examples/")
    }
  }

  @Test(
    "every example parses, and its student variants have distinct labels (per select: point)",
    arguments: files)
  func parses(path: String) throws {
    let spec = try PipelineSpec.load(path: path)
    let labels = spec.students.map { $0.label + " " + selectionText($0.selection) }
    #expect(Set(labels).count == labels.count, "\(labels)")
    #expect(!spec.datasets.isEmpty)
  }
}
