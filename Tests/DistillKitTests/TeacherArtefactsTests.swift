import Foundation
import Testing
@testable import DistillKit

@Suite struct TeacherArtefactsTests {
    /// An in-memory store that counts what it is asked.
    final class MemoryStore: ArtefactStore, @unchecked Sendable {
        var files: [String: [UInt8]] = [:]
        var saves = 0
        func load(_ name: String) -> [UInt8]? { files[name] }
        func save(_ name: String, _ bytes: [UInt8]) throws { files[name] = bytes; saves += 1 }
    }

    static func setup() -> (MatrixFactorization, Interactions) {
        let data = Fixtures.interactions(users: 40, items: 60, perUser: 3...20)
        return (MatrixFactorization(users: 40, items: 60, dimension: 6, initStd: 1, seed: 4), data)
    }

    /// Top-N lists equal a brute-force sort of every unobserved score (ties to the lower id),
    /// on both sides, for 1 and 2 threads.
    @Test(arguments: [1, 2])
    func listsMatchBruteForce(threads: Int) throws {
        let (teacher, train) = Self.setup()
        let a = TeacherArtefacts(teacher: teacher, train: train, threads: threads)
        let users = try a.topItemsPerUser(15), items = try a.topUsersPerItem(7)
        for u in 0..<train.userCount {
            let expected = (0..<Int32(train.itemCount)).filter { !train.contains(user: u, item: $0) }
                .sorted { (teacher.score(user: u, item: Int($0)), -$0) > (teacher.score(user: u, item: Int($1)), -$1) }.prefix(15)
            #expect(Array(users.row(u)) == Array(expected), "user \(u)")
            for i in expected { #expect(users.contains(row: u, i)) }
        }
        for i in 0..<train.itemCount {
            let expected = (0..<Int32(train.userCount)).filter { !train.contains(user: Int($0), item: Int32(i)) }
                .sorted { (teacher.score(user: Int($0), item: i), -$0) > (teacher.score(user: Int($1), item: i), -$1) }.prefix(7)
            #expect(Array(items.row(i)) == Array(expected), "item \(i)")
        }
        #expect(!users.contains(row: 0, users.row(0).last! == 0 ? 1 : -1))
    }

    /// A user with fewer unobserved items than N gets a shorter row.
    @Test func shortRows() throws {
        let data = Interactions(userIDs: ["a", "b"], itemIDs: ["x", "y", "z"], rows: [[0, 1], []])
        let teacher = MatrixFactorization(users: 2, items: 3, dimension: 2, initStd: 1, seed: 1)
        let l = try TeacherArtefacts(teacher: teacher, train: data).topItemsPerUser(5)
        #expect(l.width == 3 && l.count(0) == 1 && Array(l.row(0)) == [2] && l.count(1) == 3)
    }

    /// Computed once, stored once, then loaded from the store by a fresh instance (same lists);
    /// a damaged payload is recomputed.
    @Test func storedOnceAndReloaded() throws {
        let (teacher, train) = Self.setup()
        let store = MemoryStore()
        let first = try TeacherArtefacts(teacher: teacher, train: train, store: store).topItemsPerUser(10)
        let again = TeacherArtefacts(teacher: teacher, train: train, store: store)
        #expect(try again.topItemsPerUser(10) == first)
        #expect(store.saves == 1 && store.files.keys.sorted() == ["top-items-per-user-unobserved-n10"])
        store.files["top-items-per-user-unobserved-n10"] = Array("garbage".utf8)
        #expect(try TeacherArtefacts(teacher: teacher, train: train, store: store).topItemsPerUser(10) == first)
        #expect(store.saves == 2)
    }

    @Test func serializationRoundTripsAndRejectsDamage() {
        let l = RankedLists(rows: 3, width: 2, entries: [5, 1, 7, 0, 2, 9], lengths: [2, 1, 2])
        let bytes = l.serialized()
        #expect(RankedLists(serialized: bytes) == l)
        #expect(RankedLists(serialized: Array(bytes.dropLast())) == nil)
        var bad = bytes
        bad[RankedLists.magic.count + 16] = 9   // a row length above the width
        #expect(RankedLists(serialized: bad) == nil)
        #expect(l.contains(row: 0, 1) && !l.contains(row: 1, 0) && l.contains(row: 2, 9))
    }
}
