/// Everything that determines how a BPR-MF model (teacher or student) is trained.
/// Defaults follow methods.md (the authors' harness) except where the validation search in
/// docs/tuning.md chose otherwise; the record of every run holds the values used.
public struct TrainingConfig: Codable, Sendable, Hashable {
    public var dimension: Int
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-3
    public var batchSize: Int = 1024
    /// Uniform negatives drawn per positive each epoch (each a separate BPR pair).
    public var negatives: Int = 1
    public var initStd: Float = 0.01
    public var maxEpochs: Int = 200
    public var evalEvery: Int = 5
    public var patience: Int = 10

    public init(dimension: Int) { self.dimension = dimension }

    /// Checks values and names the field that is wrong.
    public func validate() throws {
        func bad(_ field: String, _ why: String) -> DataError { .invalid("training.\(field): \(why)") }
        if dimension < 1 { throw bad("dimension", "must be >= 1, got \(dimension)") }
        if !(learningRate > 0) { throw bad("lr", "must be > 0, got \(learningRate)") }
        if !(weightDecay >= 0) { throw bad("weight_decay", "must be >= 0, got \(weightDecay)") }
        if batchSize < 1 { throw bad("batch_size", "must be >= 1, got \(batchSize)") }
        if negatives < 1 { throw bad("negatives", "must be >= 1, got \(negatives)") }
        if maxEpochs < 1 { throw bad("max_epochs", "must be >= 1, got \(maxEpochs)") }
        if evalEvery < 1 { throw bad("eval_every", "must be >= 1, got \(evalEvery)") }
        if patience < 1 { throw bad("patience", "must be >= 1, got \(patience)") }
    }
}
