import ArgumentParser
import BenchHarness
import DistillKit
import Foundation

/// `bench perf`: the performance targets, measured side by side in one process.
struct Perf: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure evaluation vs bare sgemm, training epochs (1 and 2 threads, determinism), and optionally peers.")

    @Option(help: "Peer to compare training epochs with: implicit (needs `pip install implicit`).") var peer: String?
    @Option(help: "Epochs timed on ml-100k.") var epochs = 10
    @Flag(help: "Skip the synthetic-gowalla measurements (they take a few minutes).") var skipGowalla = false
    @Flag(help: "Only time each parallel training kernel at 1 and 2 threads over a range of sizes (how the thresholds were chosen).") var kernels = false

    func run() throws {
        noteDebugBuild()
        do {
            print("machine: \(EnvironmentFingerprint.current().platformKey)")
            if kernels {
                print("kernel\tsize\twork\t1 thread (µs)\t2 threads (µs)\t2/1\tthreads chosen")
                for r in ParallelKernelSweep.run() {
                    print(String(format: "%@\t%@\t%d\t%.1f\t%.1f\t%.2f\t%d", r.kernel.rawValue, r.size, r.work,
                                 r.oneThread * 1e6, r.twoThreads * 1e6, r.twoThreads / r.oneThread, r.chosenThreads))
                }
                return
            }
            let ml = try DatasetCatalog.load("ml-100k")
            let mlSplit = try Split.make(ml, protocol: .holdout, seed: 0)
            var gowallaSplit: Split? = nil
            if !skipGowalla {
                let t0 = Date()
                let g = try DatasetCatalog.load("synthetic-gowalla")
                gowallaSplit = try Split.make(g, protocol: .holdout, seed: 0)
                print(String(format: "synthetic-gowalla: %d users x %d items, %d interactions (generated + split in %.1f s)",
                             g.userCount, g.itemCount, g.count, Date().timeIntervalSince(t0)))
                print("\n## Full-ranking evaluation vs bare sgemm (all evaluated users, d=200, top-50, train+valid masked)")
                let evaluation = [1, 2].map { evaluationVsGemm(gowallaSplit!, dim: 200, threads: $0) }
                print(String(format: "evaluation 2 threads / 1 thread: %.2f (%@)", evaluation[1] / evaluation[0],
                             evaluation[1] <= evaluation[0] ? "2 threads not slower" : "2 threads SLOWER"))
            }
            print("\n## BPR-MF training epoch (Adam, batch 1024, dense weight decay); seconds per epoch, median; 1 and 2 threads interleaved")
            var ours: [Int: Double] = [:]
            for (name, split, n) in [("ml-100k", mlSplit, epochs)] + (gowallaSplit.map { [("synthetic-gowalla", $0, 3)] } ?? []) {
                for dim in [20, 200] {
                    let e = try epochTimes(split, dim: dim, epochs: n)
                    print(String(format: "%@ d=%d: 1 thread %.4f s, 2 threads %.4f s (2/1 %.2f, noise ±%.0f%%: %@); parameters after %d epochs bit-identical 1 vs 2 threads: %@",
                                 name, dim, e.one, e.two, e.two / e.one, 100 * e.noise, e.verdict, n, e.identical ? "yes" : "NO"))
                    if name == "ml-100k" { ours[dim] = e.one }
                }
            }
            if let peer {
                guard peer == "implicit" else { throw HarnessError("unknown peer '\(peer)'; available: implicit") }
                try comparePeers(mlSplit, ours: ours)
            }
        } catch { throw fail(error) }
    }

    /// Prints one row and returns the evaluation's best time.
    @discardableResult
    func evaluationVsGemm(_ split: Split, dim: Int, threads: Int) -> Double {
        let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: dim, initStd: 0.1, seed: 1)
        let evaluator = Evaluator(split: split)
        let users = split.evaluatedUsers(split.test).map { Int32($0) }
        // Bare sgemm over the same users x items in the same blocks, BLAS using all threads.
        BLAS.setThreads(threads)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: evaluator.blockSize * split.itemCount)
        defer { buffer.deallocate() }
        var gemm = Double.infinity, eval = Double.infinity
        for _ in 0..<2 {
            let t0 = Date()
            var lo = 0
            while lo < users.count {
                let hi = min(users.count, lo + evaluator.blockSize)
                users[lo..<hi].withUnsafeBufferPointer { model.scoreAllItems(users: $0, into: buffer) }
                lo = hi
            }
            gemm = min(gemm, Date().timeIntervalSince(t0))
            let t1 = Date()
            _ = evaluator.evaluate(model, part: .test, threads: threads)
            eval = min(eval, Date().timeIntervalSince(t1))
        }
        print(String(format: "%d thread(s): evaluation %.3f s, bare sgemm %.3f s, ratio %.2fx (target <= 1.5x); %d users x %d items",
                     threads, eval, gemm, eval / gemm, users.count, split.itemCount))
        return eval
    }

    struct EpochTimes {
        let one: Double, two: Double
        /// Relative noise: the larger median absolute deviation of the two series, over its median.
        let noise: Double
        let identical: Bool
        var verdict: String {
            two > one * (1 + noise) ? "2 threads SLOWER" : two < one * (1 - noise) ? "2 threads faster" : "same within noise"
        }
    }

    /// The same epochs at 1 and at 2 threads on two copies of one model, interleaved epoch by
    /// epoch so machine drift hits both series alike.
    func epochTimes(_ split: Split, dim: Int, epochs: Int) throws -> EpochTimes {
        let config = TrainingDefaults.bprMF()
        var sessions: [Trainer.TrainingSession] = []
        var models: [MatrixFactorization] = []
        for threads in [1, 2] {
            let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: dim, initStd: config.initStd, seed: 0)
            var training = config
            training.maxEpochs = epochs
            let context = DistillationContext(student: model, teacher: nil, split: split, seed: 0, threads: threads, training: training)
            sessions.append(Trainer.TrainingSession(trainer: Trainer(config: config, seed: 0, threads: threads), model: model, split: split,
                                                    method: try StudentOnly(hyperparameters: [:]), context: context))
            models.append(model)
        }
        var times: [[Double]] = [[], []]
        for e in 1...epochs {
            for k in 0..<2 {
                let t0 = Date()
                _ = try sessions[k].runEpoch(e)
                times[k].append(Date().timeIntervalSince(t0))
            }
        }
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        let m = times.map(median)
        let noise = (0..<2).map { k in median(times[k].map { abs($0 - m[k]) }) / m[k] }.max()!
        let identical = zip(models[0].parameters, models[1].parameters).allSatisfy { $0.bitwiseEqual($1) }
        return EpochTimes(one: m[0], two: m[1], noise: max(noise, 0.01), identical: identical)
    }

    func comparePeers(_ split: Split, ours: [Int: Double]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distillbench-perf-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ResultsStore(root: dir)
        try store.exportSplit(split, dataset: "ml-100k")
        let train = store.path("splits", "ml-100k-holdout-seed0", "train.tsv")
        print("\n## Peers on the same exported ml-100k train split, 1 thread (seconds per epoch)")
        for (script, label) in [("benchmarks/perf/implicit_bpr.py", "implicit BPR (Cython, lock-free SGD)"),
                                ("benchmarks/perf/numpy_adam_bpr.py", "numpy Adam-BPR (vectorised, same math as ours)")] {
            for dim in [20, 200] {
                let out = try PeerScript.run(script, ["--train", train, "--dim", "\(dim)"])
                guard let theirs = Double(out) else { throw HarnessError("\(script) printed '\(out)', expected seconds per epoch") }
                let mine = ours[dim] ?? .nan
                print(String(format: "%@ d=%d: %.4f s; ours %.4f s; ours/theirs %.2f", label, dim, theirs, mine, mine / theirs))
            }
        }
    }
}

/// Runs a reference script of benchmarks/perf with the system's python3 and returns its last line.
enum PeerScript {
    static func run(_ script: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + args
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = "1"; env["OPENBLAS_NUM_THREADS"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let last = String(decoding: errData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw HarnessError("\(script) failed: \(last) (for implicit: python3 -m pip install implicit)")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
    }
}
