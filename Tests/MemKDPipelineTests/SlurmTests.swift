import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDPipeline

/// What Slurm's commands print, parsed (the answers are those of slurm-wlm 22.05), and the
/// job array script `submit` writes.
@Suite("Slurm commands and job scripts")
struct SlurmTests {
  @Test("array task notation")
  func taskIndices() {
    #expect(SlurmQueue.taskIndices("3") == [3])
    #expect(SlurmQueue.taskIndices("0-3") == [0, 1, 2, 3])
    #expect(SlurmQueue.taskIndices("[0-3,7]") == [0, 1, 2, 3, 7])
    #expect(SlurmQueue.taskIndices("1-7:3") == [1, 4, 7])
    #expect(SlurmQueue.taskIndices("0-3%2") == [0, 1, 2, 3])
    #expect(SlurmQueue.taskIndices("N/A").isEmpty)
  }

  @Test("task states from scontrol (ended), squeue (live) and sacct; unknown without Slurm")
  func arrayTaskStates() {
    let queue = SlurmQueue(runner: { arguments in
      switch arguments[0] {
      case "scontrol":
        return (
          0,
          """
          JobId=12 ArrayJobId=11 ArrayTaskId=1 JobName=memkd-q JobState=CANCELLED Reason=None
          JobId=11 ArrayJobId=11 ArrayTaskId=0 JobName=memkd-q JobState=RUNNING Reason=None
          JobId=11 ArrayJobId=11 ArrayTaskId=2-3 JobName=memkd-q JobState=PENDING Reason=None

          """, ""
        )
      case "sacct": return (1, "", "Slurm accounting storage is disabled\n")
      case "squeue": return (0, "0 RUNNING\n2 PENDING\n3 PENDING\n", "")
      default: return nil
      }
    })
    #expect(
      queue.arrayTaskStates(job: "11") == [
        0: .active("RUNNING"), 1: .ended("CANCELLED"), 2: .active("PENDING"),
        3: .active("PENDING"),
      ])
    let accounting = SlurmQueue(runner: { arguments in
      arguments[0] == "sacct" ? (0, "11_0|COMPLETED\n11_1|CANCELLED by 0\n", "") : nil
    })
    #expect(
      accounting.arrayTaskStates(job: "11") == [0: .ended("COMPLETED"), 1: .ended("CANCELLED")])
    #expect(SlurmQueue(runner: { _ in nil }).arrayTaskStates(job: "11").isEmpty)
    #expect(SlurmQueue(runner: { _ in nil }).state(ofJob: "11") == .unknown)
    // Nothing printed: hidden (PrivateData=jobs) or another cluster's job, not an ended one.
    #expect(SlurmQueue(runner: { _ in (0, "", "") }).state(ofJob: "11") == .unknown)
    #expect(
      SlurmQueue(runner: { _ in (1, "", "slurm_load_jobs error: Invalid job id specified\n") })
        .state(ofJob: "11") == .ended("GONE"))
    #expect(
      SlurmQueue(runner: { _ in (0, "COMPLETING\n", "") }).state(ofJob: "11")
        == .active("COMPLETING"))
  }

  static func job(runDir: String = "/shared/runs/q", dataRoot: String? = "/shared/ucr")
    -> SlurmArrayJob
  {
    SlurmArrayJob(
      tasks: 4, partition: "short", time: "1:00:00", cpusPerTask: 2, retries: 1, lease: 300,
      executable: "/opt/memkd/bin/memkd-script", pipelineFile: "/home/me/it's/paper.yaml",
      runDir: runDir, workingDirectory: "/home/me", dataRoot: dataRoot, name: "paper protocol")
  }

  @Test("the job script: one task per shard, logs in the run folder, paths quoted")
  func script() throws {
    let script = Self.job().script
    for line in [
      "#SBATCH --job-name=memkd-paper-protocol",
      "#SBATCH --array=0-3",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --output=/shared/runs/q/slurm/logs/%A_%a.log",
      "#SBATCH --chdir=/home/me",
      "#SBATCH --partition=short",
      "#SBATCH --time=1:00:00",
      "export MEMKD_DATA_ROOT='/shared/ucr'",
      "exec '/opt/memkd/bin/memkd-script' run '/home/me/it'\\''s/paper.yaml' --out '/shared/runs/q'"
        + " --shard \"$SLURM_ARRAY_TASK_ID/4\" --jobs 2 --retries 1 --lock-lease 300 --plain",
    ] {
      #expect(script.contains(line + "\n"), "\(line)")
    }
    try Self.job().validate()
    #expect(!Self.job(dataRoot: nil).script.contains("MEMKD_DATA_ROOT"))
  }

  @Test("paths and values a job script cannot carry are errors that name them")
  func invalid() {
    let cases: [(SlurmArrayJob, String)] = [
      (Self.job(runDir: "runs/q"), "run folder path must be absolute"),
      (Self.job(runDir: "/runs/100%"), "'%' or spaces"),
      (Self.job(runDir: "/my runs/q"), "'%' or spaces"),
      (
        {
          var job = Self.job()
          job.partition = "a b"
          return job
        }(), "--partition 'a b'"
      ),
    ]
    for (job, fragment) in cases {
      #expect {
        try job.validate()
      } throws: { error in
        "\(error)".contains(fragment)
      }
    }
  }

  @Test("submissions are recorded in the run folder, newest last")
  func submissions() throws {
    let folder = RunFolder(path: try TestFiles.temporaryDirectory("memkd-slurm-runs").path)
    #expect(try folder.slurmSubmissions().isEmpty)
    try folder.recordSlurmSubmission(SlurmSubmission(job: "7", tasks: 2, submitted: 1))
    try folder.recordSlurmSubmission(SlurmSubmission(job: "9", tasks: 2, submitted: 2))
    #expect(try folder.slurmSubmissions().map(\.job) == ["7", "9"])
    try FileManager.default.createDirectory(
      atPath: folder.slurmPath, withIntermediateDirectories: true)
    try #"[{"job": "3", "tasks": 0, "submitted": 1}]"#.write(
      toFile: folder.slurmJobsPath, atomically: true, encoding: .utf8)
    #expect {
      try folder.slurmSubmissions()
    } throws: { error in
      "\(error)".contains("has 0 tasks")
    }
    try "[{".write(toFile: folder.slurmJobsPath, atomically: true, encoding: .utf8)
    #expect {
      try folder.slurmSubmissions()
    } throws: { error in
      "\(error)".contains("jobs.json: not a list of submissions")
    }
  }
}
