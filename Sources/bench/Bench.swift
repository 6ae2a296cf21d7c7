import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "DistillBench: knowledge distillation for top-N recommendation, every method under one protocol.",
        subcommands: [All.self, Run.self, Datasets.self, List.self, Perf.self, Tune.self])
}

/// Errors reach the user as one line naming the cause, with a non-zero exit.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: Error) { description = "\(error)" }
}

func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(2)
}
