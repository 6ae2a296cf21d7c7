import BenchHarness
import DistillKit
import Foundation

/// `bench export-notebook`: a results directory as a Jupyter notebook (nbformat 4.5) a reader can
/// open without the Swift tool: the protocol and environment from the manifest, the summary table,
/// the plots embedded as image outputs, and Python cells that reload `summary.csv` and redraw the
/// main plot.
public enum NotebookExport {
    /// Where notebooks go unless the caller says otherwise (relative to the working directory).
    public static let defaultDirectory = "notebooks-export"

    /// The notebook's bytes. Code cells refer to the results through `runDirectoryInCode`
    /// (default: `runDirectory` as given), which a written notebook sets relative to its own file.
    public static func notebook(runDirectory: String, runDirectoryInCode: String? = nil) throws -> Data {
        let inputs = try Inputs(runDirectory: runDirectory)
        return try notebook(inputs, runDirectoryInCode: runDirectoryInCode ?? runDirectory)
    }

    /// Writes the notebook to `path` (default `notebooks-export/<suite name>.ipynb`) and returns
    /// the path written.
    @discardableResult
    public static func write(runDirectory: String, to path: String? = nil) throws -> String {
        let inputs = try Inputs(runDirectory: runDirectory)
        let path = path ?? (defaultDirectory as NSString).appendingPathComponent("\(inputs.manifest.suiteName).ipynb")
        // Relative to the notebook, because Jupyter runs a notebook in the notebook's directory.
        let reference = relativePath(of: runDirectory, from: (path as NSString).deletingLastPathComponent)
        try AtomicFile.write(try notebook(inputs, runDirectoryInCode: reference), to: path)
        return path
    }

    /// Everything read from the results directory, before anything is written.
    private struct Inputs {
        var runDirectory: String
        var manifest: Manifest
        var summaryTable: String
        /// File names in `plots/`, sorted, with their bytes.
        var plots: [(name: String, png: Data)]

