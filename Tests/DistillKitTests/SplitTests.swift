import Testing
@testable import DistillKit

@Suite struct SplitTests {
    /// The holdout procedure reproduces the accuracy anchors' split exactly (research/perf-anchors.md
    /// §1: SplitMix64 state 2024, one stream over users in order) — data loading, id mapping,
    /// shuffle and cut points all have to match for this digest.
    @Test(.enabled(if: Fixtures.ml100kPath != nil, "ml-100k not fetched: run `make data`"))
    func holdoutMatchesAnchorDigest() throws {
        let data = try InteractionFileReader.read(path: Fixtures.ml100kPath!)
        #expect(data.userCount == 943 && data.itemCount == 1682 && data.count == 100_000)
        let split = Split.holdout(data, seed: 0, stream: RandomStream(state: 2024))
        #expect(split.train.count == 80_808 && split.valid.count == 9_596 && split.test.count == 9_596)
        #expect(split.hash == "50bffc746c61e5171b603ca2483f82c57a9a5a5efb4b2e73fae455961f35cfb4")
    }

    @Test func splitMix64Outputs() {
        var r = RandomStream(state: 2024)
        #expect([r.next(), r.next(), r.next()] == [11487996472437173461, 1793612131670815442, 5507758030568793471])
    }

    @Test func holdoutPartsPartitionEveryUser() throws {
        let data = Fixtures.interactions(users: 50, items: 80, perUser: 1...30)
        let s = try Split.make(data, protocol: .holdout, seed: 3)
        for u in 0..<data.userCount {
            let all = Set(data.row(u)), tr = Set(s.train.row(u)), va = Set(s.valid.row(u)), te = Set(s.test.row(u))
            #expect(tr.union(va).union(te) == all)
            #expect(tr.isDisjoint(with: va) && tr.isDisjoint(with: te) && va.isDisjoint(with: te))
            let n = all.count
            if n < 3 { #expect(va.isEmpty && te.isEmpty) } else {
                #expect(te.count == max(1, n / 10) && va.count == max(1, n / 10))
            }
        }
        // Same seed, same split; another seed, another split.
        #expect(try Split.make(data, protocol: .holdout, seed: 3).hash == s.hash)
        #expect(try Split.make(data, protocol: .holdout, seed: 4).hash != s.hash)
    }

    @Test func leaveOneOutHoldsTwoItemsAnd499UnobservedCandidates() throws {
        let data = Fixtures.interactions(users: 20, items: 700, perUser: 3...40)
        let s = try Split.make(data, protocol: .loo499, seed: 1)
        for u in 0..<data.userCount {
            #expect(s.valid.degree(user: u) == 1 && s.test.degree(user: u) == 1)
            let c = s.candidates[(u * 499)..<((u + 1) * 499)]
            #expect(Set(c).count == 499)
            #expect(c.allSatisfy { !data.contains(user: u, item: $0) })
        }
    }

    @Test func leaveOneOutRefusesTooFewItems() {
        let data = Fixtures.interactions(users: 5, items: 300, perUser: 3...5)
        #expect(throws: DataError.self) { try Split.make(data, protocol: .loo499, seed: 1) }
    }

    /// A user with exactly 499 unobserved items gets all of them as candidates (the draw ends).
    @Test func leaveOneOutWithExactly499FreeItemsTakesThemAll() throws {
        let data = Interactions(userIDs: ["a", "b"], itemIDs: (0..<510).map { "i\($0)" },
                                rows: [(0..<11).map { Int32($0) }, [3, 4, 5]])
        let s = try Split.make(data, protocol: .loo499, seed: 1)
        #expect(Set(s.candidates[0..<499]) == Set((11..<510).map { Int32($0) }))
    }

    /// No user with the 3 interactions a validation and a test item need: an error, not a
    /// split that would report zeros.
    @Test(arguments: [EvaluationProtocol.holdout, .loo499])
    func nothingToEvaluateIsAnError(p: EvaluationProtocol) {
        let data = Interactions(userIDs: ["1", "2", "3"], itemIDs: ["1", "2"], rows: [[0, 1], [0], [0, 1]])
        #expect(throws: DataError.self) { try Split.make(data, protocol: p, seed: 0) }
        do { _ = try Split.make(data, protocol: p, seed: 0) } catch { #expect("\(error)".contains("nothing can be evaluated") || "\(error)".contains("loo-499 needs")) }
    }
}
