import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

@Suite struct ClaimsTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    // MARK: fixtures

    /// A finished (or failed) record with one test metric, as the runner would write it.
    static func record(_ method: String, dim: Int, seed: UInt64, value: Double, dataset: String = "ml-100k",
                       protocol p: EvaluationProtocol = .holdout, teacherDim: Int = 200,
                       status: RunRecord.Status = .finished) -> RunRecord {
        let isTeacher = method == MethodRegistry.teacherKey
        let spec = RunSpec(dataset: .init(name: dataset), evaluationProtocol: p, method: method, variant: method, hyperparameters: [:], family: "bpr-mf",
                           teacherDimension: teacherDim, dimension: dim, phi: isTeacher ? 1 : Double(dim) / Double(teacherDim), seed: seed,
                           training: TrainingConfig(), teacherTraining: TrainingConfig(), latency: LatencySettings())
        return RunRecord(formatVersion: RunRecord.currentFormat, key: spec.key, configHash: "", identity: nil, spec: spec, status: status,
                         failure: status == .failed ? "diverged" : nil, warnings: [], deviations: [], datasetHash: "", splitHash: "",
                         selectionMetric: p.selectionMetric, selectedEpoch: 5, epochsRun: 10, trainingStatus: status.rawValue,
                         trainSeconds: 0, validation: [:], test: [p.selectionMetric: value], learningCurve: [], latency: nil,
                         model: nil, teacher: nil, codeRevision: "test")
    }

    /// One record per value, seeds 0, 1, 2, ...
    static func runs(_ method: String, dim: Int, _ values: [Double], protocol p: EvaluationProtocol = .holdout) -> [RunRecord] {
        values.enumerated().map { record(method, dim: dim, seed: UInt64($0), value: $1, protocol: p) }
    }

    static func claim(_ left: String, _ relation: Claim.Relation, _ right: String, sizes: Claim.Sizes = .phi([0.1]),
                      protocol p: EvaluationProtocol = .holdout) -> Claim {
        Claim(id: "c", statement: "s", datasets: .every, evaluationProtocol: p, sizes: sizes, metric: p.selectionMetric,
              left: left, relation: relation, right: right, source: .init(paper: "test paper", table: "Table 2", published: "+5%"))
    }

    static let clearWin = runs("rrd", dim: 20, [0.30, 0.32, 0.31]) + runs("student", dim: 20, [0.25, 0.26, 0.27])

    // MARK: verdicts

    /// Differences 0.05, 0.06, 0.04: mean 0.05, sd 0.01, t = 0.05 / (0.01 / √3) = 5√3 with 2 df, where
    /// the two-sided p is 1 − t / √(t² + 2) = 1 − √75 / √77 = 0.0130725; CI 0.05 ± 4.302653 · 0.01 / √3.
    /// (scipy.stats.ttest_rel agrees: p 0.013072457560346548, CI [0.025158622882496665, 0.07484137711750331].)
    @Test func clearWinIsReproducedWithEffectAndP() throws {
        let result = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student"), records: Self.clearWin)
        #expect(result.verdict == .reproduced)
        #expect(result.scopes.count == 1)
        let s = result.scopes[0]
        #expect(s.scope == "ml-100k, d20 (φ=0.1)")
        #expect(s.verdict == .reproduced && s.reason == nil)
        #expect(s.seeds == [0, 1, 2])
        let t = try #require(s.test)
        #expect(abs(t.meanDifference - 0.05) < 1e-12)
        #expect(abs(t.t - 5 * 3.0.squareRoot()) < 1e-9)
        #expect(abs(t.pValue - (1 - (75.0 / 77).squareRoot())) < 1e-9)
        #expect(abs(t.pValue - 0.013072457560346548) < 1e-9)
        #expect(abs(t.confidenceLower - 0.025158622882496665) < 1e-9)
        #expect(abs(t.confidenceUpper - 0.07484137711750331) < 1e-9)
        #expect(abs(try #require(s.relativeEffect) - 0.05 / 0.26) < 1e-12)
    }

    @Test func clearLossIsNotReproduced() throws {
        let records = Self.runs("rrd", dim: 20, [0.25, 0.26, 0.27]) + Self.runs("student", dim: 20, [0.30, 0.32, 0.31])
        let result = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student"), records: records)
        #expect(result.verdict == .notReproduced)
        let t = try #require(result.scopes[0].test)
        #expect(abs(t.meanDifference + 0.05) < 1e-12)
        #expect(abs(t.pValue - 0.013072457560346548) < 1e-9)
    }

    @Test func lessThanClaimsReadTheOtherDirection() {
        #expect(ClaimEvaluation.evaluate(Self.claim("student", .less, "rrd"), records: Self.clearWin).verdict == .reproduced)
        #expect(ClaimEvaluation.evaluate(Self.claim("rrd", .less, "student"), records: Self.clearWin).verdict == .notReproduced)
    }

    @Test func twoSeedsAreInconclusive() throws {
        let records = Self.runs("rrd", dim: 20, [0.30, 0.32]) + Self.runs("student", dim: 20, [0.25, 0.26, 0.27])
        let s = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student"), records: records).scopes[0]
        #expect(s.verdict == .inconclusive)
        #expect(s.reason == "n seeds 2 < 3")
        #expect(s.seeds == [0, 1])
        #expect(abs(try #require(s.test).meanDifference - 0.055) < 1e-12)
    }

    /// Differences 0.05, −0.04, 0.02: scipy.stats.ttest_rel gives p 0.7418011102528392.
    @Test func noisyDifferenceIsInconclusive() throws {
        let records = Self.runs("rrd", dim: 20, [0.30, 0.22, 0.29]) + Self.runs("student", dim: 20, [0.25, 0.26, 0.27])
        let result = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student"), records: records)
        #expect(result.verdict == .inconclusive)
        #expect(result.scopes[0].reason == "not significant")
        #expect(abs(try #require(result.scopes[0].test).pValue - 0.7418011102528392) < 1e-9)
    }

    /// `>=` (no worse, margin 1% of the right side's mean): equal means are reproduced, a clear
    /// loss is not, a loss inside the margin is reproduced, a noisy one is inconclusive.
    @Test func noWorseIsANonInferiorityTest() {
        func verdict(_ left: [Double], _ right: [Double]) -> ClaimVerdict {
            ClaimEvaluation.evaluate(Self.claim("rrd", .noWorse, "student"), records: Self.runs("rrd", dim: 20, left) + Self.runs("student", dim: 20, right)).verdict
        }
        #expect(verdict([0.300, 0.310, 0.320], [0.300, 0.310, 0.320]) == .reproduced)
        #expect(verdict([0.299, 0.309, 0.319], [0.300, 0.310, 0.320]) == .reproduced)      // 0.001 below, margin 0.0031
        #expect(verdict([0.250, 0.262, 0.271], [0.300, 0.310, 0.320]) == .notReproduced)
        #expect(verdict([0.20, 0.40, 0.25], [0.300, 0.310, 0.320]) == .inconclusive)
    }

    @Test func missingMethodIsNotRun() {
        let result = ClaimEvaluation.evaluate(Self.claim("future-method", .greater, "student"), records: Self.clearWin)
        #expect(result.verdict == .notRun)
        #expect(result.scopes.count == 1)
        #expect(result.scopes[0].scope == "ml-100k, d20 (φ=0.1)")
        #expect(result.scopes[0].reason == "`future-method` is not a registered method yet")
    }

    @Test func otherProtocolsAndSizesAreNotRun() {
        let loo = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student", protocol: .loo499), records: Self.clearWin)
        #expect(loo.verdict == .notRun)
        #expect(loo.scopes.map(\.reason) == ["no finished loo-499 runs in the directory"])
        let small = ClaimEvaluation.evaluate(Self.claim("future-method", .greater, "student", sizes: .dimension([5])), records: Self.clearWin)
        #expect(small.verdict == .notRun)
        #expect(small.scopes[0].scope == "ml-100k, d5")
        #expect(small.scopes[0].reason == "`future-method` is not a registered method yet; no finished `student` runs at d5")
        let registered = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student", sizes: .dimension([5])), records: Self.clearWin)
        #expect(registered.scopes[0].reason == "no finished `rrd` runs at d5; no finished `student` runs at d5")
    }

    /// The teacher row pairs with every student size by seed, at the student's teacher dimension;
    /// failed runs count for nothing.
    @Test func teacherBeatsStudentAtEverySize() {
        var records = Self.runs("teacher", dim: 200, [0.40, 0.41, 0.42]) + Self.runs("student", dim: 5, [0.20, 0.21, 0.19])
            + Self.runs("student", dim: 10, [0.30, 0.32, 0.31])
        records.append(Self.record("teacher", dim: 100, seed: 0, value: 0.01, teacherDim: 100))
        records.append(Self.record("student", dim: 20, seed: 0, value: 0.5, status: .failed))
        let result = ClaimEvaluation.evaluate(Self.claim("teacher", .greater, "student", sizes: .all), records: records)
        #expect(result.verdict == .reproduced)
        #expect(result.scopes.map(\.dimension) == [5, 10])
        #expect(result.scopes[0].left == [0.40, 0.41, 0.42])
        #expect(result.scopes[1].right == [0.30, 0.32, 0.31])
    }

    @Test func missingTeacherIsNotRunAtThatSize() {
        let records = Self.runs("teacher", dim: 200, [0.40, 0.41, 0.42], protocol: .loo499) + Self.runs("student", dim: 20, [0.2, 0.2, 0.2])
        let result = ClaimEvaluation.evaluate(Self.claim("teacher", .greater, "student", sizes: .all), records: records)
        #expect(result.verdict == .notRun)
        #expect(result.scopes[0].reason == "no finished `teacher` runs for the seeds at d20")
    }

    @Test func aClaimHoldsOnlyIfItHoldsEverywhere() {
        #expect(ClaimVerdict.combine([.reproduced, .reproduced]) == .reproduced)
        #expect(ClaimVerdict.combine([.reproduced, .inconclusive]) == .inconclusive)
        #expect(ClaimVerdict.combine([.reproduced, .notRun]) == .inconclusive)
        #expect(ClaimVerdict.combine([.reproduced, .notReproduced, .inconclusive]) == .notReproduced)
        #expect(ClaimVerdict.combine([.notRun, .notRun]) == .notRun)
    }

    // MARK: report

    @Test func markdownShowsEffectCIAndP() {
        let results = ClaimEvaluation.evaluate([Self.claim("rrd", .greater, "student"), Self.claim("de-rrd", .greater, "student")],
                                               records: Self.clearWin)
        let md = ClaimsReport.markdown(results, title: "results/x")
        #expect(md.contains("| `c` | rrd > student, ndcg@20, holdout | reproduced | 1/1 | s | test paper; Table 2 |"))
        #expect(md.contains("| `c` | ml-100k, d20 (φ=0.1) | reproduced | +0.0500 (+19.2%) [+0.0252, +0.0748] | 0.013 | 3 | +5% |"))
        #expect(md.contains("| `c` | ml-100k, d20 (φ=0.1) | not run (`de-rrd` is not a registered method yet) | – | – | 0 | +5% |"))
    }

    /// A constant difference has t = ∞, which plain JSON cannot hold.
    @Test func jsonKeepsInfiniteStatistics() throws {
        let records = Self.runs("rrd", dim: 20, [0.5, 0.75, 0.625]) + Self.runs("student", dim: 20, [0.25, 0.5, 0.375])
        let result = ClaimEvaluation.evaluate(Self.claim("rrd", .greater, "student"), records: records)
        #expect(result.verdict == .reproduced)
        let text = String(decoding: try ClaimsReport.json([result]), as: UTF8.self)
        #expect(text.contains("\"t\" : \"inf\""))
        #expect(text.contains("\"verdict\" : \"reproduced\""))
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let back = try d.decode([ClaimResult].self, from: try ClaimsReport.json([result]))
        #expect(back[0].claim == result.claim && back[0].scopes[0].test?.t == .infinity)
    }

    /// Datasets and sizes are written as in claims.yaml, not as Swift enum cases.
    @Test func claimsCodeAsInTheFile() throws {
        var c = Self.claim("rrd", .greater, "student")
        for (datasets, sizes, text) in [(Claim.Datasets.every, Claim.Sizes.all, #""datasets":"*","#),
                                        (.named(["ml-100k"]), .phi([0.1]), #""sizes":{"phi":[0.1]}"#),
                                        (.named(["a", "b"]), .dimension([5, 20]), #""sizes":{"dim":[5,20]}"#)] {
            c.datasets = datasets
            c.sizes = sizes
            let json = try CanonicalJSON.encode(c)
            #expect(json.contains(text))
            #expect(try JSONDecoder().decode(Claim.self, from: Data(json.utf8)) == c)
        }
    }

    // MARK: the file

    @Test func committedClaimsParse() throws {
        let claims = try ClaimFile.load(path: "\(Self.repo)/\(ClaimFile.defaultPath)")
        let premise = try #require(claims.first { $0.id == "teacher-beats-student" })
        #expect(premise.datasets == .every && premise.evaluationProtocol == .holdout && premise.sizes == .all)
        #expect(premise.metric == "ndcg@20" && premise.comparison == "teacher > student")
        #expect(premise.source.paper == "DistillBench premise")
        #expect(claims.contains { $0.comparison == "de-rrd > rrd" && $0.evaluationProtocol == .loo499 && $0.sizes == .phi([0.1]) })
        // With no runs every claim is listed, none is an error.
        #expect(ClaimEvaluation.evaluate(claims, records: []).allSatisfy { $0.verdict == .notRun })
    }

    static let validFields: [(String, String)] = [
        ("id", "a"), ("statement", "s"), ("datasets", "\"*\""), ("protocol", "holdout"), ("sizes", "all"),
        ("metric", "ndcg@20"), ("compare", "rrd > student"), ("source", "{paper: p}"),
    ]

    /// The error for one claim with some fields replaced (an empty value removes the field).
    func error(_ changes: [String: String], twice: Bool = false) -> String {
        var fields = Self.validFields.map { ($0, changes[$0] ?? $1) }
        fields += changes.filter { key, _ in !Self.validFields.contains { $0.0 == key } }.map { ($0, $1) }
        let entry = "  - " + fields.filter { !$0.1.isEmpty }.map { "\($0): \($1)" }.joined(separator: "\n    ") + "\n"
        do { _ = try ClaimFile.parse("claims:\n" + entry + (twice ? entry : ""), file: "bad.yaml"); return "no error" } catch { return "\(error)" }
    }

    @Test func badClaimsNameTheFieldAndTheAcceptedValues() {
        #expect(error([:]) == "no error")
        #expect(error(["foo": "1"]).contains("bad.yaml: claims[0].foo: unknown field"))
        #expect(error(["metric": "hr@10"]).contains("claims[0].metric: 'hr@10' is not a holdout metric; one of recall@10"))
        #expect(error(["protocol": "kfold"]).contains("claims[0].protocol: unknown protocol 'kfold'; one of holdout, loo-499"))
        #expect(error(["compare": "rrd => student"]).contains("claims[0].compare: expected 'LEFT > RIGHT', 'LEFT < RIGHT' or 'LEFT >= RIGHT'"))
        #expect(error(["compare": "rrd >= student"]) == "no error")
        #expect(error(["metric": "recall@20/pop4"]) == "no error")
        #expect(error(["compare": "rrd > rrd"]).contains("claims[0].compare: compares 'rrd' with itself"))
        #expect(error(["sizes": "{phi: [2]}"]).contains("claims[0].sizes.phi[0]: must be a ratio"))
        #expect(error(["sizes": "{size: 20}"]).contains("claims[0].sizes.size: unknown field; known fields here: phi, dim"))
        #expect(error(["sizes": ""]).contains("claims[0].sizes: expected all, {phi: [ratios]} or {dim: [student dimensions]}"))
        #expect(error(["datasets": "[]"]).contains("claims[0].datasets: expected \"*\""))
        #expect(error(["id": "A b"]).contains("claims[0].id: 'A b' must be lower-case"))
        #expect(error(["statement": ""]).contains("claims[0].statement: required"))
        #expect(error(["source": "{table: T1}"]).contains("claims[0].source.paper: required"))
        #expect(error([:], twice: true).contains("claims[1].id: 'a' is used by an earlier claim"))
        #expect((try? ClaimFile.parse("claims: []", file: "bad.yaml")) == nil)
        #expect(error(["datasets": "*"]).contains("bad.yaml: (yaml): not valid YAML"))
    }
}
