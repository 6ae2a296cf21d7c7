import DistillKit
import Foundation
import Testing

@testable import BenchHarness
@testable import BenchReports

/// A tiny results directory, made without running anything: a manifest, summary.csv,
/// tables/summary.md and (optionally) one PNG in plots/.
private struct ResultsFixture {
    static let gitRevision = "0123456789abcdef0123456789abcdef01234567"
    static let blasCore = "SkylakeX"
    /// Enough to be recognised as a PNG; the export embeds bytes, it never decodes them.
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0x10])

    let root: String
    var runDirectory: String { (root as NSString).appendingPathComponent("results/tiny") }

    init(withPlot: Bool = true, protocol p: EvaluationProtocol = .holdout) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("benchreports-notebook-tests-\(UUID().uuidString)").path
        let store = ResultsStore(root: runDirectory)
        var suite = Suite(name: "tiny", datasets: [Suite.DatasetSpec(name: "synthetic-tiny")])
        suite.teacherDimension = 16
        suite.phis = [0.25, 0.5]
        suite.seeds = [0, 1]
        suite.evaluationProtocol = p
        try store.writeManifest(Manifest(
            suiteName: "tiny", suite: suite, evaluationProtocol: p,
            environment: EnvironmentFingerprint(
                gitRevision: Self.gitRevision, gitDirty: true, swiftVersion: "Swift version 6.3.1",
                buildConfiguration: "debug", os: "Debian GNU/Linux 12 (bookworm)", cpuModel: "Test CPU", cores: 2,
                blasCore: Self.blasCore),
            threads: 2, datasetHashes: ["synthetic-tiny": "aa11"], splitHashes: ["synthetic-tiny-holdout-seed0": "bb22"],
            startedAt: "2026-01-02T03:04:05Z", finishedAt: "2026-01-02T03:05:06Z",
            invocations: [.init(commandLine: "bench all --suite tiny.yaml", suiteHash: "cc33", threads: 2, codeRevision: Self.gitRevision,
                                startedAt: "2026-01-02T03:04:05Z", finishedAt: "2026-01-02T03:05:06Z", outcome: "finished")]))
        try AtomicFile.write("""
            dataset,protocol,method,family,teacher_dim,dim,phi,seed,status,test_ndcg@20,latency_p50_us,params
            synthetic-tiny,holdout,teacher,bpr-mf,16,16,1.0,0,finished,0.31,20.5,800
            synthetic-tiny,holdout,student,bpr-mf,16,4,0.25,0,finished,0.22,8.25,200

            """, to: store.summaryPath)
        try AtomicFile.write("# tiny: test metrics (holdout)\n\n| method | d |\n|---|---:|\n| teacher | 16 |\n",
                             to: store.path("tables", "summary.md"))
        if withPlot {
            try AtomicFile.write(Self.png, to: store.path("plots", "accuracy_vs_latency.png"))
        }
    }

    /// The exported notebook, parsed back.
    func exported() throws -> [String: Any] {
        let data = try NotebookExport.notebook(runDirectory: runDirectory)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

private func cells(_ notebook: [String: Any]) throws -> [[String: Any]] {
    try #require(notebook["cells"] as? [[String: Any]])
}

private func source(_ cell: [String: Any]) -> String { (cell["source"] as? [String] ?? []).joined() }

@Test func notebookHasTheNbformat45Structure() throws {
    let notebook = try ResultsFixture().exported()
    #expect(notebook["nbformat"] as? Int == 4)
    #expect(notebook["nbformat_minor"] as? Int == 5)
    let metadata = try #require(notebook["metadata"] as? [String: Any])
    #expect((metadata["kernelspec"] as? [String: String])?["name"] == "python3")
    #expect((metadata["language_info"] as? [String: String])?["name"] == "python")
    let all = try cells(notebook)
    #expect(Set(all.compactMap { $0["id"] as? String }).count == all.count)
    for cell in all {
        #expect(cell["id"] is String)
        #expect(cell["metadata"] is [String: Any])
        #expect(cell["source"] is [String])
        if cell["cell_type"] as? String == "code" {
            #expect(cell["outputs"] is [Any])
            #expect(cell["execution_count"] is NSNull)
        } else {
            #expect(cell["cell_type"] as? String == "markdown")
        }
    }
}

@Test func plotIsEmbeddedAsPNGDisplayData() throws {
    let withImages = try cells(try ResultsFixture().exported()).filter { !($0["outputs"] as? [Any] ?? []).isEmpty }
    try #require(withImages.count == 1)
    #expect(source(withImages[0]).contains("\"accuracy_vs_latency.png\""))
    let output = try #require((withImages[0]["outputs"] as? [[String: Any]])?.first)
    #expect(output["output_type"] as? String == "display_data")
    let data = try #require(output["data"] as? [String: Any])
    let base64 = try #require(data["image/png"] as? String)
    #expect(Data(base64Encoded: base64) == ResultsFixture.png)
    #expect((data["text/plain"] as? [String])?.joined().contains("accuracy_vs_latency.png") == true)
}

@Test func manifestEnvironmentAndSummaryTableAppear() throws {
    let markdown = try cells(try ResultsFixture().exported())
        .filter { $0["cell_type"] as? String == "markdown" }.map(source).joined(separator: "\n")
    #expect(markdown.contains("# tiny: DistillBench results (holdout)"))
    #expect(markdown.contains(ResultsFixture.gitRevision))
    #expect(markdown.contains("uncommitted changes"))
    #expect(markdown.contains(ResultsFixture.blasCore))
    #expect(markdown.contains("`synthetic-tiny-holdout-seed0`: `bb22`"))
    #expect(markdown.contains("bench all --suite tiny.yaml"))
    #expect(markdown.contains("| teacher | 16 |"))
}

@Test func codeCellsReloadSummaryCSVWithPandasAndRedrawThePlot() throws {
    let fixture = try ResultsFixture()
    let code = try cells(try fixture.exported()).filter { $0["cell_type"] as? String == "code" }
    #expect(source(code[0]).contains("RUN_DIR = \"\(fixture.runDirectory)\""))
    let all = code.map(source).joined(separator: "\n")
    #expect(all.contains("import pandas as pd"))
    #expect(all.contains("pd.read_csv(os.path.join(RUN_DIR, \"summary.csv\"))"))
    #expect(all.contains("groupby([\"dataset\", \"method\", \"dim\"])"))
    #expect(all.contains("METRIC = \"test_ndcg@20\""))
    #expect(all.contains("set_xscale(\"log\")"))
}

@Test func leaveOneOutPlotsNDCGAt10() throws {
    let code = try cells(try ResultsFixture(protocol: .loo499).exported()).map(source).joined(separator: "\n")
    #expect(code.contains("METRIC = \"test_ndcg@10\""))
    #expect(code.contains("set_ylabel(\"test NDCG@10\")"))
}

@Test func withoutPlotsTheNotebookSaysHowToDrawThem() throws {
    let fixture = try ResultsFixture(withPlot: false)
    let all = try cells(try fixture.exported())
    #expect(all.allSatisfy { ($0["outputs"] as? [Any] ?? []).isEmpty })
    #expect(all.map(source).contains { $0.contains("No plots were drawn") && $0.contains("bench plot \(fixture.runDirectory)") })
}

@Test func writtenNotebookIsByteIdenticalAndReadsResultsRelativeToItself() throws {
    let fixture = try ResultsFixture()
    let path = (fixture.root as NSString).appendingPathComponent("notebooks-export/tiny.ipynb")
    #expect(try NotebookExport.write(runDirectory: fixture.runDirectory, to: path) == path)
    let first = try Data(contentsOf: URL(fileURLWithPath: path))
    try NotebookExport.write(runDirectory: fixture.runDirectory, to: path)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
    let notebook = try #require(try JSONSerialization.jsonObject(with: first) as? [String: Any])
    let setup = try #require(try cells(notebook).first { $0["cell_type"] as? String == "code" })
    #expect(source(setup).hasSuffix("RUN_DIR = \"../results/tiny\""))
}

@Test func missingManifestIsAnError() throws {
    let fixture = try ResultsFixture()
    try FileManager.default.removeItem(atPath: ResultsStore(root: fixture.runDirectory).manifestPath)
    #expect {
        try NotebookExport.notebook(runDirectory: fixture.runDirectory)
    } throws: { error in
        "\(error)".contains("manifest.json is missing")
    }
}

@Test func relativePathsBetweenDirectories() {
    #expect(NotebookExport.relativePath(of: "/a/results/x", from: "/a/notebooks-export") == "../results/x")
    #expect(NotebookExport.relativePath(of: "/a/b", from: "/a/b") == ".")
    #expect(NotebookExport.relativePath(of: "/a/b/c", from: "/a") == "b/c")
}

