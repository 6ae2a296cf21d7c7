import Foundation

/// One validation evaluation during training.
public struct LearningCurvePoint: Codable, Sendable, Equatable {
    public let epoch: Int
    public let loss: Double
    public let validation: Double
}

/// What training produced.  The model handed back holds the best-validation parameters.
public struct TrainingOutcome: Sendable {
    public enum Status: String, Codable, Sendable { case completed, earlyStopped = "early-stopped", failed }
    public let status: Status
    public let failure: String?
    public let bestEpoch: Int
    public let bestValidation: Double
    public let epochsRun: Int
    public let seconds: Double
    public let curve: [LearningCurvePoint]
    /// Seconds in the method's `prepare` (teacher artefacts) and in training epochs (no
    /// validation): a method's cost over plain `student`.
    public let prepareSeconds: Double
    public let epochSeconds: Double

    public init(status: Status, failure: String?, bestEpoch: Int, bestValidation: Double, epochsRun: Int,
                seconds: Double, curve: [LearningCurvePoint], prepareSeconds: Double = 0, epochSeconds: Double = 0) {
        self.status = status
        self.failure = failure
        self.bestEpoch = bestEpoch
        self.bestValidation = bestValidation
        self.epochsRun = epochsRun
        self.seconds = seconds
        self.curve = curve
        self.prepareSeconds = prepareSeconds
        self.epochSeconds = epochSeconds
    }
}

/// Progress events for the command line (a TTY line or a log line).
public enum TrainingEvent: Sendable {
    case epoch(epoch: Int, maxEpochs: Int, loss: Double, elapsed: Double)
    case validation(epoch: Int, value: Double, best: Double, bestEpoch: Int)
}

/// Trains a model with BPR (+ a distillation method's loss), Adam, validation every
/// `evalEvery` epochs and early stopping; restores the best-validation parameters.
public struct Trainer {
    public let config: TrainingConfig
    public let seed: UInt64
    public let threads: Int

    public init(config: TrainingConfig, seed: UInt64, threads: Int) {
        self.config = config
        self.seed = seed
        self.threads = max(1, threads)
    }

    public func train(_ model: any TrainableModel, split: Split, method: any DistillationMethod,
                      teacher: (any RankingModel)? = nil, artefacts: TeacherArtefacts? = nil,
                      progress: (TrainingEvent) -> Void = { _ in }) throws -> TrainingOutcome {
        let start = Date()
        let context = DistillationContext(student: model, teacher: teacher, artefacts: artefacts, split: split, seed: seed,
                                          threads: threads, training: config)
        try method.prepare(context)
        let prepareSeconds = Date().timeIntervalSince(start)
        var epochSeconds = 0.0
        let session = TrainingSession(trainer: self, model: model, split: split, method: method, context: context)
        let evaluator = Evaluator(split: split)
        let selection = split.evaluationProtocol.selectionMetric
        var best = -Double.infinity, bestEpoch = 0, sinceBest = 0
        let bestParameters = model.parameters.map { $0.copy() }
        var curve: [LearningCurvePoint] = []
        var epoch = 0
        var status = TrainingOutcome.Status.completed
        var failure: String? = nil

        while epoch < config.maxEpochs {
            epoch += 1
            let epochLoss: Double
            let epochStart = Date()
            do { epochLoss = try session.runEpoch(epoch) } catch let e as TrainingSession.Divergence {
                status = .failed
                failure = e.description
                break
            }
            epochSeconds += Date().timeIntervalSince(epochStart)
            progress(.epoch(epoch: epoch, maxEpochs: config.maxEpochs, loss: epochLoss,
                            elapsed: Date().timeIntervalSince(start)))
            if epoch % config.evalEvery == 0 || epoch == config.maxEpochs {
                if model.hasNonFiniteParameters() {
                    status = .failed
                    failure = "diverged: non-finite parameters at epoch \(epoch) (lower the learning rate)"
                    break
                }
                let v = evaluator.evaluate(model, part: .validation, threads: threads).value(selection)
                if v > best {
                    best = v; bestEpoch = epoch; sinceBest = 0
                    for (k, p) in model.parameters.enumerated() { bestParameters[k].copy(from: p) }
                } else {
                    sinceBest += 1
                }
                curve.append(LearningCurvePoint(epoch: epoch, loss: epochLoss, validation: v))
                progress(.validation(epoch: epoch, value: v, best: best, bestEpoch: bestEpoch))
                if sinceBest >= config.patience { status = .earlyStopped; break }
            }
        }
        if status != .failed {
            for (k, p) in model.parameters.enumerated() { p.copy(from: bestParameters[k]) }
        }
        return TrainingOutcome(status: status, failure: failure, bestEpoch: bestEpoch,
                               bestValidation: best, epochsRun: epoch,
                               seconds: Date().timeIntervalSince(start), curve: curve,
                               prepareSeconds: prepareSeconds, epochSeconds: epochSeconds)
    }

    /// One epoch of BPR + the method's loss over the whole train set (also timed by `bench perf`).
    public final class TrainingSession {
        public struct Divergence: Error, CustomStringConvertible { public let description: String }
        let trainer: Trainer
        let model: any TrainableModel
        let method: any DistillationMethod
        let context: DistillationContext
        let train: Interactions
        let userOf: [Int32]
        let negatives: UniformNegativeSampler
        let optimizer: AdamOptimizer
        var gradients: ScoreGradients

