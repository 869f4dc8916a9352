import FaultCatalog
import FaultLab
import Foundation
import Logging
import Testing

@Suite("Log format")
struct LogFormatTests {
    @Test(
        "Times are RFC 3339 in UTC with exact milliseconds, before 1970 too",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000Z"),
            (1_796_019_574.578, "2026-11-30T06:19:34.578Z"),
            (-0.5, "1969-12-31T23:59:59.500Z"),
            (951_782_400.999, "2000-02-29T00:00:00.999Z"),
        ])
    func rfc3339(seconds: Double, expected: String) {
        #expect(Date(timeIntervalSince1970: seconds).rfc3339 == expected)
    }

    @Test("A log line is one JSON object: text escaped, numbers bare, metadata in key order, errors named")
    func logLine() throws {
        let logs = LogCapture()
        let logger = Logger(label: "app") { _ in JSONLogHandler(level: .info, write: logs.append) }
        logger.debug("below the level")
        logger.info(
            "quote \" backslash \\ newline \n tab \t bell \u{07} émoji 🚀",
            metadata: [
                "z": "last", "count": .stringConvertible(3), "ratio": .stringConvertible(0.25),
                "list": .array(["a", .stringConvertible(1)]), "nested": .dictionary(["b": "c"]),
            ])
        logger.error("failed", error: CocoaError(.fileNoSuchFile))
        #expect(logs.text.count == 2)
        let line = try #require(logs.text.first)
        #expect(line.hasPrefix(#"{"time":""#))
        #expect(
            line.contains(
                #""level":"info","message":"quote \" backslash \\ newline \n tab \t bell \u0007 émoji 🚀","count":3,"list":["a",1],"nested":{"b":"c"},"ratio":0.25,"z":"last"}"#
            ))
        let object = try #require(logs.objects.first)
        #expect(object["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} émoji 🚀")
        #expect(logs.objects.last?["error"] is String)
    }
}
