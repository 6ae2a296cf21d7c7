/// Holm–Bonferroni step-down adjustment for the family of tests one `bench claims` run makes.
///
/// Controls the family-wise error rate like Bonferroni but is uniformly more powerful, and needs
/// no independence assumption between the tests (they share datasets and baselines).
public enum HolmCorrection {
    /// Adjusted p-values in the input order. With the m non-NaN p-values sorted ascending,
    /// the i-th (from 0) becomes max over j ≤ i of (m - j)·p₍ⱼ₎, capped at 1, so adjusted values
    /// never decrease with the raw ones. NaN entries (tests that could not be run) stay NaN and
    /// do not count towards m. Non-NaN inputs must lie in [0, 1].
    public static func adjust(_ pValues: [Double]) -> [Double] {
        precondition(pValues.allSatisfy { $0.isNaN || (0...1).contains($0) }, "p-values must lie in [0, 1]")
        // Sorting indices (ties broken by position) keeps the result deterministic.
        let order = pValues.indices
            .filter { !pValues[$0].isNaN }
            .sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        let m = order.count
        var adjusted = pValues
        var runningMaximum = 0.0
        for (rank, index) in order.enumerated() {
            runningMaximum = max(runningMaximum, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = runningMaximum
        }
        return adjusted
    }
}
