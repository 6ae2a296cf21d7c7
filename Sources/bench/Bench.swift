import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "DistillBench: knowledge distillation for top-N recommendation, every method under one protocol.",
        subcommands: [All.self, Run.self, Check.self, Golden.self, Compare.self, Plot.self, Claims.self, ExportNotebook.self, Datasets.self, List.self, Perf.self, Tune.self])
}

/// Errors reach the user as one line naming the cause, with exit code 2.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(2)
}
