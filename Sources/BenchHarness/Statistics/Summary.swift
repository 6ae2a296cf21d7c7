import Foundation

/// Descriptive statistics of one sample (per-seed or per-user metric values), reported next to
/// every test result so a p-value is never read without the size of the effect behind it.
public struct Summary: Sendable, Codable {
    public let count: Int
    /// Arithmetic mean; NaN when empty.
    public let mean: Double
    /// Sample standard deviation (n - 1 denominator); NaN when count < 2.
    public let standardDeviation: Double
    /// Standard error of the mean, `standardDeviation / sqrt(count)`; NaN when count < 2.
    public let standardError: Double
    public let minimum: Double
    public let maximum: Double
    /// Middle value, or the mean of the two middle values for an even count; NaN when empty.
    public let median: Double

    /// Summarises `values`. If any value is NaN, every statistic except `count` is NaN,
    /// so a broken run cannot hide inside an average.
    public init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty, !values.contains(where: \.isNaN) else {
            (mean, standardDeviation, standardError) = (.nan, .nan, .nan)
            (minimum, maximum, median) = (.nan, .nan, .nan)
            return
        }
        let sorted = values.sorted()
        minimum = sorted[0]
        maximum = sorted[sorted.count - 1]
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2

        let n = Double(count)
        if minimum == maximum {
            // Constant samples get an exact mean and exactly zero spread, which the paired t-test
            // relies on to recognise "no variance" instead of dividing by rounding noise.
            mean = minimum
            standardDeviation = count < 2 ? .nan : 0
        } else {
            let roughMean = values.reduce(0, +) / n
            // Corrected two-pass algorithm: the second sum removes the rounding error left in
            // `roughMean`, and squaring deviations avoids the cancellation of Σx² - n·mean².
            let deviationSum = values.reduce(0) { $0 + ($1 - roughMean) }
            let squaredDeviationSum = values.reduce(0) { $0 + ($1 - roughMean) * ($1 - roughMean) }
            mean = roughMean + deviationSum / n
            let variance = (squaredDeviationSum - deviationSum * deviationSum / n) / (n - 1)
            standardDeviation = max(variance, 0).squareRoot()
        }
        standardError = standardDeviation / n.squareRoot()
    }
}
