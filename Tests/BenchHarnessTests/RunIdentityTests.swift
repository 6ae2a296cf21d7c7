import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// The run identity is the resume key: it must change with everything that changes results,
/// and with nothing else, and its bytes must not drift with the code.
@Suite struct RunIdentityTests {
    static func spec() throws -> RunSpec {
        var suite = Suite(name: "id", datasets: [.init(name: "synthetic-tiny")])
        suite.teacherDimension = 16
        suite.phis = [0.25]
        suite.seeds = [3]
        return try #require(try suite.expand().last)
    }

    /// A literal: an accidental change to a coding key, a default or the encoder shows up here
    /// (update it only together with `RunIdentity.schemaVersion` or a version bump).
    @Test func theHashOfAFixedRunIsStable() throws {
        let id = try Self.spec().identity(dataSource: "synthetic:synthetic-tiny:generator-v1")
        let json = try CanonicalJSON.encode(id)
        #expect(json == #"{"data_source":"synthetic:synthetic-tiny:generator-v1","dataset":"synthetic-tiny","dim":4,"family":"bpr-mf","family_version":1,"hyperparameters":{},"method":"student","method_version":1,"phi":0.25,"protocol":"holdout","reader_options":{"item_column":"item_id","user_column":"user_id"},"schema":2,"seed":3,"teacher_dim":16,"teacher_training":{"batch_size":1024,"eval_every":5,"init_std":0.01,"lr":0.002,"max_epochs":400,"negatives":1,"patience":10,"weight_decay":0.03},"training":{"batch_size":1024,"eval_every":5,"init_std":0.01,"lr":0.002,"max_epochs":400,"negatives":1,"patience":10,"weight_decay":0.03},"variant":"student"}"#)
    }

    @Test func everyResultChangingFieldChangesTheHashAndIsNamed() throws {
        let base = try Self.spec()
        let h0 = try base.identity(dataSource: "a").hash()
        var edits: [(String, (inout RunSpec) -> Void)] = [
            ("training.max_epochs", { $0.training.maxEpochs = 7 }),
            ("teacher_training.lr", { $0.teacherTraining.learningRate = 0.5 }),
            ("dim", { $0.dimension = 5 }),
            ("seed", { $0.seed = 9 }),
            ("hyperparameters.x", { $0.hyperparameters["x"] = .number(1) }),
            ("reader_options.min_rating", { $0.dataset.options.minRating = 4 }),
            ("reader_options.separator", { $0.dataset.options.separator = ";" }),
            ("reader_options.encoding", { $0.dataset.options.encoding = .latin1 }),
            ("protocol", { $0.evaluationProtocol = .loo499 }),
        ]
        edits.append(("data_source", { _ in }))
        for (field, edit) in edits {
            var s = base
            edit(&s)
            let id = try s.identity(dataSource: field == "data_source" ? "b" : "a")
            #expect(try id.hash() != h0, "\(field)")
            #expect(id.changes(from: try base.identity(dataSource: "a")).contains { $0.hasPrefix(field + ":") }, "\(field)")
        }
    }

    @Test func latencySettingsAndTheDataPathAreNotPartOfIt() throws {
        let base = try Self.spec()
        var s = base
        s.latency.passes = 9
        s.dataset.path = "elsewhere.csv"
        #expect(try s.identity(dataSource: "a").hash() == base.identity(dataSource: "a").hash())
    }

    @Test func aValueThatCannotBeRecordedIsAnErrorNamingIt() throws {
        var s = try Self.spec()
        s.training.learningRate = .nan
        #expect(throws: HarnessError.self) { try s.identity(dataSource: "a").hash() }
        do { _ = try s.identity(dataSource: "a").hash() } catch { #expect("\(error)".contains("training.lr")) }
    }

    @Test func anEditedFileHasANewFingerprint() throws {
        let dir = SuiteRunnerTests.temp("fingerprint")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/d.csv"
        try "user_id,item_id\n1,1\n2,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let before = try DatasetCatalog.sourceFingerprint("file:" + path)
        try "user_id,item_id\n1,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try DatasetCatalog.sourceFingerprint("file:" + path) != before)
        #expect(throws: DataError.self) { try DatasetCatalog.sourceFingerprint("file:" + dir) }
    }
}
