/// What every model family offers to evaluation, latency probing and distillation losses:
/// scores (one, a candidate list, or a block of users against all items).
public protocol RankingModel: AnyObject, Sendable {
    var family: String { get }
    var dimension: Int { get }
    var userCount: Int { get }
    var itemCount: Int { get }
    /// Parameters used at inference.
    var parameterCount: Int { get }
    /// Bytes used at inference (parameters as stored, Float32).
    var inferenceBytes: Int { get }

    func score(user: Int, item: Int) -> Float
    /// Scores of one user against `items` (a candidate list), and of one item against `users`,
    /// into `out`: each bit-identical to `score`, one call per list, so a loss over thousands
    /// of lists per batch pays the model's dynamic dispatch once per list.
    func scores(user: Int, items: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>)
    func scores(item: Int, users: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>)
    /// Scores of `users` against every item into `out` (row-major, `itemCount` per row).
    /// May use BLAS: for evaluation only.
    func scoreAllItems(users: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>)
}

extension RankingModel {
    public func scores(user: Int, items: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        for (k, i) in items.enumerated() { out[k] = score(user: user, item: Int(i)) }
    }

    public func scores(item: Int, users: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        for (k, u) in users.enumerated() { out[k] = score(user: Int(u), item: item) }
    }
}

/// A model trained by gradient descent from score gradients: every ranking loss is written once
/// as a function of scores and reaches any model through `accumulate(_:)`.
public protocol TrainableModel: RankingModel {
    /// Parameter tensors and their gradient buffers, in a fixed order (the optimiser's order).
    var parameters: [Matrix] { get }
    var gradients: [Matrix] { get }
    /// Adds d(loss)/d(parameters) for the given d(loss)/d(score) entries, deterministically for
    /// any thread count.
    func accumulate(_ g: ScoreGradients, threads: Int)
}

extension TrainableModel {
    public func zeroGradients() { for g in gradients { g.fill(0) } }

    /// True if any parameter is NaN or infinite.
    public func hasNonFiniteParameters() -> Bool {
        for p in parameters { for k in 0..<p.count where !p.data[k].isFinite { return true } }
        return false
    }
}

/// Whose scores a list holds: one user's items (user side) or one item's users (item side).
public enum ListSide: String, Sendable { case user, item }

/// A list of (user, item, d loss / d score) entries, accumulated by losses and applied by models.
public struct ScoreGradients: Sendable {
    public var users: [Int32] = []
    public var items: [Int32] = []
    public var values: [Float] = []

    public init(capacity: Int = 0) {
        users.reserveCapacity(capacity); items.reserveCapacity(capacity); values.reserveCapacity(capacity)
    }

    public var count: Int { users.count }

    @inlinable public mutating func append(user: Int32, item: Int32, _ d: Float) {
        users.append(user); items.append(item); values.append(d)
    }

    /// One list's entries: `fixed` against each of `others` (items of a user on the user side,
    /// users of an item on the item side) with derivative `scale * d[k]`, in list order.
    public mutating func append(_ side: ListSide, fixed: Int32, others: UnsafeBufferPointer<Int32>,
                                scale: Float, _ d: UnsafeBufferPointer<Float>) {
        let n = others.count
        if side == .user {
            users.append(contentsOf: repeatElement(fixed, count: n)); items.append(contentsOf: others)
        } else {
            users.append(contentsOf: others); items.append(contentsOf: repeatElement(fixed, count: n))
        }
        values.reserveCapacity(values.count + n)
        for k in 0..<n { values.append(scale * d[k]) }
    }

    public mutating func removeAll() {
        users.removeAll(keepingCapacity: true); items.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}
