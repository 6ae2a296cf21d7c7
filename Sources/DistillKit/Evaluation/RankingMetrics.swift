import Foundation

/// Ranking metrics of protocol.md §2, as pure functions of one user's ranked list.
public enum RankingMetrics {
    /// Recall@K = hits in the top K / |targets|.
    public static func recall(_ ranked: ArraySlice<Int32>, targets: Set<Int32>, k: Int) -> Double {
        guard !targets.isEmpty else { return 0 }
        let hits = ranked.prefix(k).reduce(0) { $0 + (targets.contains($1) ? 1 : 0) }
        return Double(hits) / Double(targets.count)
    }

    /// NDCG@K with binary gain; the ideal DCG places min(|targets|, K) hits first.
    public static func ndcg(_ ranked: ArraySlice<Int32>, targets: Set<Int32>, k: Int) -> Double {
        guard !targets.isEmpty else { return 0 }
        var dcg = 0.0
        for (r, item) in ranked.prefix(k).enumerated() where targets.contains(item) {
            dcg += 1 / log2(Double(r + 2))
        }
        var ideal = 0.0
        for r in 0..<min(targets.count, k) { ideal += 1 / log2(Double(r + 2)) }
        return dcg / ideal
    }

    /// Leave-one-out metrics from the 1-based rank of the single target.
    public static func hitRate(rank: Int, k: Int) -> Double { rank <= k ? 1 : 0 }
    public static func ndcg(rank: Int, k: Int) -> Double { rank <= k ? 1 / log2(Double(rank + 1)) : 0 }
    public static func reciprocalRank(rank: Int, k: Int) -> Double { rank <= k ? 1 / Double(rank) : 0 }

    /// The values of `evaluationProtocol.metricKeys` for a full-ranking user.
    public static func holdoutValues(_ ranked: [Int32], targets: Set<Int32>, cutoffs: [Int]) -> [Double] {
        let s = ranked[...]
        return cutoffs.map { recall(s, targets: targets, k: $0) } + cutoffs.map { ndcg(s, targets: targets, k: $0) }
    }

    /// The values of `evaluationProtocol.metricKeys` for a leave-one-out user.
    public static func leaveOneOutValues(rank: Int, cutoffs: [Int]) -> [Double] {
        cutoffs.map { hitRate(rank: rank, k: $0) } + cutoffs.map { ndcg(rank: rank, k: $0) }
            + cutoffs.map { reciprocalRank(rank: rank, k: $0) }
    }
}
