import Conventions
import Foundation
import TestSupport
import Testing

/// `StableJSONWriter` promises Foundation's bytes: every check compares it with `JSONEncoder.stable(pretty:)`
/// on the same value, over random text and numbers as well as the shapes the records use.
struct StableJSONWriterTests {
    /// A value with every shape an encoder is asked for: explicit and omitted nils, nested and empty
    /// containers, dictionaries, a second container on the same encoder, a super-encoder, Foundation's
    /// special cases.
    struct Sample: Encodable {
        var text: String
        var number: Double
        var float: Float
        var integers: [Int64]
        var small: Int8
        var unsigned: UInt64
        var flag: Bool
        var missing: String?
        var present: Int?
        var nested: [[String: Int]]
        var keyedByNumber: [Int: String]
        var empty: [String] = []
        var emptyObject: [String: Bool] = [:]
        var url = URL(string: "https://example.com/a/b?c=d")!
        var data = Data([0, 1, 2, 250])
        var date = Date(timeIntervalSinceReferenceDate: 123.5)

        enum CodingKeys: String, CodingKey {
            case text, number, float, integers, small, unsigned, flag, missing, present, nested
            case keyedByNumber = "keyed_by_number"
            case empty, emptyObject, url, data, date, zeta, a10, a9
            case upper = "Alpha"
        }

        enum ExtraKeys: String, CodingKey { case extra, inherited }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(number, forKey: .number)
            try container.encode(float, forKey: .float)
            try container.encode(integers, forKey: .integers)
            try container.encode(small, forKey: .small)
            try container.encode(unsigned, forKey: .unsigned)
            try container.encode(flag, forKey: .flag)
            try container.encodeIfPresent(missing, forKey: .missing)
            try container.encode(missing, forKey: .zeta)
            try container.encode(present, forKey: .present)
            try container.encode(nested, forKey: .nested)
            try container.encode(keyedByNumber, forKey: .keyedByNumber)
            try container.encode(empty, forKey: .empty)
            try container.encode(emptyObject, forKey: .emptyObject)
            try container.encode(url, forKey: .url)
            try container.encode(data, forKey: .data)
            try container.encode(date, forKey: .date)
            try container.encodeNil(forKey: .upper)
            var list = container.nestedUnkeyedContainer(forKey: .a10)
            try list.encode(text)
            try list.encodeNil()
            var inner = list.nestedContainer(keyedBy: CodingKeys.self)
            try inner.encode(number, forKey: .number)
            try container.encode(1, forKey: .a9)
            var more = encoder.container(keyedBy: ExtraKeys.self)
            try more.encode([text: number], forKey: .extra)
            try [small].encode(to: more.superEncoder(forKey: .inherited))
        }
    }

    static func randomDouble(_ random: inout some RandomNumberGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: Double(Int64.random(in: -1_000_000_000...1_000_000_000, using: &random)) / 1000
        case 1: Double(Int64.random(in: Int64.min...Int64.max, using: &random))
        case 2:
            [0, -0.0, 1e15, 5e15, 9_007_199_254_740_992, 1e16, 1e-7, 0.1, 1e300, 5e-324].randomElement(using: &random)!
        default:
            Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &random)).finiteOr(1.5)
        }
    }

    static func randomSample(_ random: inout some RandomNumberGenerator) -> Sample {
        Sample(
            text: randomText(using: &random), number: randomDouble(&random),
            float: Float(randomDouble(&random) / 1e280),
            integers: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                Int64.random(in: .min ... .max, using: &random)
            },
            small: Int8.random(in: .min ... .max, using: &random),
            unsigned: UInt64.random(in: 0...UInt64.max, using: &random),
            flag: Bool.random(using: &random), missing: Bool.random(using: &random) ? randomText(using: &random) : nil,
            present: Bool.random(using: &random) ? Int.random(in: -9...9, using: &random) : nil,
            nested: [Dictionary([(randomText(using: &random), 1), (randomText(using: &random), 2)]) { $1 }, [:]],
            keyedByNumber: Dictionary([
                (Int.random(in: -99...99, using: &random), randomText(using: &random)), (10, "ten"), (9, "nine"),
            ]) { $1 })
    }

    @Test(arguments: [false, true])
    func writesFoundationsBytesForRandomValues(pretty: Bool) throws {
        var random = SystemRandomNumberGenerator()
        let writer = StableJSONWriter(pretty: pretty)
        for _ in 0..<2_000 {
            let sample = Self.randomSample(&random)
            let expected = String(decoding: try JSONEncoder.stable(pretty: pretty).encode(sample), as: UTF8.self)
            let written = try writer.text(sample)
            try #require(written == expected, "sample: \(sample)")
        }
    }

    @Test func arraysWrittenElementByElementIndentLikeOneArray() throws {
        var random = SystemRandomNumberGenerator()
        let samples = (0..<3).map { _ in Self.randomSample(&random) }
        var output = Array("[\n  ".utf8)
        for (index, sample) in samples.enumerated() {
            if index > 0 { output += Array(",\n  ".utf8) }
            try StableJSONWriter(pretty: true).append(sample, to: &output, depth: 1)
        }
        output += Array("\n]".utf8)
        #expect(output == Array(try JSONEncoder.stable(pretty: true).encode(samples)))
    }

    @Test func nonFiniteNumbersAreRefusedAsFoundationRefusesThem() {
        for number in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try StableJSONWriter().text([number]) }
            #expect(throws: EncodingError.self) { try JSONEncoder.stable().encode([number]) }
        }
    }
}

extension Double {
    fileprivate func finiteOr(_ other: Double) -> Double { isFinite ? self : other }
}
