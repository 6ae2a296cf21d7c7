import ArgumentParser
import BenchHarness
import DistillKit
import Foundation

/// `bench tune`: validation grid searches (docs/tuning.md).
///
/// Without `--method`: BPR-MF training settings for one dataset; one line per grid point
/// (validation, plus that point's test value, clearly labelled and never used to choose); with
/// `--write FILE --role R` the search and its choice go into that tuned-settings file.
///
/// With `--suite FILE --method KEY --grid name=v1,v2 ...`: one method's hyperparameters on every
/// dataset of the suite, validation only (test is never evaluated); with `--write FOLDER` each
/// dataset's search and choice go into `FOLDER/<dataset>.yaml`, which suites read through
/// `hparams:`.
struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Grid-search training settings, or a method's hyperparameters, on the validation split.")

    @Option(help: "Dataset name (training settings: default ml-100k; method search: only this dataset of the suite).") var dataset: String?
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
    @Option(help: "Training settings: the tuned-settings file to record the search in (e.g. benchmarks/hparams/ml-1m.yaml). Method search: the folder of per-dataset files (e.g. benchmarks/hparams).") var write: String?
    @Option(help: "Which settings the search is for: teacher or student (training settings, with --write).") var role: String?
    @Option(help: "Suite file whose datasets, training and teacher a method search uses.") var suite: String?
    @Option(help: "Method key to search hyperparameters of (with --suite and --grid).") var method: String?
    @Option(help: "A hyperparameter and its values, name=v1,v2,... (repeat for a product grid).") var grid: [String] = []
    @Option(help: "Method search: scratch results folder for the search runs.") var scratch = "results/tune"

    func validate() throws {
        if method != nil || suite != nil || !grid.isEmpty {
            guard method != nil, suite != nil, !grid.isEmpty else {
                throw ValidationError("a method search needs --suite FILE, --method KEY and at least one --grid name=v1,v2")
            }
            guard role == nil else { throw ValidationError("--role is for training-setting searches; a method search writes the method's entry") }
        }
        guard dim >= 1 else { throw ValidationError("--dim must be >= 1, got \(dim)") }
        guard maxEpochs >= 1 else { throw ValidationError("--max-epochs must be >= 1, got \(maxEpochs)") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, got \(threads)") }
        if method == nil, write != nil, role.flatMap(TunedSettings.Role.init(rawValue:)) == nil {
            throw ValidationError("--write needs --role teacher or --role student")
        }
    }

    func run() throws {
        noteDebugBuild()
        if let method, let suite {
            do { try searchMethod(method, suitePath: suite) } catch { throw fail(error) }
            return
        }
        do {
            guard let p = EvaluationProtocol(rawValue: `protocol`) else { throw HarnessError("--protocol: unknown protocol '\(`protocol`)'; one of holdout, loo-499") }
            func list(_ s: String, _ option: String) throws -> [Double] {
                try s.split(separator: ",").map { v in
                    guard let d = Double(v.trimmingCharacters(in: .whitespaces)), d.isFinite else { throw HarnessError("\(option): '\(v)' is not a number") }
                    return d
                }
            }
            var grid: [TrainingConfig] = []
            for l in try list(lr, "--lr") { for w in try list(wd, "--wd") { for n in try list(negatives, "--negatives") {
                for i in try list(initStd, "--init-std") { for b in try list(batch, "--batch") {
                    var c = TrainingDefaults.bprMF()
                    c.learningRate = Float(l); c.weightDecay = Float(w); c.negatives = Int(n); c.initStd = Float(i)
                    c.batchSize = Int(b); c.maxEpochs = maxEpochs
                    try c.validate()
                    grid.append(c)
                } }
            } } }
            let dataset = self.dataset ?? "ml-100k"
            let data = try DatasetCatalog.load(dataset)
            let split = try Split.make(data, protocol: p, seed: seed)
            print("dataset\tdim\tlr\twd\tneg\tinit\tbatch\tbest_epoch\tepochs\tvalid_\(p.selectionMetric)\ttest_\(p.selectionMetric)\tseconds")
            var points: [TunedSettings.Point] = []
            for c in grid {
                let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: dim, initStd: c.initStd, seed: seed)
                let outcome = try Trainer(config: c, seed: seed, threads: threads).train(model, split: split, method: StudentOnly(hyperparameters: [:]))
                let test = Evaluator(split: split).evaluate(model, part: .test, threads: threads).value(p.selectionMetric)
                print("\(dataset)\t\(dim)\t\(c.learningRate)\t\(c.weightDecay)\t\(c.negatives)\t\(c.initStd)\t\(c.batchSize)\t\(outcome.bestEpoch)\t\(outcome.epochsRun)\t\(String(format: "%.4f", outcome.bestValidation))\t\(String(format: "%.4f", test))\t\(String(format: "%.1f", outcome.seconds))")
                fflush(nil)
                points.append(.init(settings: .init(c), bestEpoch: outcome.bestEpoch, epochsRun: outcome.epochsRun, validation: outcome.bestValidation))
            }
            if let write, let role = role.flatMap(TunedSettings.Role.init(rawValue:)) {
                var file = FileManager.default.fileExists(atPath: write) ? try TunedSettings.read(write)
                    : TunedSettings(dataset: dataset, family: "bpr-mf", evaluationProtocol: p)
                guard file.dataset == dataset, file.evaluationProtocol == p else {
                    throw HarnessError("\(write) holds settings for \(file.dataset), \(file.evaluationProtocol.rawValue), not \(dataset), \(p.rawValue); write to another file")
                }
                let search = try TunedSettings.Search(grid: points, dimension: dim, seed: seed, maxEpochs: maxEpochs,
                                                       selection: "validation \(p.selectionMetric)")
                // A grid run again with new values adds to the recorded one (same dim, seed, budget).
                file[role] = try file[role].map { try $0.extended(by: search) } ?? search
                try file.write(write)
                let c = file[role]!.chosen
                print("\(write): \(role.rawValue) settings chosen on validation: lr \(c.learningRate), weight_decay \(c.weightDecay), negatives \(c.negatives), init_std \(c.initStd), batch_size \(c.batchSize)")
            }
        } catch { throw fail(error) }
    }

    func searchMethod(_ method: String, suitePath: String) throws {
        var suite = try Suite.load(path: suitePath)
        if let dataset {
            guard let d = suite.datasets.first(where: { $0.name == dataset }) else {
                throw HarnessError("--dataset \(dataset): \(suitePath) has no such dataset; it has \(suite.datasets.map(\.name).joined(separator: ", "))")
            }
            suite.datasets = [d]
        }
        let tuner = try MethodTuner(suite: suite, method: method, grid: try MethodTuner.parseGrid(grid), dimension: dim, seed: seed, scratchRoot: scratch,
                                    settingsFolder: write)
        let searches = try tuner.run(threads: threads, progress: ProgressReporter())
        print("dataset\tvariant\tbest_epoch\tepochs\tvalid_\(suite.evaluationProtocol.selectionMetric)")
        for d in suite.datasets {
            guard let search = searches[d.name] else { continue }
            for p in search.grid {
                let values = grid.compactMap { $0.split(separator: "=").first }.map { n in "\(n)=\(p.hyperparameters[String(n)]?.description ?? "?")" }
                print("\(d.name)\t\(values.joined(separator: " "))\t\(p.bestEpoch)\t\(p.epochsRun)\t\(p.validation.map { String(format: "%.4f", $0) } ?? "failed: \(p.failure ?? "")")")
            }
            func spelled(_ hp: [String: ConfigValue]) -> String { hp.keys.sorted().map { "\($0)=\(hp[$0]!)" }.joined(separator: " ") }
            let chosen = spelled(search.chosen)
            if let write {
                let (path, recorded) = try tuner.write(search, dataset: d.name, folder: write)
                print("\(path): \(method) chosen on validation over \(recorded.grid.count) point(s): \(spelled(recorded.chosen))")
            } else {
                print("\(d.name): \(method) best on validation: \(chosen) (not written; add --write FOLDER)")
            }
        }
    }
}
