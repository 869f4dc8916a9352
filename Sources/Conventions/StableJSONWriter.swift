import Foundation
import Synchronization

/// Writes `Encodable` values as the same bytes `JSONEncoder.stable(pretty:)` writes, several times faster, for
/// the commands that print every record (`list --json`, `export`). Foundation boxes every value into a tree
/// before it writes; this writer renders scalars to text as they are encoded and keeps only each object's
/// fields, sorted by their keys' UTF-8 bytes when the object is written, as Foundation sorts them. A value
/// that is ``JSONObjectWritable`` (the records `list --json` and `export` write) writes itself, faster still.
///
/// Scalars follow Foundation: strings escape `"`, `\` and control characters (`\b \t \n \f \r`, else
/// `\u00xx`), nothing else; floating-point numbers print as `description` without a trailing `.0`; a
/// non-finite number is an `EncodingError`. `URL` writes its absolute string and `Data` its Base64, as
/// Foundation's default strategies do; `Date` writes its own `Codable` form (Foundation's default too).
public struct StableJSONWriter: Sendable {
    public let pretty: Bool
    /// The sorted order of each shape of object written so far: a writer used for many records sorts each
    /// shape's keys once.
    private let orders = KeyOrders()

    public init(pretty: Bool = false) {
        self.pretty = pretty
    }

    /// Appends `value` as JSON to `output`, indented as if it stood `depth` levels deep (pretty output only: an
    /// array written element by element gives each element depth 1).
    public func append(_ value: some Encodable, to output: inout [UInt8], depth: Int = 0) throws {
        var json = JSONOutput(bytes: [], pretty: pretty, depth: depth)
        swap(&json.bytes, &output)
        defer { swap(&json.bytes, &output) }
        if let record = value as? any JSONObjectWritable {
            let start = json.bytes.count
            do {
                return try json.object(record)
            } catch {
                json.bytes.removeSubrange(start...)  // nothing of a value that failed, as on the other path
                throw error
            }
        }
        try JSONFragment.of(value).write(to: &json, orders: orders)
    }

