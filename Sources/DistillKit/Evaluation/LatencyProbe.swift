import Foundation

/// Latency settings (protocol.md §5 defaults).
public struct LatencySettings: Codable, Sendable, Hashable {
    public var warmupQueries = 100
    public var minQueries = 1000
    public var minSeconds = 1.0
    public var passes = 5
    public var batchUsers = 256
    public var listLength = 50
    public init() {}
}

/// Inference cost of one trained model.
public struct LatencyReport: Codable, Sendable {
    public struct Pass: Codable, Sendable {
        public let queries: Int
        public let seconds: Double
        public let p50: Double
        public let p95: Double
        public let p99: Double
        public let qps: Double
    }
    public let settings: LatencySettings
    /// Per-query percentiles in microseconds over all passes' queries pooled.
    public let p50: Double
    public let p95: Double
    public let p99: Double
    public let qps: Double
    /// Spread across passes: min and max of the per-pass p50 and QPS.
    public let p50Range: [Double]
    public let qpsRange: [Double]
    public let passes: [Pass]
    /// Users per second when scoring blocks of `batchUsers` (GEMM) + top-K, single thread.
    public let batchUsersPerSecond: Double
    /// Raw per-query timings (microseconds), pass after pass; written beside the record.
    public let rawMicros: [[Double]]
    /// When and beside what the probe ran (absent in records of older versions).
    public var conditions: Conditions? = nil

    /// A probe is only as clean as the machine around it: a probe that shares the cores with
    /// training workers reads slower, so each report says how it was taken.
    public struct Conditions: Codable, Sendable, Equatable {
        /// "inline": right after training, in the run's own process (a serial run);
        /// "deferred": by `bench all --phase latency`, one probe at a time after every worker
        /// of the suite has finished (`--jobs`, Slurm, `--defer-latency`).
        public var mode: String
        /// Cores kept busy by other processes during the probe, on average (`SystemLoad`):
        /// near 0 on an otherwise idle machine; nil where the machine's counters are unavailable.
        public var othersBusyCores: Double?

        public init(mode: String, othersBusyCores: Double?) {
            self.mode = mode
            self.othersBusyCores = othersBusyCores
        }
    }

    enum CodingKeys: String, CodingKey { case settings, p50, p95, p99, qps, p50Range, qpsRange, passes, batchUsersPerSecond, conditions }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        settings = try c.decode(LatencySettings.self, forKey: .settings)
        p50 = try c.decode(Double.self, forKey: .p50); p95 = try c.decode(Double.self, forKey: .p95)
        p99 = try c.decode(Double.self, forKey: .p99); qps = try c.decode(Double.self, forKey: .qps)
        p50Range = try c.decode([Double].self, forKey: .p50Range); qpsRange = try c.decode([Double].self, forKey: .qpsRange)
        passes = try c.decode([Pass].self, forKey: .passes)
        batchUsersPerSecond = try c.decode(Double.self, forKey: .batchUsersPerSecond)
        conditions = try c.decodeIfPresent(Conditions.self, forKey: .conditions)
        rawMicros = []
    }

    init(settings: LatencySettings, passes: [Pass], raw: [[Double]], batchUsersPerSecond: Double) {
        self.settings = settings
        let pooled = raw.flatMap { $0 }.sorted()
        p50 = LatencyProbe.percentile(pooled, 0.50)
        p95 = LatencyProbe.percentile(pooled, 0.95)
        p99 = LatencyProbe.percentile(pooled, 0.99)
        qps = Double(passes.reduce(0) { $0 + $1.queries }) / passes.reduce(0) { $0 + $1.seconds }
        p50Range = [passes.map(\.p50).min() ?? 0, passes.map(\.p50).max() ?? 0]
        qpsRange = [passes.map(\.qps).min() ?? 0, passes.map(\.qps).max() ?? 0]
        self.passes = passes
        self.batchUsersPerSecond = batchUsersPerSecond
        rawMicros = raw
    }
}

/// Measures per-user query latency (score all items, mask train items, top-K) single-threaded,
/// cycling over the test users in a fixed order, plus batch throughput.
public enum LatencyProbe {
    public static func measure(_ model: RankingModel, split: Split, users: [Int32], settings: LatencySettings,
                               mode: String = "inline") -> LatencyReport {
        let (report, others) = SystemLoad.othersBusyCores { probe(model, split: split, users: users, settings: settings) }
        var measured = report
        // Rounded: a condition, not a measurement to compare digit by digit.
        measured.conditions = .init(mode: mode, othersBusyCores: others.map { ($0 * 100).rounded() / 100 })
        return measured
    }

    private static func probe(_ model: RankingModel, split: Split, users: [Int32], settings: LatencySettings) -> LatencyReport {
        BLAS.setThreads(1)
        let n = model.itemCount
        let row = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { row.deallocate() }
        var selector = TopKSelector(k: min(settings.listLength, n))
        var out: [Int32] = []
        let clock = ContinuousClock()
        var cursor = 0
        func query() {
            var u = users[cursor % users.count]
            cursor += 1
            withUnsafePointer(to: &u) { model.scoreAllItems(users: UnsafeBufferPointer(start: $0, count: 1), into: row) }
            for i in split.train.row(Int(u)) { row[Int(i)] = -.infinity }
            selector.select(row, count: n, into: &out)
        }
        for _ in 0..<settings.warmupQueries { query() }
        var passes: [LatencyReport.Pass] = []
        var raw: [[Double]] = []
        for _ in 0..<settings.passes {
            var times: [Double] = []
            times.reserveCapacity(settings.minQueries * 2)
            let passStart = clock.now
            var elapsed = 0.0
            while times.count < settings.minQueries || elapsed < settings.minSeconds {
                let t0 = clock.now
                query()
                times.append(micros(clock.now - t0))
                elapsed = micros(clock.now - passStart) / 1e6
            }
            let sorted = times.sorted()
            passes.append(.init(queries: times.count, seconds: elapsed, p50: percentile(sorted, 0.5),
                                p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99),
                                qps: Double(times.count) / elapsed))
            raw.append(times)
        }
        // Batch throughput: all evaluation users once, in blocks (at least minQueries users).
        let block = settings.batchUsers
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * n)
        defer { buffer.deallocate() }
        var scored = 0
        let batchStart = clock.now
        repeat {
            var lo = 0
            while lo < users.count {
                let hi = min(users.count, lo + block)
                users[lo..<hi].withUnsafeBufferPointer { model.scoreAllItems(users: $0, into: buffer) }
                for k in lo..<hi {
                    let r = buffer + (k - lo) * n
                    for i in split.train.row(Int(users[k])) { r[Int(i)] = -.infinity }
                    selector.select(r, count: n, into: &out)
                }
                scored += hi - lo
                lo = hi
            }
        } while scored < settings.minQueries
        let batchSeconds = micros(clock.now - batchStart) / 1e6
        return LatencyReport(settings: settings, passes: passes, raw: raw, batchUsersPerSecond: Double(scored) / batchSeconds)
    }

    static func micros(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) * 1e6 + Double(c.attoseconds) / 1e12
    }

    /// Nearest-rank percentile of sorted values.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
