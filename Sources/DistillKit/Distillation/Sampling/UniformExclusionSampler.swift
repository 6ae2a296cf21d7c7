/// Distinct values drawn uniformly from 0..<n minus an excluded set (RRD's uninteresting items:
/// unobserved and outside the teacher's top-N; IR-RRD's uninteresting users), in a bounded number
/// of steps: rejection first, then an exact draw from the enumerated complement when the
/// excluded set is so large that rejection keeps missing.
public enum UniformExclusionSampler {
    /// Rejected candidates allowed per wanted value before switching to the exact draw.
    public static let rejectionBudget = 64

    /// Up to `count` distinct values of 0..<n for which `excluded` is false (all of them if fewer
    /// are allowed); `excludedCount` is the exact number of excluded values.
    public static func draw(count: Int, below n: Int, excludedCount: Int, _ rng: inout RandomStream,
                            excluded: (Int32) -> Bool) -> [Int32] {
        let allowed = n - excludedCount
        let k = min(count, allowed)
        guard k > 0 else { return [] }
        var out: [Int32] = []
        out.reserveCapacity(k)
        var misses = 0
        while out.count < k && misses < rejectionBudget * k {
            let v = Int32(rng.nextInt(below: n))
            if excluded(v) || out.contains(v) { misses += 1; continue }
            out.append(v)
        }
        if out.count == k { return out }
        // Exact: the allowed values not drawn yet, then a partial Fisher-Yates over them.
        var rest = (0..<Int32(n)).filter { !excluded($0) && !out.contains($0) }
        var m = 0
        while out.count < k {
            let j = m + rng.nextInt(below: rest.count - m)
            rest.swapAt(m, j)
            out.append(rest[m])
            m += 1
        }
        return out
    }
}
