import MemKDCore
import Testing

@testable import MemKDPipeline

@Suite("Pipeline variants")
struct VariantLabelTests {
  @Test("labels list the axes sorted by key")
  func labels() {
    let student = StudentVariant(method: .memkd, axes: ["terms": "short", "normalization": "none"])
    #expect(student.label == "memkd normalization=none terms=short")
    #expect(TeacherVariant().label == "teacher")
  }

  @Test("a student's defaults: the method's beta grid and MemKD options only for MemKD")
  func defaults() {
    #expect(StudentVariant(method: .memkd).betaGrid == [1, 10, 100])
    #expect(StudentVariant(method: .memkd).memkd == MemKDSpec())
    #expect(StudentVariant(method: .fitnet).memkd == nil)
    #expect(StudentVariant(method: .base).betaGrid == [0])
  }
}