    /// `value` as JSON text.
    public func text(_ value: some Encodable) throws -> String {
        var output: [UInt8] = []
        try append(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

/// JSON strings as Foundation's `JSONEncoder` writes them, for every writer of JSON by hand.
public enum JSONString {
    /// Appends `string` quoted (RFC 8259 §7): `"` and `\` escaped, control characters as `\b \t \n \f \r` or
    /// `\u00xx`, every other character as it is.
    public static func append(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Numbers as Foundation's `JSONEncoder` writes them.
enum JSONNumber {
    /// `description` without a trailing `.0`; a non-finite number is an `EncodingError`.
    static func text(of number: some BinaryFloatingPoint & LosslessStringConvertible) throws -> String {
        guard number.isFinite else {
            throw EncodingError.invalidValue(
                number, EncodingError.Context(codingPath: [], debugDescription: "\(number) is not valid JSON"))
        }
        let text = number.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

/// Object keys in Foundation's order.
enum JSONKey {
    /// Whether `first` sorts before `second` by their UTF-8 bytes, as Foundation sorts keys.
    static func precedes(_ first: String, _ second: String) -> Bool {
        var (first, second) = (first, second)
        return first.withUTF8 { left in
            second.withUTF8 { right in
                let shorter = min(left.count, right.count)
                let common = shorter == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, shorter)
                return common < 0 || (common == 0 && left.count < right.count)
            }
        }
    }
}

/// One encoded value: a scalar already rendered, or a container whose elements are rendered when it is
/// written (an object's keys are known only once its `encode(to:)` has returned).
private enum JSONFragment {
    case scalar(String)
    case object(JSONObject)
    case array(JSONArray)
    /// What a `superEncoder()` is given: read when written, since nothing says when it is done.
    case deferred(FragmentEncoder)

    static func of(_ value: some Encodable) throws -> JSONFragment {
        if let scalar = try scalarText(value) { return .scalar(scalar) }
        let encoder = FragmentEncoder()
        try value.encode(to: encoder)
        return encoder.fragment ?? .object(JSONObject())
    }

    /// The text of a scalar, told by its type alone (no dynamic cast: this runs for every value): the standard
    /// library's scalars, the common optional ones, and the types Foundation's encoder writes its own way. Nil
    /// for any other type, which encodes itself.
    static func scalarText<T: Encodable>(_ value: T) throws -> String? {
        func cast<U>(_ type: U.Type) -> U { unsafeBitCast(value, to: U.self) }
        func optional<U>(_ type: U.Type, _ text: (U) throws -> String) rethrows -> String {
            try cast(U?.self).map(text) ?? "null"
        }
        switch ObjectIdentifier(T.self) {
        case ObjectIdentifier(String.self): return quoted(cast(String.self))
        case ObjectIdentifier(String?.self): return optional(String.self, quoted)
        case ObjectIdentifier(Int64.self): return String(cast(Int64.self))
        case ObjectIdentifier(Int64?.self): return optional(Int64.self) { String($0) }
        case ObjectIdentifier(Int.self): return String(cast(Int.self))
        case ObjectIdentifier(Int?.self): return optional(Int.self) { String($0) }
        case ObjectIdentifier(Bool.self): return cast(Bool.self) ? "true" : "false"
        case ObjectIdentifier(Bool?.self): return optional(Bool.self) { $0 ? "true" : "false" }
        case ObjectIdentifier(Double.self): return try JSONNumber.text(of: cast(Double.self))
        case ObjectIdentifier(Double?.self): return try optional(Double.self, JSONNumber.text(of:))
        case ObjectIdentifier(Float.self): return try JSONNumber.text(of: cast(Float.self))
        case ObjectIdentifier(Int8.self): return String(cast(Int8.self))
        case ObjectIdentifier(Int16.self): return String(cast(Int16.self))
        case ObjectIdentifier(Int32.self): return String(cast(Int32.self))
        case ObjectIdentifier(UInt.self): return String(cast(UInt.self))
        case ObjectIdentifier(UInt8.self): return String(cast(UInt8.self))
        case ObjectIdentifier(UInt16.self): return String(cast(UInt16.self))
        case ObjectIdentifier(UInt32.self): return String(cast(UInt32.self))
        case ObjectIdentifier(UInt64.self): return String(cast(UInt64.self))
        case ObjectIdentifier(URL.self): return quoted(cast(URL.self).absoluteString)
        case ObjectIdentifier(Data.self): return quoted(cast(Data.self).base64EncodedString())
        case ObjectIdentifier(Decimal.self): return cast(Decimal.self).description
        default: return nil
        }
    }

    static func quoted(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        else { return "\"" + text + "\"" }
        var bytes: [UInt8] = []
        JSONString.append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the value, containers framed by `json` as records that write themselves are.
    func write(to json: inout JSONOutput, orders: KeyOrders) {
        switch self {
        case .scalar(let text): json.bytes += text.utf8
        case .deferred(let encoder): (encoder.fragment ?? .object(JSONObject())).write(to: &json, orders: orders)
        case .array(let array): json.array(array.elements) { $1.write(to: &$0, orders: orders) }
        case .object(let object):
            let fields = object.fields
            let kept = orders.order(of: fields.map(\.key)) { keys in
                let sorted = keys.indices.sorted { first, second in
                    keys[first] == keys[second] ? first < second : JSONKey.precedes(keys[first], keys[second])
                }
                // The last value written for a key wins, as in Foundation's dictionary of fields.
                return sorted.indices.filter { $0 + 1 == sorted.count || keys[sorted[$0 + 1]] != keys[sorted[$0]] }
                    .map { sorted[$0] }
            }
            json.bytes.append(UInt8(ascii: "{"))
            for (index, position) in kept.enumerated() {
                json.beginElement(index)
                json.key(Self.quoted(fields[position].key).utf8)
                fields[position].value.write(to: &json, orders: orders)
                json.endElement()
            }
            json.close(UInt8(ascii: "}"), empty: kept.isEmpty)
        }
    }
}

/// The order to write the fields of each shape of object in (its keys, in the order they were encoded), kept
/// once found: sorting took a quarter of the time of a listing.
private final class KeyOrders: Sendable {
    private let known = Mutex<[(keys: [String], order: [Int])]>([])

    /// The order of the fields with `keys`, found by `sort` the first time.
    func order(of keys: [String], sort: ([String]) -> [Int]) -> [Int] {
        if let order = known.withLock({ $0.first { $0.keys == keys }?.order }) { return order }
        let order = sort(keys)
        known.withLock { known in
            // A writer meets a few shapes; objects of other keys (dictionaries) are sorted each time past these.
            if known.count < 64 { known.append((keys, order)) }
        }
        return order
    }
}

/// The fields of an object being encoded, in the order they were encoded.
private final class JSONObject {
    var fields: [(key: String, value: JSONFragment)] = []
}

/// The elements of an array being encoded.
private final class JSONArray {
    var elements: [JSONFragment] = []
}

/// The `Encoder` a value encodes itself to: it keeps the one container the value opens (an object opened
/// twice is the same object, as in Foundation).
private final class FragmentEncoder: Encoder {
    var fragment: JSONFragment?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object(let object) = fragment { return KeyedEncodingContainer(ObjectContainer(object: object)) }
        let object = JSONObject()
        fragment = .object(object)
        return KeyedEncodingContainer(ObjectContainer(object: object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array(let array) = fragment { return ArrayContainer(array: array) }
        let array = JSONArray()
        fragment = .array(array)
        return ArrayContainer(array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValue(encoder: self) }

    private struct SingleValue: SingleValueEncodingContainer {
        let encoder: FragmentEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { encoder.fragment = .scalar("null") }
        mutating func encode<T: Encodable>(_ value: T) throws { encoder.fragment = try JSONFragment.of(value) }
    }
}

private struct ObjectContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: JSONObject
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { object.fields.append((key.stringValue, .scalar("null"))) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.fields.append((key.stringValue, try JSONFragment.of(value)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONObject()
        object.fields.append((key.stringValue, .object(nested)))
        return KeyedEncodingContainer(ObjectContainer<NestedKey>(object: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArray()
        object.fields.append((key.stringValue, .array(nested)))
        return ArrayContainer(array: nested)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named key: String) -> any Encoder {
        let encoder = FragmentEncoder()
        object.fields.append((key, .deferred(encoder)))
        return encoder
    }
}

private struct ArrayContainer: UnkeyedEncodingContainer {
    let array: JSONArray
    var codingPath: [any CodingKey] { [] }
    var count: Int { array.elements.count }

    mutating func encodeNil() throws { array.elements.append(.scalar("null")) }

    mutating func encode<T: Encodable>(_ value: T) throws { array.elements.append(try JSONFragment.of(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONObject()
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(ObjectContainer<NestedKey>(object: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArray()
        array.elements.append(.array(nested))
        return ArrayContainer(array: nested)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = FragmentEncoder()
        array.elements.append(.deferred(encoder))
        return encoder
    }
}
