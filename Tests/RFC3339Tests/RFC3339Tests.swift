import RFC3339
import Testing

struct RFC3339Tests {
    @Test(arguments: [
        (Int64(0), RFC3339.Fraction.always, "1970-01-01T00:00:00.000Z"),
        (0, .whenNonZero, "1970-01-01T00:00:00Z"),
        (-500, .always, "1969-12-31T23:59:59.500Z"),
        (951_782_400_999, .whenNonZero, "2000-02-29T00:00:00.999Z"),
        (-62_135_596_800_000, .whenNonZero, "0001-01-01T00:00:00Z"),
        (253_402_300_800_000, .whenNonZero, "10000-01-01T00:00:00Z"),
    ])
    func writesTheFractionAsAsked(milliseconds: Int64, fraction: RFC3339.Fraction, expected: String) {
        #expect(RFC3339.format(milliseconds: milliseconds, fraction: fraction) == expected)
    }

    @Test(arguments: [
        ("2026-11-28T10:00:00Z", Int64(1_795_860_000_000)),
        ("2026-11-28t10:00:00z", 1_795_860_000_000),
        ("2026-11-28T11:30:00+01:30", 1_795_860_000_000),
        ("2026-11-28T08:00:00-02:00", 1_795_860_000_000),
        ("2026-11-28T10:00:00.1234Z", 1_795_860_000_123),
        ("2026-11-28T10:00:00.9996Z", 1_795_860_001_000),
    ])
    func readsOffsetsAndRoundsFractions(text: String, expected: Int64) {
        #expect(RFC3339.milliseconds(from: text) == expected)
    }

    @Test(arguments: [
        "2026-11-28 10:00:00Z", "2026-11-28T10:00:00", "2026-11-28T10:00Z", "2026-11-28T10:00:00.Z",
        "2026-11-28T10:00:00+0100", "2026-11-28T10:00:00Z ", "2100-02-29T00:00:00Z", "",
    ])
    func refusesWhatIsNotRFC3339(text: String) {
        #expect(RFC3339.milliseconds(from: text) == nil, "\(text)")
    }
}
