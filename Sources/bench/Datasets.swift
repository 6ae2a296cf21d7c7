import ArgumentParser
import DistillKit
import Foundation

struct Datasets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List, fetch and describe datasets.",
                                                    subcommands: [ListDatasets.self, Fetch.self, Describe.self])

    struct ListDatasets: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Built-in datasets.")
        func run() {
            for name in DatasetCatalog.builtInNames {
                var note = "synthetic, generated on demand"
                if let real = RealDataset.named(name) {
                    note = FileManager.default.fileExists(atPath: DatasetFetcher.cachedPath(real.pin))
                        ? "real, cached" : "real, not fetched yet (bench datasets fetch \(name))"
                }
                print("\(name)\t\(note)")
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download and verify a dataset into the cache.")
        @Argument(help: "Dataset name.") var name: String
        func run() throws {
            do {
                guard let real = RealDataset.named(name) else {
                    if DatasetCatalog.isSynthetic(name) { print("\(name) is synthetic: nothing to fetch"); return }
                    throw DataError.unknownDataset(name: name, known: DatasetCatalog.builtInNames)
                }
                let path = try DatasetFetcher.ensure(real.pin) { print($0) }
                print("\(name): \(path) (SHA-256 verified)")
            } catch { throw fail(error) }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shape, statistics and provenance of a dataset.")
        @Argument(help: "Dataset name or file:PATH.") var name: String
        func run() throws {
            do {
                let data = try DatasetCatalog.load(name) { print($0) }
                let users = (0..<data.userCount).map { data.degree(user: $0) }.sorted()
                let items = data.itemDegrees().sorted()
                print("\(name)")
                print("  users \(data.userCount), items \(data.itemCount), interactions \(data.count), density \(String(format: "%.4f%%", 100 * Double(data.count) / Double(data.userCount) / Double(data.itemCount)))")
                print("  per user: min \(users.first!), median \(users[users.count / 2]), max \(users.last!)")
                print("  per item: min \(items.first!), median \(items[items.count / 2]), max \(items.last!)")
                print("  duplicates dropped: \(data.duplicatesDropped)")
                print("  content hash: \(data.contentHash)")
                for line in DatasetCatalog.provenance(name, data: data) { print("  \(line)") }
            } catch { throw fail(error) }
        }
    }
}
