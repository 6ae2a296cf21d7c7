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
                for threads in [1, 2] { evaluationVsGemm(gowallaSplit!, dim: 200, threads: threads) }
            }
            print("\n## BPR-MF training epoch (Adam, batch 1024, dense weight decay); seconds per epoch, median")
            var ours: [Int: Double] = [:]
            for (name, split, n) in [("ml-100k", mlSplit, epochs)] + (gowallaSplit.map { [("synthetic-gowalla", $0, 1)] } ?? []) {
                for dim in [20, 200] {
                    let (t1, p1) = try epochTime(split, dim: dim, threads: 1, epochs: n)
                    let (t2, p2) = try epochTime(split, dim: dim, threads: 2, epochs: n)
                    let same = zip(p1, p2).allSatisfy { $0.bitwiseEqual($1) }
                    print(String(format: "%@ d=%d: 1 thread %.4f s, 2 threads %.4f s; parameters after %d epochs bit-identical 1 vs 2 threads: %@",
                                 name, dim, t1, t2, n, same ? "yes" : "NO"))
                    if name == "ml-100k" { ours[dim] = t1 }
                }
            }
            if let peer {
                guard peer == "implicit" else { throw HarnessError("unknown peer '\(peer)'; available: implicit") }
                try comparePeers(mlSplit, ours: ours)
            }
        } catch { throw fail(error) }
    }

    func evaluationVsGemm(_ split: Split, dim: Int, threads: Int) {
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
    }

    func epochTime(_ split: Split, dim: Int, threads: Int, epochs: Int) throws -> (Double, [Matrix]) {
        let config = TrainingDefaults.bprMF()
        let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: dim, initStd: config.initStd, seed: 0)
        let trainer = Trainer(config: config, seed: 0, threads: threads)
        let method = try StudentOnly(hyperparameters: [:])
        let context = DistillationContext(student: model, teacher: nil, split: split, seed: 0, threads: threads, maxEpochs: epochs)
        let session = Trainer.TrainingSession(trainer: trainer, model: model, split: split, method: method, context: context)
        var times: [Double] = []
        for e in 1...epochs {
            let t0 = Date()
            _ = try session.runEpoch(e)
            times.append(Date().timeIntervalSince(t0))
        }
        return (times.sorted()[times.count / 2], model.parameters)
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