        public init(trainer: Trainer, model: any TrainableModel, split: Split, method: any DistillationMethod, context: DistillationContext) {
            self.trainer = trainer
            self.model = model
            self.method = method
            self.context = context
            train = split.train
            userOf = split.train.userOfPosition
            negatives = UniformNegativeSampler(split.train)
            optimizer = AdamOptimizer(parameters: model.parameters, learningRate: trainer.config.learningRate,
                                      weightDecay: trainer.config.weightDecay)
            gradients = ScoreGradients(capacity: 2 * trainer.config.batchSize * trainer.config.negatives)
        }

        /// Runs epoch `epoch` (1-based) and returns its summed loss.
        public func runEpoch(_ epoch: Int) throws -> Double {
            try method.beginEpoch(epoch, context)
            let order = trainer.epochOrder(train, epoch: epoch)
            let batches = (order.count + trainer.config.batchSize - 1) / trainer.config.batchSize
            var epochLoss = 0.0
            for b in 0..<batches {
                let batch = trainer.makeBatch(train, sampler: negatives, userOf: userOf, order: order, epoch: epoch, index: b)
                if batch.users.isEmpty { continue }
                gradients.removeAll()
                var loss = trainer.bprLoss(model, batch, into: &gradients)
                loss += method.addLoss(batch, context, gradients: &gradients)
                guard loss.isFinite else {
                    throw Divergence(description: "diverged: batch loss is \(loss) at epoch \(epoch), batch \(b) (lower the learning rate)")
                }
                let perPair = loss / Double(batch.users.count)
                guard perPair <= Trainer.divergedLossPerPair else {
                    throw Divergence(description: String(format: "diverged: mean loss per pair %.3g exceeds %.0e at epoch %d, batch %d (lower the learning rate)",
                                                          perPair, Trainer.divergedLossPerPair, epoch, b))
                }
                epochLoss += loss
                // Gradients are zero here: the optimiser consumes them.
                model.accumulate(gradients, threads: trainer.threads)
                optimizer.update(parameters: model.parameters, gradients: model.gradients, threads: trainer.threads)
            }
            return epochLoss
        }
    }

    /// The positions of the train interactions in this epoch's order.
    func epochOrder(_ train: Interactions, epoch: Int) -> [Int32] {
        var order = (0..<Int32(train.count)).map { $0 }
        var rng = RandomStream(seed: seed, purpose: "train/order", epoch)
        rng.shuffle(&order)
        return order
    }

    /// A mean loss per pair above this means the scores have run away (BPR starts at ln 2 and a
    /// pair loses about |score difference|): the run is failed as diverged, never reported.
    public static let divergedLossPerPair = 1e6

    /// Batch `index` of the epoch: positives in epoch order, each with `negatives` uniform
    /// unobserved items drawn from a stream keyed by (seed, epoch, batch).  Positives of users
    /// with no unobserved item give no pair.
    func makeBatch(_ train: Interactions, sampler: UniformNegativeSampler, userOf: [Int32], order: [Int32],
                   epoch: Int, index: Int) -> TrainingBatch {
        let lo = index * config.batchSize, hi = min(order.count, lo + config.batchSize)
        var rng = RandomStream(seed: seed, purpose: "train/negatives", epoch, index)
        let n = (hi - lo) * config.negatives
        var users = [Int32](repeating: 0, count: n), pos = users, neg = users
        let negatives = config.negatives
        var out = 0
        for k in lo..<hi {
            let p = Int(order[k])
            let u = userOf[p]
            for _ in 0..<negatives {
                guard let j = sampler.draw(user: Int(u), &rng) else { break }
                users[out] = u; pos[out] = train.items[p]; neg[out] = j
                out += 1
            }
        }
        if out < n { users.removeLast(n - out); pos.removeLast(n - out); neg.removeLast(n - out) }
        return TrainingBatch(epoch: epoch, index: index, users: users, positives: pos, negatives: neg)
    }

    /// Summed BPR loss of the batch; appends its score gradients in triple order.
    func bprLoss(_ model: any TrainableModel, _ batch: TrainingBatch, into g: inout ScoreGradients) -> Double {
        let n = batch.users.count
        var dPos = [Float](repeating: 0, count: n)
        let piece = 256
        let pieces = (n + piece - 1) / piece
        let loss = dPos.withUnsafeMutableBufferPointer { dp -> Double in
            let out = SendablePointer(dp.baseAddress!)
            let workers = ParallelKernel.pairScoring.threads(threads, work: n * 2 * model.dimension)
            return ParallelLoop.sum(pieces: pieces, threads: workers) { q in
                var s = 0.0
                for k in (q * piece)..<min(n, (q + 1) * piece) {
                    let u = Int(batch.users[k])
                    let x = model.score(user: u, item: Int(batch.positives[k])) - model.score(user: u, item: Int(batch.negatives[k]))
                    let (l, d) = PairwiseLogisticLoss.evaluate(difference: x)
                    s += Double(l)
                    out.pointer[k] = d
                }
                return s
            }
        }
        for k in 0..<n {
            g.append(user: batch.users[k], item: batch.positives[k], dPos[k])
            g.append(user: batch.users[k], item: batch.negatives[k], -dPos[k])
        }
        return loss
    }
}
