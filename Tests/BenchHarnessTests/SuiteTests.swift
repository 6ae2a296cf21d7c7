import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

@Suite struct SuiteTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(arguments: ["default", "default-loo499", "smoke", "full", "full-loo499", "cost-sample"])
    func committedSuitesParse(name: String) throws {
        let s = try Suite.load(path: "\(Self.repo)/benchmarks/\(name).yaml")
        #expect(s.name == name)
        #expect(try !s.expand().isEmpty)
    }

    @Test func defaultSuiteExpandsToTheIssueGrid() throws {
        let s = try Suite.load(path: "\(Self.repo)/benchmarks/default.yaml")
        #expect(s.datasets.map(\.name) == ["ml-100k"])
        #expect(s.phis.map { s.studentDimension(phi: $0) } == [5, 10, 20])
        #expect(s.methods.map(\.key) == ["student", "rd", "cd", "cd-sg", "rrd", "ir-rrd", "dcd", "unkd"])
        let runs = try s.expand()
        // Per seed: the teacher and 8 methods at 3 student sizes.
        #expect(runs.count == 3 * (1 + 8 * 3))
        #expect(Set(runs.map(\.key)).count == runs.count)
    }

    func error(_ yaml: String) -> String {
        do { _ = try Suite.parse(yaml, file: "bad.yaml", defaultName: "bad"); return "no error" } catch { return "\(error)" }
    }

    @Test func badSuitesNameTheFieldAndTheFix() {
        #expect(error("datasets: [ml-100k]\nfoo: 1").contains("bad.yaml: foo: unknown field"))
        #expect(error("datasets: [nope]").contains("datasets[0]: unknown dataset 'nope'"))
        #expect(error("datasets: [ml-100k]\nmethods: [magic]").contains("methods[0]: unknown method 'magic'"))
        #expect(error("datasets: [ml-100k]\nphi: [2]").contains("phi[0]: must be a ratio"))
        #expect(error("datasets: [ml-100k]\nprotocol: kfold").contains("protocol: unknown protocol 'kfold'"))
        #expect(error("datasets: [ml-100k]\ntraining: {lr: -1}").contains("training.lr"))
        #expect(error("methods: [student]").contains("datasets: required"))
        #expect(error("datasets: [ml-100k]\nmethods: [{student: {alpha: 1}}]").contains("has no hyperparameter 'alpha'"))
        #expect(error("datasets: [ml-100k\n").contains("not valid YAML"))
    }

    @Test func pathLikeNamesAreRefusedWithTheRule() {
        for name in ["../../../escaped", "a/b", ".hidden", "x__y", "", String(repeating: "n", count: 65)] {
            let e = error("datasets: [{name: '\(name)', path: d.csv}]")
            #expect(e.contains("bad.yaml: datasets[0].name") && e.contains("A-Z a-z 0-9"), "\(name): \(e)")
        }
        #expect(error("name: ../up\ndatasets: [ml-100k]").contains("bad.yaml: name:"))
        #expect(error("datasets: [ml-100k]\nmethods: [{student: {}, name: 'a b'}]").contains("methods[0].name"))
    }

    @Test func twoEntriesWithOneRunKeyAreRefusedNamingBoth() throws {
        let sizes = error("datasets: [ml-100k]\nteacher_dim: 16\nphi: [0.25, 0.26]")
        #expect(sizes.contains("phi[1] = 0.26 (d=4)") && sizes.contains("phi[0] = 0.25 (d=4)") && sizes.contains("distinct dimensions"))
        let methods = error("datasets: [ml-100k]\nmethods: [student, student]")
        #expect(methods.contains("methods[1] (student)") && methods.contains("methods[0] (student)") && methods.contains("name:"))
        #expect(error("datasets: [ml-100k]\nseeds: [1, 1]").contains("seeds: a seed appears twice"))
        // Named, the two configurations are two runs.
        let named = try Suite.parse("datasets: [ml-100k]\nseeds: [0]\nmethods: [student, {student: {}, name: student-b}]", file: "ok.yaml", defaultName: "ok")
        let variants = try named.expand().map(\.variant)
        #expect(variants == ["teacher", "student", "student", "student", "student-b", "student-b", "student-b"])
    }

    @Test func nonFiniteAndOutOfRangeNumbersNameTheField() {
        #expect(error("datasets: [ml-100k]\ntraining: {lr: 1e39}").contains("training.lr: 1e+39 is out of range"))
        #expect(error("datasets: [ml-100k]\ntraining: {lr: .nan}").contains("training.lr: must be a finite number"))
        #expect(error("datasets: [ml-100k]\ntraining: {weight_decay: .inf}").contains("training.weight_decay: must be a finite number"))
        #expect(error("datasets: [ml-100k]\nlatency: {min_seconds: -1}").contains("latency.min_seconds: must be >= 0"))
        #expect(error("datasets: [{name: x, path: d.csv, min_rating: .nan}]").contains("datasets[0].min_rating: must be a finite number"))
    }

    @Test func relativeDataPathsAreRelativeToTheSuiteFolder() throws {
        let s = try Suite.parse("datasets: [{name: mine, path: data/u.csv}]", file: "/x/suites/s.yaml", defaultName: "s", folder: "/x/suites")
        #expect(s.datasets[0].source == "file:/x/suites/data/u.csv")
        #expect(s.datasets[0].path == "data/u.csv")   // recorded as written
        let abs = try Suite.parse("datasets: [{name: mine, path: /d/u.csv}]", file: "s.yaml", defaultName: "s", folder: "/x")
        #expect(abs.datasets[0].source == "file:/d/u.csv")
    }

    @Test func separatorAndEncodingFieldsAreReadIntoTheOptions() throws {
        func options(_ fields: String) throws -> InteractionFileOptions {
            try Suite.parse("datasets: [{name: bx, path: r.csv, \(fields)}]", file: "ok.yaml", defaultName: "ok").datasets[0].options
        }
        #expect(try options("separator: ';', encoding: latin-1").separator == ";")
        #expect(try options("separator: ';', encoding: latin-1").encoding == .latin1)
        #expect(try options("separator: '|'").separator == "|")
        #expect(try options("separator: tab").separator == "\t")
        #expect(try options("separator: \"\\t\"").separator == "\t")
        #expect(try options("separator: ','").separator == ",")
        #expect(try options("encoding: utf-8").encoding == .utf8)
        #expect(try options("user_column: u").separator == nil)
        #expect(try options("user_column: u").encoding == .utf8)
    }

    @Test func badSeparatorAndEncodingValuesNameTheFieldAndTheAcceptedOnes() {
        let colon = error("datasets: [{name: bx, path: r.csv, separator: ':'}]")
        #expect(colon.contains("bad.yaml: datasets[0].separator: unknown separator ':'") && colon.contains("',', ';', '|', tab"), "\(colon)")
        #expect(error("datasets: [{name: bx, path: r.csv, separator: ';;'}]").contains("datasets[0].separator: unknown separator ';;'"))
        #expect(error("datasets: [{name: bx, path: r.csv, separator: 1}]").contains("datasets[0].separator: expected text"))
        let onInter = error("datasets: [{name: bx, path: r.inter, separator: ';'}]")
        #expect(onInter.contains("datasets[0].separator: a separator applies to delimited (csv) files only") && onInter.contains("inter"), "\(onInter)")
        let encoding = error("datasets: [{name: bx, path: r.csv, encoding: cp1252}]")
        #expect(encoding.contains("bad.yaml: datasets[0].encoding: unknown encoding 'cp1252'; one of utf-8, latin-1"), "\(encoding)")
        let unknown = error("datasets: [{name: bx, path: r.csv, delimiter: ';'}]")
        #expect(unknown.contains("datasets[0].delimiter: unknown field") && unknown.contains("separator") && unknown.contains("encoding"), "\(unknown)")
    }

    @Test func theRealDatasetsAreBuiltInAndTheirReadingOptionsAreTheirPresets() throws {
        let s = try Suite.parse("datasets: [ml-100k, ml-1m, book-crossing, {name: ml-1m-again, path: x.inter}]", file: "ok.yaml", defaultName: "ok")
        #expect(s.datasets.map(\.source) == ["ml-100k", "ml-1m", "book-crossing", "file:x.inter"])
        let kCore = error("datasets: [{name: book-crossing, k_core: 5}]")
        #expect(kCore.contains("datasets[0].k_core: 'book-crossing' is built in and read as its preset says"), "\(kCore)")
        #expect(error("datasets: [{name: ml-1m, encoding: latin-1}]").contains("datasets[0].encoding: 'ml-1m' is built in"))
    }

    /// A manifest written before a suite setting existed still reads, with the setting's default.
    @Test func aSuiteRecordedBeforeANewSettingStillDecodes() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Suite(name: "old", datasets: [.init(name: "ml-100k")]))) as! [String: Any]
        json.removeValue(forKey: "tunedTraining")
        let s = try JSONDecoder().decode(Suite.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(s.name == "old" && s.tunedTraining.isEmpty && s.training == TrainingDefaults.bprMF())
    }
}
