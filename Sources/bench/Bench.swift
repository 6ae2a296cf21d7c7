import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "DistillBench: knowledge distillation for top-N recommendation, every method under one protocol.",
        subcommands: [All.self, Finalize.self, Status.self, Run.self, Check.self, Golden.self, Compare.self, Plot.self, Claims.self, ExportNotebook.self, Datasets.self, List.self, Perf.self, Tune.self])
}

/// Errors reach the user as one line naming the cause, with exit code 2.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(2)
}

/// `swift run bench` builds debug.  The numerics (DistillKit) are optimised in every
/// configuration, but the rest is not and cross-file inlining needs a release build: training is
/// about 2x slower than `-c release` (measured in issue 7), so say so before a long command.
func noteDebugBuild(quiet: Bool = false) {
    #if DEBUG
    if !quiet {
        FileHandle.standardError.write(Data("note: debug build: the numerics are optimised, but training runs about 2x slower than a release build; for whole suites use `swift run -c release bench ...` (or `make bench`)\n".utf8))
    }
    #endif
}
