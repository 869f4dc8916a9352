import Foundation
import IncidentKit
import Testing

struct TimeInputTests {
    let now = Timestamp(rfc3339: "2026-11-28T12:00:00Z")!
    let paris = TimeZone(identifier: "Europe/Paris")!

    func parse(_ text: String, in timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws -> String {
        try TimeInput.parse(text, now: now, timeZone: timeZone).description
    }

    @Test func nowIsNow() throws {
        #expect(try parse("now") == "2026-11-28T12:00:00Z")
        #expect(try parse(" NOW ") == "2026-11-28T12:00:00Z")
    }

    @Test(arguments: [
        ("-90s", "2026-11-28T11:58:30Z"), ("-5m", "2026-11-28T11:55:00Z"), ("-2h", "2026-11-28T10:00:00Z"),
        ("-3d", "2026-11-25T12:00:00Z"), ("-1h30m", "2026-11-28T10:30:00Z"), ("5m ago", "2026-11-28T11:55:00Z"),
        ("2 h ago", "2026-11-28T10:00:00Z"), ("+2m", "2026-11-28T12:02:00Z"), ("-1w", "2026-11-21T12:00:00Z"),
    ])
    func relativeTimes(input: String, expected: String) throws {
        #expect(try parse(input) == expected)
    }

    @Test func rfc3339KeepsItsOffsetAndMilliseconds() throws {
        #expect(try parse("2026-11-28T10:00:00+01:00", in: paris) == "2026-11-28T09:00:00Z")
        #expect(try parse("2026-11-28T10:00:00.250Z") == "2026-11-28T10:00:00.250Z")
        #expect(try parse("2026-11-28T10:00:00-05:30") == "2026-11-28T15:30:00Z")
    }

    @Test func localTimesFollowTheTimeZone() throws {
        #expect(try parse("2026-11-28 10:42", in: paris) == "2026-11-28T09:42:00Z")
        #expect(try parse("2026-07-01 10:42:30", in: paris) == "2026-07-01T08:42:30Z", "summer time is UTC+2")
        #expect(
            try parse("2026-11-28T10:42", in: TimeZone(identifier: "America/New_York")!)
                == "2026-11-28T15:42:00Z")
        #expect(try parse("2026-11-28", in: paris) == "2026-11-27T23:00:00Z", "a bare day is local midnight")
    }

    @Test func clockTimeMeansTodayOrLastNight() throws {
        #expect(try parse("10:42", in: paris) == "2026-11-28T09:42:00Z")
        #expect(try parse("13:04", in: paris) == "2026-11-28T12:04:00Z", "within five minutes ahead is today")
        #expect(try parse("23:50", in: paris) == "2026-11-27T22:50:00Z", "later today than now+5m is yesterday")
    }

    @Test(arguments: [
        "", "yesterday", "12:99", "25:00", "2026-13-01", "2026-02-30 10:00", "-5x", "-", "5 ago",
        "10:42 tomorrow", "2026-11-28T10:00:00+25:00", "1e9",
    ])
    func malformedTimesAreRefusedAsBadInput(input: String) {
        #expect {
            try TimeInput.parse(input, now: now, timeZone: paris)
        } throws: { error in
            (error as? IncidentError)?.exitCode == 64 && "\(error)".contains("cannot read the time")
        }
    }
}
