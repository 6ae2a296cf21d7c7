/// Everything that determines how a model (teacher or student) is trained, apart from its size.
/// Defaults follow methods.md (the authors' harness) except where the validation search in
/// docs/tuning.md chose otherwise; the record of every run holds the values used.
///
/// Coding keys are the suite file's field names and are spelled out: they are part of every
/// run's identity hash, so a Swift rename must never silently change it.
public struct TrainingConfig: Codable, Sendable, Hashable {
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-3
    public var batchSize: Int = 1024
    /// Uniform negatives drawn per positive each epoch (each a separate BPR pair).
    public var negatives: Int = 1
    public var initStd: Float = 0.01
    public var maxEpochs: Int = 200
    public var evalEvery: Int = 5
    public var patience: Int = 10

    enum CodingKeys: String, CodingKey {
        case learningRate = "lr", weightDecay = "weight_decay", batchSize = "batch_size", negatives
        case initStd = "init_std", maxEpochs = "max_epochs", evalEvery = "eval_every", patience
    }

    public init() {}

    /// Checks values and names the field that is wrong (as the suite file spells it).
    public func validate() throws {
        func bad(_ field: String, _ why: String) -> DataError { .invalid("training.\(field): \(why)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw bad("lr", "must be a finite number > 0, got \(learningRate)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { throw bad("weight_decay", "must be a finite number >= 0, got \(weightDecay)") }
        if !(initStd >= 0 && initStd.isFinite) { throw bad("init_std", "must be a finite number >= 0, got \(initStd)") }
        if batchSize < 1 { throw bad("batch_size", "must be >= 1, got \(batchSize)") }
        if negatives < 1 { throw bad("negatives", "must be >= 1, got \(negatives)") }
        if maxEpochs < 1 { throw bad("max_epochs", "must be >= 1, got \(maxEpochs)") }
        if evalEvery < 1 { throw bad("eval_every", "must be >= 1, got \(evalEvery)") }
        if patience < 1 { throw bad("patience", "must be >= 1, got \(patience)") }
    }
}
