import Foundation
import Testing
@testable import DistillKit

@Suite struct InteractionFileReaderTests {
    func file(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distillbench-readers-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test func readsEveryFormatToTheSameInteractions() throws {
        let inter = try file("a.inter", "user_id:token\titem_id:token\trating:float\n10\t5\t4\n2\t5\t3\n10\t7\t1\n")
        let udata = try file("u.data", "10\t5\t4\t0\n2\t5\t3\t0\n10\t7\t1\t0\n")
        let ratings = try file("ratings.dat", "10::5::4::0\n2::5::3::0\n10::7::1::0\n")
        let csv = try file("a.csv", "uid,iid,score\n10,5,4\n2,5,3\n10,7,1\n")
        var o = InteractionFileOptions(); o.userColumn = "uid"; o.itemColumn = "iid"
        let a = try InteractionFileReader.read(path: inter)
        #expect(a.userIDs == ["2", "10"] && a.itemIDs == ["5", "7"] && a.count == 3)
        for other in [try InteractionFileReader.read(path: udata), try InteractionFileReader.read(path: ratings),
                      try InteractionFileReader.read(path: csv, options: o)] {
            #expect(other.contentHash == a.contentHash)
        }
        // CiteULike users.dat: user = line number.
        let cite = try InteractionFileReader.read(path: try file("users.dat", "2 5 7\n1 5\n"))
        #expect(cite.count == 3 && cite.userIDs == ["0", "1"])
    }

    @Test func duplicatesAreDroppedAndCounted() throws {
        let d = try InteractionFileReader.read(path: try file("dup.inter", "user_id:token\titem_id:token\n1\t2\n1\t2\n1\t3\n"))
        #expect(d.count == 2 && d.duplicatesDropped == 1)
    }

    @Test func filtersByRatingAndKCore() throws {
        let p = try file("f.csv", "user_id,item_id,rating\n1,1,5\n1,2,5\n2,1,5\n2,2,1\n3,3,5\n")
        var o = InteractionFileOptions(); o.minRating = 4
        #expect(try InteractionFileReader.read(path: p, options: o).count == 4)
        o.kCore = 2
        // After the rating filter: u1{1,2}, u2{1}, u3{3}; 2-core keeps nothing stable but u1-i1... iterates to empty.
        #expect(throws: DataError.self) { try InteractionFileReader.read(path: p, options: o) }
    }

    @Test func badInputNamesFileAndLine() throws {
        func message(_ p: String, _ o: InteractionFileOptions = InteractionFileOptions()) -> String {
            do { _ = try InteractionFileReader.read(path: p, options: o); return "no error" } catch { return "\(error)" }
        }
        let missingColumn = try file("m.inter", "user:token\titem_id:token\n1\t2\n")
        #expect(message(missingColumn).contains("m.inter:1: no column 'user_id'"))
        let nonNumeric = try file("u.data", "1\t2\t5\t0\nx\t2\t5\t0\n")
        #expect(message(nonNumeric).contains("u.data:2: user id 'x' is not an integer"))
        let badCount = try file("users.dat", "3 1 2\n")
        #expect(message(badCount).contains("users.dat:1: count says 3 items but the line has 2"))
        #expect(message("/nonexistent/file.inter").contains("/nonexistent/file.inter: no such file"))
        let empty = try file("e.inter", "user_id:token\titem_id:token\n")
        #expect(message(empty).contains("is empty"))
    }
}
