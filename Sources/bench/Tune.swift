import ArgumentParser
import DistillKit
import Foundation

/// `bench tune`: a validation grid search over BPR-MF training settings (the search behind the
/// defaults is recorded in docs/tuning.md).  Reports validation metrics only, plus test for the
/// selected configuration of each grid point, clearly labelled.
struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Grid-search BPR-MF training settings on the validation split.")

    @Option(help: "Dataset name.") var dataset = "ml-100k"
    @Option(help: "Protocol: holdout or loo-499.") var `protocol` = "holdout"
    @Option(help: "Embedding dimension.") var dim = 200
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Comma-separated learning rates.") var lr = "0.001"
    @Option(help: "Comma-separated weight decays.") var wd = "0.001"
    @Option(help: "Comma-separated negatives per positive.") var negatives = "1"
    @Option(help: "Comma-separated init std.") var initStd = "0.01"
    @Option(help: "Comma-separated batch sizes.") var batch = "1024"
    @Option(help: "Maximum epochs.") var maxEpochs = 200
    @Option(help: "Threads.") var threads = 2

    func run() throws {
        noteDebugBuild()
        guard let p = EvaluationProtocol(rawValue: `protocol`) else { throw ValidationError("unknown protocol \(`protocol`)") }
        let data = try DatasetCatalog.load(dataset)
        let split = try Split.make(data, protocol: p, seed: seed)
        func list(_ s: String) -> [Double] { s.split(separator: ",").compactMap { Double($0) } }
        print("dataset\tdim\tlr\twd\tneg\tinit\tbatch\tbest_epoch\tepochs\tvalid_\(p.selectionMetric)\ttest_\(p.selectionMetric)\tseconds")
        for l in list(lr) { for w in list(wd) { for n in list(negatives) { for i in list(initStd) { for b in list(batch) {
            var c = TrainingConfig()
            c.learningRate = Float(l); c.weightDecay = Float(w); c.negatives = Int(n); c.initStd = Float(i)
            c.batchSize = Int(b); c.maxEpochs = maxEpochs
            let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: dim, initStd: c.initStd, seed: seed)
            let outcome = try Trainer(config: c, seed: seed, threads: threads).train(model, split: split, method: StudentOnly(hyperparameters: [:]))
            let test = Evaluator(split: split).evaluate(model, part: .test, threads: threads).value(p.selectionMetric)
            print("\(dataset)\t\(dim)\t\(l)\t\(w)\t\(Int(n))\t\(i)\t\(Int(b))\t\(outcome.bestEpoch)\t\(outcome.epochsRun)\t\(String(format: "%.4f", outcome.bestValidation))\t\(String(format: "%.4f", test))\t\(String(format: "%.1f", outcome.seconds))")
            fflush(nil)
        } } } } }
    }
}
