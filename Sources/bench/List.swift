import ArgumentParser
import DistillKit

/// `bench list methods`: every registered method with its summary, source and defaults.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List registered things.", subcommands: [Methods.self])

    struct Methods: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Distillation methods and their defaults.")
        func run() {
            print("\(MethodRegistry.teacherKey)\n  the teacher model itself (a row of every table, not a method)")
            for m in MethodRegistry.all {
                let hp = m.defaults.keys.sorted().map { "\($0)=\(m.defaults[$0]!)" }.joined(separator: " ")
                print("\(m.key)\n  \(m.summary)\n  source: \(m.source)" + (hp.isEmpty ? "" : "\n  defaults: \(hp)"))
            }
        }
    }
}
