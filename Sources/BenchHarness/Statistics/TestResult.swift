/// What every two-sided test result reports, so a comparison can hold either test of a pair
/// (paired or unpaired) and read it one way.
public protocol TestResult: Sendable {
    var pValue: Double { get }
    /// Why no test could be run, or nil when the numbers are meaningful.
    var notComputableReason: String? { get }
}

/// A t-test (paired or Welch): a statistic, degrees of freedom and an interval for the difference.
public protocol TTestLikeResult: TestResult {
    var t: Double { get }
    var confidenceLower: Double { get }
    var confidenceUpper: Double { get }
    /// As a real number (Welch's need not be an integer); NaN when not computable.
    var realDegreesOfFreedom: Double { get }
}

/// A rank test (Wilcoxon or Mann-Whitney): its reported statistic and its normal score.
public protocol RankTestResult: TestResult {
    var reportedStatistic: Double { get }
    var z: Double { get }
}

extension TTestResult: TTestLikeResult {
    public var realDegreesOfFreedom: Double { isComputable ? Double(degreesOfFreedom) : .nan }
}
extension WelchTTestResult: TTestLikeResult {
    public var realDegreesOfFreedom: Double { degreesOfFreedom }
}
extension WilcoxonResult: RankTestResult {
    /// min(W+, W−).
    public var reportedStatistic: Double { statistic }
}
extension MannWhitneyResult: RankTestResult {
    /// U of the first sample.
    public var reportedStatistic: Double { u }
}
