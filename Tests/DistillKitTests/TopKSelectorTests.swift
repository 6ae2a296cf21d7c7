import Testing
@testable import DistillKit

@Suite struct TopKSelectorTests {
    @Test(arguments: [1, 5, 50])
    func matchesFullSortWithHeavyTies(k: Int) {
        var rng = RandomStream(seed: 9, purpose: "topk-test")
        // Scores from a few distinct values so ties are everywhere; some masked.
        let row = (0..<1000).map { _ -> Float in
            let v = rng.nextInt(below: 12)
            return v == 0 ? -.infinity : Float(v % 6)
        }
        var sel = TopKSelector(k: k)
        var out: [Int32] = []
        row.withUnsafeBufferPointer { sel.select($0.baseAddress!, count: row.count, into: &out) }
        let kept: [Int] = (0..<1000).filter { row[$0] != -.infinity }
        let sorted: [Int] = kept.sorted { (a: Int, b: Int) -> Bool in row[a] > row[b] || (row[a] == row[b] && a < b) }
        let expected: [Int32] = sorted.prefix(k).map { Int32($0) }
        #expect(out == expected)
        // Offering in reverse order gives the same list.
        sel.reset()
        for i in (0..<1000).reversed() where row[i] != -.infinity { sel.offer(row[i], Int32(i)) }
        var out2: [Int32] = []
        sel.drain(into: &out2)
        #expect(out2 == expected)
    }

    @Test func fewerCandidatesThanK() {
        var sel = TopKSelector(k: 5)
        var out: [Int32] = []
        let row: [Float] = [-.infinity, 2, -.infinity, 1]
        row.withUnsafeBufferPointer { sel.select($0.baseAddress!, count: 4, into: &out) }
        #expect(out == [1, 3])
    }
}
