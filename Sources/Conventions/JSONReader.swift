/// Reads JSON of a shape the caller knows, the way the bulk commands' records write it, without `Decodable`:
/// a cursor over the text's UTF-8 bytes with one read per kind of value. Every read throws
/// ``JSONReader/Mismatch`` on anything but the value it expects in its plain form (a number that is not a
/// plain integer where one is expected, a surrogate escape, a control character, bytes after the value), so
/// that a caller that meets one can hand the text to `JSONDecoder`, which then reads it the slow way or says
/// what is wrong with it. What it does read, it reads as `JSONDecoder` does.
public struct JSONReader {
    /// The text is not the plain JSON value expected where it was read.
    public struct Mismatch: Error {
        public init() {}
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// What `body` reads from `text`, which must hold nothing else but white space; nil on a mismatch.
    public static func read<Value>(_ text: String, _ body: (inout JSONReader) throws -> Value) -> Value? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = JSONReader(bytes)
            guard let value = try? body(&reader) else { return nil }
            reader.skipWhitespace()
            return reader.index == bytes.count ? value : nil
        }
    }

    /// Reads an object, calling `member` with each key in turn, which must read the key's value.
    public mutating func object(_ member: (inout JSONReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try consume(UInt8(ascii: "}")) { return }
        repeat {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while try !closes(UInt8(ascii: "}"))
    }

    /// Reads an array, each element with `element`.
    public mutating func array<Element>(_ element: (inout JSONReader) throws -> Element) throws -> [Element] {
        try expect(UInt8(ascii: "["))
        var elements: [Element] = []
        if try consume(UInt8(ascii: "]")) { return elements }
        repeat {
            elements.append(try element(&self))
        } while try !closes(UInt8(ascii: "]"))
        return elements
    }

    /// Reads `null` as nil, any other value with `value`.
    public mutating func optional<Value>(_ value: (inout JSONReader) throws -> Value) throws -> Value? {
        try literal("null") ? nil : try value(&self)
    }

    public mutating func bool() throws -> Bool {
        if try literal("true") { return true }
        if try literal("false") { return false }
        throw Mismatch()
    }

    /// An integer written as one (`0`, `-12`), in range; `1.0`, `1e2` and `-0` are left to `JSONDecoder`.
    public mutating func integer() throws -> Int64 {
        skipWhitespace()
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value: Int64 = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdding) = shifted.addingReportingOverflow(negative ? -digit : digit)
            guard !overflow, !overflowAdding else { throw Mismatch() }
            value = next
            index += 1
        }
        let digits = index - start
        guard digits > 0, bytes[start] != UInt8(ascii: "0") || (digits == 1 && !negative), !continuesNumber()
        else { throw Mismatch() }
        return value
    }

    /// A number in JSON's grammar (RFC 8259 §6).
    public mutating func number() throws -> Double {
        skipWhitespace()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        try digits()
        guard bytes[integerStart] != UInt8(ascii: "0") || index - integerStart == 1 else { throw Mismatch() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            try digits()
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        guard let value = Double(String(decoding: text, as: UTF8.self)) else { throw Mismatch() }
        // A number too small for a Double reads as 0; JSONDecoder refuses a 0 written with any other digit
        // (`1e-400`, even `0e5`) as "not representable".
        guard value != 0 || text.allSatisfy({ $0 < UInt8(ascii: "1") || $0 > UInt8(ascii: "9") }) else {
            throw Mismatch()
        }
        return value
    }

    /// A string, its escapes undone; a `\u` escape of a surrogate is left to `JSONDecoder`.
    public mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        var start = index
        try skipPlainText()
        guard bytes[index] == UInt8(ascii: "\\") else {
            index += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
        }
        var text: [UInt8] = []
        repeat {
            text += UnsafeBufferPointer(rebasing: bytes[start..<index])
            try unescape(into: &text)
            start = index
            try skipPlainText()
        } while bytes[index] == UInt8(ascii: "\\")
        text += UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        return String(decoding: text, as: UTF8.self)
    }

    /// Moves to the next quote or backslash of a string; a control character or the end of the text before
    /// either is a mismatch.
    private mutating func skipPlainText() throws {
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw Mismatch() }
            index += 1
        }
        guard index < bytes.count else { throw Mismatch() }
    }

    /// Reads the escape at the backslash here, appending the bytes it stands for.
    private mutating func unescape(into text: inout [UInt8]) throws {
        index += 1
        guard index < bytes.count else { throw Mismatch() }
        let escaped = bytes[index]
        index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard index < bytes.count, let digit = Self.hexDigit(bytes[index]) else { throw Mismatch() }
                code = code << 4 | digit
                index += 1
            }
            guard let scalar = Unicode.Scalar(code) else { throw Mismatch() }
            text += String(scalar).utf8
        default: throw Mismatch()
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try consume(byte) else { throw Mismatch() }
    }

    /// Skips white space and `byte` if it comes next.
    private mutating func consume(_ byte: UInt8) throws -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw Mismatch() }
        guard bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// After an element: true on `end`, false on the comma before another.
    private mutating func closes(_ end: UInt8) throws -> Bool {
        if try consume(end) { return true }
        try expect(UInt8(ascii: ","))
        return false
    }

    private mutating func literal(_ word: StaticString) throws -> Bool {
        skipWhitespace()
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count,
            UnsafeBufferPointer(rebasing: bytes[index..<index + length]).elementsEqual(
                UnsafeBufferPointer(start: word.utf8Start, count: length))
        else { return false }
        index += length
        guard !continuesNumber() else { throw Mismatch() }
        return true
    }

    private mutating func digits() throws {
        let start = index
        while index < bytes.count, Self.digit(bytes[index]) != nil { index += 1 }
        guard index > start else { throw Mismatch() }
    }

    /// Whether a letter, digit or number sign follows, which would make the token read so far part of a longer
    /// one.
    private func continuesNumber() -> Bool {
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        return Self.digit(byte) != nil || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-") || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        if let digit = digit(byte) { return UInt32(digit) }
        let letter = byte | 0x20
        return letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "f")
            ? UInt32(letter - UInt8(ascii: "a") + 10) : nil
    }

    private static func digit(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }
}
