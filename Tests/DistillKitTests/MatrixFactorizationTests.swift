import Testing
@testable import DistillKit

@Suite struct MatrixFactorizationTests {
    /// The list scorers a loss calls once per list give exactly `score`'s bits, on both sides,
    /// at a dimension that is not a multiple of the SIMD width (padding must not leak in).
    @Test(arguments: [3, 8, 13])
    func listScoresEqualSingleScores(dimension: Int) {
        let model = MatrixFactorization(users: 7, items: 11, dimension: dimension, initStd: 0.5, seed: 4)
        let items: [Int32] = [10, 0, 3, 3, 7], users: [Int32] = [6, 2, 0, 2]
        var out = [Float](repeating: .nan, count: 5)
        items.withUnsafeBufferPointer { model.scores(user: 5, items: $0, into: &out) }
        #expect(out == items.map { model.score(user: 5, item: Int($0)) })
        users.withUnsafeBufferPointer { model.scores(item: 9, users: $0, into: &out) }
        #expect(Array(out.prefix(4)) == users.map { model.score(user: Int($0), item: 9) })
    }
}
