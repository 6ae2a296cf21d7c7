import Foundation

/// Times each `ParallelKernel` at 1 and 2 threads over a range of sizes, on the kernels' own
/// code, so the thresholds in `ParallelKernel` can be read off a table (`bench perf --kernels`).
public enum ParallelKernelSweep {
    public struct Row: Sendable {
        public let kernel: ParallelKernel
        public let size: String
        public let work: Int
        /// Median seconds per call.
        public let oneThread: Double
        public let twoThreads: Double
        /// What the thresholds choose at this size when 2 threads are asked for.
        public let chosenThreads: Int
    }

    public static func run(seconds: Double = 0.15) -> [Row] {
        var rows: [Row] = []
        let config = TrainingConfig()
        // Elementwise Adam over one table of `elements` floats (8 columns, no padding).
        for log2 in 14...24 {
            let elements = 1 << log2
            let p = Matrix(rows: elements / 8, cols: 8), g = Matrix(rows: elements / 8, cols: 8)
            let adam = AdamOptimizer(parameters: [p], learningRate: 1e-3, weightDecay: 1e-3)
            let work = 8 * p.count
            let (t1, t2) = timed(seconds) { threads in adam.update(parameters: [p], gradients: [g], threads: threads) }
            rows.append(Row(kernel: .adamStep, size: "\(elements) elements", work: work, oneThread: t1, twoThreads: t2,
                            chosenThreads: ParallelKernel.adamStep.threads(2, work: work)))
        }
        // Batches of BPR pairs (2 score gradients each) on ml-100k- and Gowalla-sized tables.
        for (label, users, items) in [("943 x 1682", 943, 1682), ("29858 x 40981", 29_858, 40_981)] {
            for (n, dim) in [(1024, 8), (1024, 20), (1024, 64), (1024, 200), (4096, 200), (16384, 200)] {
                let model = MatrixFactorization(users: users, items: items, dimension: dim, initStd: 0.1, seed: 1)
                var rng = RandomStream(seed: 1, purpose: "sweep")
                let u = (0..<n).map { _ in Int32(rng.nextInt(below: users)) }
                let pos = (0..<n).map { _ in Int32(rng.nextInt(below: items)) }
                let neg = (0..<n).map { _ in Int32(rng.nextInt(below: items)) }
                let batch = TrainingBatch(epoch: 1, index: 0, users: u, positives: pos, negatives: neg)
                var gradients = ScoreGradients(capacity: 2 * n)
                let trainer = Trainer(config: config, seed: 0, threads: 2)
                let scoringWork = n * 2 * model.dimension
                let (s1, s2) = timed(seconds) { threads in
                    gradients.removeAll()
                    _ = Trainer(config: config, seed: 0, threads: threads).bprLoss(model, batch, into: &gradients)
                }
                rows.append(Row(kernel: .pairScoring, size: "\(n) pairs, d=\(dim), \(label)", work: scoringWork, oneThread: s1, twoThreads: s2,
                                chosenThreads: ParallelKernel.pairScoring.threads(2, work: scoringWork)))
                gradients.removeAll()
                _ = trainer.bprLoss(model, batch, into: &gradients)
                let accumulationWork = gradients.count * 2 * model.userEmbedding.stride
                let (a1, a2) = timed(seconds) { threads in model.accumulate(gradients, threads: threads) }
                rows.append(Row(kernel: .gradientAccumulation, size: "\(2 * n) entries, d=\(dim), \(label)", work: accumulationWork,
                                oneThread: a1, twoThreads: a2,
                                chosenThreads: ParallelKernel.gradientAccumulation.threads(2, work: accumulationWork)))
            }
        }
        return rows
    }

    /// Median seconds per call at 1 and at 2 threads, alternating the two so drift hits both.
    static func timed(_ seconds: Double, _ body: (Int) -> Void) -> (Double, Double) {
        defer { ParallelKernel.forcedThreads = nil }
        var one: [Double] = [], two: [Double] = []
        let start = Date()
        repeat {
            for threads in [1, 2] {
                ParallelKernel.forcedThreads = threads
                let t0 = Date()
                body(threads)
                let t = Date().timeIntervalSince(t0)
                if threads == 1 { one.append(t) } else { two.append(t) }
            }
        } while Date().timeIntervalSince(start) < seconds || one.count < 9
        return (one.sorted()[one.count / 2], two.sorted()[two.count / 2])
    }
}
