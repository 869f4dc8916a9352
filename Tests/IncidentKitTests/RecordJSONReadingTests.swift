import Conventions
import Foundation
import Testing

@testable import IncidentKit

/// `incident import` reads an export's incident lines without `JSONDecoder` when it can
/// (`IncidentDetail.exported`), and with it otherwise. Whatever the fast reader takes, the decoder must take
/// as the same record: checked on random records as export writes them, and on those lines broken at random
/// and in the ways people and other tools write JSON.
struct RecordJSONReadingTests {
    /// The decoder's record for `line`, as the import's slow path reads it; nil when it refuses the line.
    static func decoded(_ line: String) -> IncidentDetail? {
        try? JSONDecoder().decode(IncidentDetail.self, from: Data(line.utf8))
    }

    static func exportLine(_ detail: IncidentDetail) throws -> String {
        try StableJSONWriter().text(detail)
    }

    /// A random record as a database holds it: every timeline entry stored, so with an id.
    static func stored() -> IncidentDetail {
        var detail = RecordJSONTests.detail()
        for index in detail.timeline.indices where detail.timeline[index].id == nil {
            detail.timeline[index].id = Int64(index + 1)
        }
        return detail
    }

    /// Requires that the fast reader takes `line` only as the decoder does; returns whether it took it.
    @discardableResult
    static func requireAgreement(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        guard let fast = IncidentDetail.exported(line) else { return false }
        let slow = try #require(decoded(line), "the fast reader took what the decoder refuses: \(line)")
        try #require(fast == slow, "\(line)", sourceLocation: sourceLocation)
        // Equal strings may still differ in their bytes (canonical equivalence): what is stored must not.
        try #require(try exportLine(fast) == exportLine(slow), sourceLocation: sourceLocation)
        return true
    }

    @Test func exportedLinesAreReadWithoutTheDecoder() throws {
        for _ in 0..<500 {
            let line = try Self.exportLine(Self.stored())
            try #require(try Self.requireAgreement(line), "the fast reader missed an exported line: \(line)")
        }
    }

    @Test func brokenLinesAreTakenOnlyAsTheDecoderTakesThem() throws {
        let significant = Array(#"{}[]:,"\ 0123456789.-+eEnulltrfa/"#.utf8) + [0x00, 0x0A, 0x1F, 0xC3, 0xA9]
        var taken = 0
        for _ in 0..<3000 {
            var bytes = Array(try Self.exportLine(Self.stored()).utf8)
            for _ in 0..<Int.random(in: 1...3) {
                let at = Int.random(in: 0..<bytes.count)
                switch Int.random(in: 0..<4) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(significant.randomElement()!, at: at)
                case 2: bytes[at] = significant.randomElement()!
                default: bytes.insert(UInt8(ascii: " "), at: at)
                }
            }
            guard let line = String(validating: bytes, as: UTF8.self) else { continue }
            if try Self.requireAgreement(line) { taken += 1 }
        }
        // White space, and changes inside strings, leave lines the fast reader takes: some must have been.
        #expect(taken > 0)
    }

    @Test(arguments: [
        // What the decoder reads too, or refuses, in another form than export's; each goes to the decoder.
        (#""id":"#, #""id":1.0,"id":"#),  // a repeated key
        (#""caused_by":"#, #""caused_by_x":"#),  // an unknown key
        (#""sources":["#, #""sources":["\ud83d\ude00","#),  // a surrogate pair
        (#""title":""#, #""title":"\u00e9"#),  // an escaped letter
        (#""title":""#, #""title":"\/"#),  // an escaped slash
        (#""status":""#, #""status":"x"#),  // a status the times do not give
        (#""cancelled":"#, #""cancelled": "#),  // white space
        (#""severity":""#, #""severity":"SEV"#),  // not a severity
    ])
    func changedLinesAreReadAsTheDecoderReadsThem(change: (String, String)) throws {
        var detail = Self.stored()
        detail.incident.id = 7
        detail.sources = ["one"]
        let line = try Self.exportLine(detail)
        let changed = line.replacingOccurrences(of: change.0, with: change.1)
        try #require(changed != line)
        let fast = try Self.requireAgreement(changed)
        let slow = Self.decoded(changed) != nil
        // The forms the fast reader knows it reads; the others it leaves to the decoder.
        #expect(fast == (slow && [#""title":"\u00e9"#, #""title":"\/"#, #""cancelled": "#].contains(change.1)))
    }

    @Test func numbersOutsideThePlainFormGoToTheDecoder() throws {
        var detail = Self.stored()
        detail.incident.id = 7
        let line = try Self.exportLine(detail)
        for id in ["7.0", "7e0", "-0", "07", "99999999999999999999", "7x", "+7"] {
            let changed = line.replacingOccurrences(of: #""id":7,"#, with: #""id":\#(id),"#)
            try #require(changed != line)
            #expect(try !Self.requireAgreement(changed), "\(id)")
        }
        // An export from before `caused_by` existed lacks it; the decoder reads it as null.
        let old = line.replacingOccurrences(
            of: #""caused_by":\#(detail.incident.causedBy.map(String.init) ?? "null"),"#, with: "")
        #expect(try !Self.requireAgreement(old))
        #expect(try #require(Self.decoded(old)).incident.causedBy == nil)
    }

    @Test func aZeroWrittenWithOtherDigitsGoesToTheDecoderWhichRefusesIt() throws {
        var detail = Self.stored()
        detail.incident.detectedAt = detail.incident.startedAt
        let line = try Self.exportLine(detail)
        for zero in ["0.0", "0e0", "-0"] {
            let changed = line.replacingOccurrences(of: #""ttd_s":0,"#, with: #""ttd_s":\#(zero),"#)
            try #require(changed != line)
            #expect(try Self.requireAgreement(changed), "\(zero) is zero, as the record's times make it")
        }
        for tiny in ["1e-400", "2e-324", "0.\(String(repeating: "0", count: 400))1", "0e5"] {
            let changed = line.replacingOccurrences(of: #""ttd_s":0,"#, with: #""ttd_s":\#(tiny),"#)
            try #require(changed != line)
            #expect(IncidentDetail.exported(changed) == nil, "\(tiny)")
            #expect(Self.decoded(changed) == nil, "\(tiny)")
        }
    }

    @Test func everyNumberFormIsTakenOnlyAsTheDecoderTakesIt() throws {
        var detail = Self.stored()
        detail.incident.detectedAt = detail.incident.startedAt
        detail.incident.id = 7
        let line = try Self.exportLine(detail)
        let characters = Array("0000123456789.eE+-")
        for _ in 0..<3000 {
            let token = String((0..<Int.random(in: 1...7)).map { _ in characters.randomElement()! })
            // A duration of 0 and an integer id: both fields, each form.
            try Self.requireAgreement(line.replacingOccurrences(of: #""ttd_s":0,"#, with: #""ttd_s":\#(token),"#))
            try Self.requireAgreement(line.replacingOccurrences(of: #""id":7,"#, with: #""id":\#(token),"#))
        }
    }
}
