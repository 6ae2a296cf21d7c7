extension Plots {
    /// Indices of the points on the accuracy/latency Pareto frontier: those that no other point
    /// dominates, i.e. no other point has latency ≤ and accuracy ≥ with at least one strictly better.
    ///
    /// Computed here rather than in Python so it can be tested without matplotlib.
    /// Identical points do not dominate each other, so all copies stay. Points with a non-finite
    /// latency or accuracy are ignored. The result is sorted by latency (then index), which is the
    /// order in which the frontier is drawn as a step line.
    public static func paretoFrontier(_ points: [AccuracyLatencyPoint]) -> [Int] {
        let candidates = points.indices.filter {
            points[$0].latencyMicros.isFinite && points[$0].accuracy.isFinite
        }
        func dominates(_ a: AccuracyLatencyPoint, _ b: AccuracyLatencyPoint) -> Bool {
            a.latencyMicros <= b.latencyMicros && a.accuracy >= b.accuracy
                && (a.latencyMicros < b.latencyMicros || a.accuracy > b.accuracy)
        }
        return candidates
            .filter { index in !candidates.contains { dominates(points[$0], points[index]) } }
            .sorted { (points[$0].latencyMicros, $0) < (points[$1].latencyMicros, $1) }
    }
}
