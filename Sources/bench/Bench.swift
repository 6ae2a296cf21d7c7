import ArgumentParser

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "DistillBench: knowledge distillation for top-N recommendation, under one protocol.",
        subcommands: [Tune.self])
}
