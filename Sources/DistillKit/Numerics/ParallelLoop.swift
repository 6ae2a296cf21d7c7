import Dispatch

/// Parallel loops whose results never depend on the thread count: work is cut into pieces
/// whose boundaries depend only on the problem size, every piece writes only its own outputs,
/// and reductions combine per-piece partials in piece order on one thread.
public enum ParallelLoop {
    /// Runs `body(piece)` for piece in 0..<pieces on up to `threads` threads.
    public static func forEach(pieces: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        if pieces <= 0 { return }
        let t = max(1, min(threads, pieces))
        if t == 1 {
            for p in 0..<pieces { body(p) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: t) { worker in
            var p = worker
            while p < pieces { body(p); p += t }
        }
    }

    /// Sum of `partial(piece)` over pieces, combined in piece order (bit-identical for any thread count).
    public static func sum(pieces: Int, threads: Int, _ partial: @Sendable (Int) -> Double) -> Double {
        let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, pieces))
        defer { out.deallocate() }
        let o = SendablePointer(out.baseAddress!)
        forEach(pieces: pieces, threads: threads) { p in o.pointer[p] = partial(p) }
        var s = 0.0
        for p in 0..<pieces { s += out[p] }
        return s
    }
}

/// A raw pointer that may cross into `@Sendable` closures; callers guarantee disjoint writes.
public struct SendablePointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}
