import Foundation
@testable import DistillKit

/// Small fixtures generated in code.
enum Fixtures {
    /// A random interaction set with every user having at least `minPerUser` items.
    static func interactions(users: Int, items: Int, perUser: ClosedRange<Int>, seed: UInt64 = 1) -> Interactions {
        var rng = RandomStream(seed: seed, purpose: "fixture")
        var pairs: [(Int32, Int32)] = []
        for u in 0..<users {
            let n = perUser.lowerBound + rng.nextInt(below: perUser.count)
            var s = Set<Int32>()
            while s.count < n { s.insert(Int32(rng.nextInt(below: items))) }
            for i in s { pairs.append((Int32(u), i)) }
        }
        return Interactions(userIDs: (0..<users).map { "u\($0)" }, itemIDs: (0..<items).map { "i\($0)" }, codedPairs: &pairs)
    }

    /// Writes `bytes` as `name` in a fresh directory (tests run in parallel and reuse names like
    /// u.data) and returns its path.
    static func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distillbench-fixtures-\(getpid())/\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let p = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// ml-100k from the cache if `make data` has fetched it.
    static var ml100kPath: String? { cachedPath(DatasetFetcher.ml100k) }

    /// A pinned dataset's file if it is in the cache (`bench datasets fetch NAME`).
    static func cachedPath(_ pin: DatasetFetcher.PinnedFile) -> String? {
        let p = DatasetFetcher.cachedPath(pin)
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}
