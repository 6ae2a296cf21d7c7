/// The training kernels that may run on more than one thread, each with the smallest problem
/// (in its own work units) at which a second thread pays for itself on this kind of machine.
///
/// The thresholds come from `bench perf --kernels`, which times every kernel at 1 and 2 threads
/// over a range of sizes (docs/threads.md has the sweep behind each number).  Results never depend
/// on them: every kernel gives the same bits for any thread count.
public enum ParallelKernel: String, CaseIterable, Sendable {
    /// BPR pair scores and their derivatives: work = pairs x 2 x dimension.
    case pairScoring = "pair-scoring"
    /// Score gradients folded into the embedding gradients: work = entries x 2 x row stride.
    case gradientAccumulation = "gradient-accumulation"
    /// The elementwise Adam step over a parameter table: work = 8 x elements.
    case adamStep = "adam-step"

    public var minimumParallelWork: Int {
        switch self {
        // Measured on a 2-core AMD EPYC VM (docs/threads.md): waking a second thread costs tens
        // of microseconds, so only batches of several thousand pairs at d=200, or tables of
        // half a million floats and more, gain from it.
        case .pairScoring: return 1 << 21
        case .gradientAccumulation: return 1 << 21
        case .adamStep: return 1 << 22
        }
    }

    /// The threads worth using for `work` (at most `requested`).
    public func threads(_ requested: Int, work: Int) -> Int {
        if let forced = ParallelKernel.forcedThreads { return max(1, forced) }
        return work < minimumParallelWork ? 1 : max(1, requested)
    }

    /// For the `bench perf --kernels` sweep only: every kernel uses exactly this many threads.
    nonisolated(unsafe) public static var forcedThreads: Int? = nil
}
