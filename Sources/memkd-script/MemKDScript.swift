import ArgumentParser
import MemKDCore

@main
struct MemKDScript: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memkd-script",
    abstract: "Train recurrent teachers and distil tiny students on UCR time-series data.",
    version: MemKDVersion.string,
    subcommands: [
      TrainTeacher.self, Trace.self, Distill.self, Evaluate.self, Inspect.self, Run.self,
      Status.self, Submit.self,
      Report.self, Step.self, ExportC.self, Profile.self, Options.self,
    ])
}
