import Foundation
import IncidentKit
import Testing

struct TimestampTests {
    /// The hand-written RFC 3339 form must agree with Foundation's format style to the second since the
    /// Gregorian calendar began (1583; Foundation is Julian before), and read back to the same millisecond
    /// from year 1 to 9999.
    @Test func writingAndReadingAgreeWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle()
        let gregorian: ClosedRange<Int64> = -12_219_292_800_000...253_402_300_799_999  // 1582-10-15 … 9999-12-31
        let edges: [Int64] = [
            0, -1, 1, 999, -1000, 951_782_400_000, 4_107_542_399_999, gregorian.lowerBound,
            gregorian.upperBound,
        ]
        for milliseconds in edges + (0..<5000).map({ _ in Int64.random(in: gregorian, using: &generator) }) {
            let timestamp = Timestamp(milliseconds: milliseconds)
            let text = timestamp.description
            let wholeSeconds = milliseconds - ((milliseconds % 1000) + 1000) % 1000
            let expected = Date(timeIntervalSince1970: Double(wholeSeconds / 1000)).formatted(style)
            #expect(text.prefix(19) == expected.prefix(19), "\(milliseconds)")
            #expect(Timestamp(rfc3339: text) == timestamp, "\(text)")
        }
        for _ in 0..<2000 {
            let early = Timestamp(milliseconds: Int64.random(in: -62_135_596_800_000...0, using: &generator))
            #expect(Timestamp(rfc3339: early.description) == early, "\(early)")
        }
        #expect(Timestamp(rfc3339: "0001-01-01T00:00:00Z")?.milliseconds == -62_135_596_800_000)
    }

    @Test(arguments: [
        "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z", "2026-01-01T00:00:00.12xZ",
    ])
    func impossibleTimesAreRefused(text: String) {
        #expect(Timestamp(rfc3339: text) == nil, "\(text)")
    }

    @Test func leapDaysAndOffsetsAreRead() {
        #expect(Timestamp(rfc3339: "2024-02-29T12:00:00Z")?.description == "2024-02-29T12:00:00Z")
        #expect(Timestamp(rfc3339: "2000-02-29T23:59:59.999Z")?.milliseconds == 951_868_799_999)
        #expect(Timestamp(rfc3339: "2026-11-28T10:00:00.5+01:00")?.description == "2026-11-28T09:00:00.500Z")
    }
}
