/// BPR-MF's model: score(u, i) = <p_u, q_i>, no biases (as the authors' code).
public final class MatrixFactorization: TrainableModel, @unchecked Sendable {
    public let family = "bpr-mf"
    public let userEmbedding: Matrix
    public let itemEmbedding: Matrix
    public let userGradient: Matrix
    public let itemGradient: Matrix

    public var dimension: Int { userEmbedding.cols }
    public var userCount: Int { userEmbedding.rows }
    public var itemCount: Int { itemEmbedding.rows }
    public var parameterCount: Int { (userCount + itemCount) * dimension }
    public var inferenceBytes: Int { parameterCount * MemoryLayout<Float>.size }
    public var parameters: [Matrix] { [userEmbedding, itemEmbedding] }
    public var gradients: [Matrix] { [userGradient, itemGradient] }

    /// Embeddings drawn from N(0, initStd^2), each table from its own stream.
    public init(users: Int, items: Int, dimension: Int, initStd: Float, seed: UInt64) {
        userEmbedding = Matrix(rows: users, cols: dimension)
        itemEmbedding = Matrix(rows: items, cols: dimension)
        userGradient = Matrix(rows: users, cols: dimension)
        itemGradient = Matrix(rows: items, cols: dimension)
        for (m, purpose) in [(userEmbedding, "init/bpr-mf/users"), (itemEmbedding, "init/bpr-mf/items")] {
            var rng = RandomStream(seed: seed, purpose: purpose)
            for r in 0..<m.rows { for c in 0..<m.cols { m[r, c] = Float(rng.nextGaussian()) * initStd } }
        }
    }

    /// A model with the given embeddings (checkpoints, tests).
    public init(userEmbedding: Matrix, itemEmbedding: Matrix) {
        precondition(userEmbedding.cols == itemEmbedding.cols)
        self.userEmbedding = userEmbedding
        self.itemEmbedding = itemEmbedding
        userGradient = Matrix(rows: userEmbedding.rows, cols: userEmbedding.cols)
        itemGradient = Matrix(rows: itemEmbedding.rows, cols: itemEmbedding.cols)
    }

    @inlinable public func score(user: Int, item: Int) -> Float {
        dot(userEmbedding.vrow(user), itemEmbedding.vrow(item), blocks: userEmbedding.blocksPerRow)
    }

    public func scores(user: Int, items: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        let (p, blocks) = (userEmbedding.vrow(user), userEmbedding.blocksPerRow)
        for k in 0..<items.count { out[k] = dot(p, itemEmbedding.vrow(Int(items[k])), blocks: blocks) }
    }

    public func scores(item: Int, users: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        let (q, blocks) = (itemEmbedding.vrow(item), userEmbedding.blocksPerRow)
        for k in 0..<users.count { out[k] = dot(userEmbedding.vrow(Int(users[k])), q, blocks: blocks) }
    }

    public func scoreAllItems(users: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        let n = users.count
        guard n > 0 else { return }
        // Gather the block's user rows so sgemm sees one contiguous A.
        let stride = userEmbedding.stride
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * stride)
        defer { a.deallocate() }
        for (k, u) in users.enumerated() { (a + k * stride).update(from: userEmbedding.row(Int(u)), count: stride) }
        BLAS.sgemmABt(m: n, n: itemCount, k: stride, a: a, lda: stride,
                      b: itemEmbedding.data, ldb: stride, c: out, ldc: itemCount)
    }

    /// Gradients of the scores: dP[u] += d * q_i, dQ[i] += d * p_u.  Each thread owns the rows
    /// r with r % threads == t and walks the whole list in order, so every row sums its terms
    /// in list order whatever the thread count.
    public func accumulate(_ g: ScoreGradients, threads: Int) {
        let blocks = userEmbedding.blocksPerRow
        let t = ParallelKernel.gradientAccumulation.threads(threads, work: g.count * 2 * userEmbedding.stride)
        let P = userEmbedding, Q = itemEmbedding, dP = userGradient, dQ = itemGradient
        g.users.withUnsafeBufferPointer { us in
            g.items.withUnsafeBufferPointer { its in
                g.values.withUnsafeBufferPointer { vs in
                    let (u, i, v) = (SendableBuffer(us), SendableBuffer(its), SendableBuffer(vs))
                    ParallelLoop.forEach(pieces: t, threads: t) { owner in
                        for k in 0..<v.buffer.count {
                            let d = v.buffer[k]
                            if d == 0 { continue }
                            let uu = Int(u.buffer[k]), ii = Int(i.buffer[k])
                            if uu % t == owner { axpy(d, Q.vrow(ii), dP.vrow(uu), blocks: blocks) }
                            if ii % t == owner { axpy(d, P.vrow(uu), dQ.vrow(ii), blocks: blocks) }
                        }
                    }
                }
            }
        }
    }
}

/// A read-only buffer that may cross into `@Sendable` closures.
public struct SendableBuffer<T>: @unchecked Sendable {
    public let buffer: UnsafeBufferPointer<T>
    public init(_ b: UnsafeBufferPointer<T>) { buffer = b }
}