        init(runDirectory: String) throws {
            let store = ResultsStore(root: runDirectory)
            guard let manifest = try store.readManifest() else {
                throw HarnessError("\(store.manifestPath) is missing: \(runDirectory) is not a results directory; point at one written by `bench all` or `bench run`")
            }
            // The pandas cells read summary.csv, so a notebook without it could not run.
            guard FileManager.default.fileExists(atPath: store.summaryPath) else {
                throw HarnessError("\(store.summaryPath) is missing: no run has been recorded in \(runDirectory); run `bench all` or `bench run` into it first")
            }
            let tablePath = store.path("tables", "summary.md")
            guard let table = try? String(contentsOfFile: tablePath, encoding: .utf8) else {
                throw HarnessError("\(tablePath) is missing or unreadable; `bench all` or `bench run` rewrites it with summary.csv")
            }
            let plotsDirectory = store.path("plots")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: plotsDirectory)) ?? [])
                .filter { $0.hasSuffix(".png") }.sorted()
            self.runDirectory = runDirectory
            self.manifest = manifest
            summaryTable = table
            plots = try names.map { name in
                let path = (plotsDirectory as NSString).appendingPathComponent(name)
                guard let png = FileManager.default.contents(atPath: path), png.starts(with: pngSignature) else {
                    throw HarnessError("\(path) is not a PNG file; redraw the plots with `bench plot \(runDirectory)`")
                }
                return (name, png)
            }
        }
    }

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static func notebook(_ inputs: Inputs, runDirectoryInCode: String) throws -> Data {
        let manifest = inputs.manifest
        var cells: [NotebookCell] = [
            .markdown(title(manifest, runDirectory: inputs.runDirectory)),
            .markdown(environment(manifest)),
            .markdown(inputs.summaryTable),
            .markdown("## Reading the results\n\nEvery code cell reads the results directory through `RUN_DIR`."),
            .code(NotebookPython.setup(runDirectory: runDirectoryInCode)),
        ]
        if inputs.plots.isEmpty {
            cells.append(.markdown("""
                ## Plots

                No plots were drawn for this run. Draw them with `bench plot \(inputs.runDirectory)` and export \
                the notebook again; the last code cell below redraws the main plot from `summary.csv`.
                """))
        } else {
            cells.append(.markdown("## Plots\n\nAs drawn by `bench plot`, from `plots/`."))
            cells += inputs.plots.map { plot in
                .code(NotebookPython.showPlot(named: plot.name),
                      outputs: [ImageOutput(png: plot.png, alternativeText: "Plot plots/\(plot.name)")])
            }
        }
        cells += [
            .markdown("## From summary.csv\n\nThe runs again with pandas: mean and standard deviation over seeds per (dataset, method, dim), then the accuracy-vs-latency plot."),
            .code(NotebookPython.loadSummary),
            .code(NotebookPython.aggregate),
            .code(NotebookPython.accuracyVsLatency(protocol: manifest.evaluationProtocol)),
        ]
        for index in cells.indices { cells[index].id = String(format: "cell-%04d", index + 1) }
        return try CanonicalJSON.pretty(NotebookDocument(cells: cells))
    }

    private static func title(_ manifest: Manifest, runDirectory: String) -> String {
        let suite = manifest.suite
        let p = manifest.evaluationProtocol
        let training = suite.training
        return """
            # \(manifest.suiteName): DistillBench results (\(p.rawValue))

            Exported from `\(runDirectory)` by `bench export-notebook`.

            **Protocol `\(p.rawValue)`**: \(protocolSummary(p)) The checkpoint with the best validation \
            \(p.selectionMetric) is tested; ties go to the lower item id.

            **Suite** (as resolved in the manifest): family \(suite.family), teacher d=\(suite.teacherDimension), \
            student dims \(suite.phis.map { "\(suite.studentDimension(phi: $0))" }.joined(separator: ", ")) \
            (phi \(suite.phis.map { "\($0)" }.joined(separator: ", "))), \
            methods \(suite.methods.map(\.key).joined(separator: ", ")), \
            seeds \(suite.seeds.map { "\($0)" }.joined(separator: ", ")). \
            Training: lr \(training.learningRate), weight decay \(training.weightDecay), batch \(training.batchSize), \
            \(training.negatives) negative(s) per positive, at most \(training.maxEpochs) epochs, validation every \
            \(training.evalEvery), patience \(training.patience).
            """
    }

    private static func protocolSummary(_ p: EvaluationProtocol) -> String {
        switch p {
        case .holdout:
            "each user's interactions split 80/10/10 (seeded); all items are ranked except the user's train "
                + "items (and, for test, validation items); Recall and NDCG at 10/20/50."
        case .loo499:
            "one validation and one test item held out per user, each ranked among 499 sampled unobserved "
                + "items; HR, NDCG and MRR at 5/10/20."
        }
    }

    private static func environment(_ manifest: Manifest) -> String {
        let e = manifest.environment
        func hashes(_ table: [String: String]) -> String {
            table.isEmpty
                ? "- none recorded" : table.sorted { $0.key < $1.key }.map { "- `\($0.key)`: `\($0.value)`" }.joined(separator: "\n")
        }
        let commands = manifest.invocations.isEmpty
            ? "- none recorded"
            : manifest.invocations.map { "- `\($0.commandLine)` (\($0.outcome), \($0.startedAt), suite \($0.suiteHash.prefix(8)))" }.joined(separator: "\n")
        return """
            ## Environment

            - Git revision: `\(e.gitRevision)`\(e.gitDirty ? " (with uncommitted changes)" : " (clean)")
            - Swift: \(e.swiftVersion), \(e.buildConfiguration) build
            - OS: \(e.os)
            - CPU: \(e.cpuModel), \(e.cores) cores
            - BLAS core: `\(e.blasCore)`
            - Threads: \(manifest.threads)
            - Started: \(manifest.startedAt); finished: \(manifest.finishedAt ?? "not finished")

            ### Dataset hashes (SHA-256)

            \(hashes(manifest.datasetHashes))

            ### Split hashes (SHA-256)

            \(hashes(manifest.splitHashes))

            ### Command lines

            \(commands)
            """
    }

    /// `target` relative to `directory`, both taken from the working directory when relative.
    static func relativePath(of target: String, from directory: String) -> String {
        let targetParts = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
        let directoryParts = URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardizedFileURL.pathComponents
        let common = zip(targetParts, directoryParts).prefix { $0 == $1 }.count
        let parts = Array(repeating: "..", count: directoryParts.count - common) + targetParts[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
