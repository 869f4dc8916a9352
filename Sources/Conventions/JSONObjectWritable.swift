/// A record that writes its own JSON, for the commands that write records by the hundred thousand (`list
/// --json`, `export`): the bytes `JSONEncoder.stable(pretty:)` writes for its `Encodable` form, without an
/// `Encoder` and the boxes, casts and metadata lookups it costs for every field. `StableJSONWriter` takes this
/// path for a value that conforms; tests compare both on random records of every conforming type.
public protocol JSONObjectWritable: Encodable {
    /// The object's members, each with its key and its value's writer.
    static var jsonMembers: JSONMembers<Self> { get }
}

/// One member of an object that writes itself: its key and how to write its value.
public struct JSONMember<Root>: Sendable {
    let key: String
    @usableFromInline let write: @Sendable (Root, inout JSONOutput) throws -> Void
    /// True when the member is left out, as `encodeIfPresent` leaves out a nil.
    @usableFromInline let isAbsent: (@Sendable (Root) -> Bool)?

    public init(
        _ key: String, absentWhen isAbsent: (@Sendable (Root) -> Bool)? = nil,
        _ write: @escaping @Sendable (Root, inout JSONOutput) throws -> Void
    ) {
        (self.key, self.write, self.isAbsent) = (key, write, isAbsent)
    }
}

/// The members of a type's objects sorted by their keys' UTF-8 bytes, as Foundation sorts them, once.
public struct JSONMembers<Root>: Sendable {
    @usableFromInline let members: [(quotedKey: [UInt8], member: JSONMember<Root>)]

    /// The keys, in the order they are written.
    public var keys: [String] { members.map(\.member.key) }

    public init(_ members: [JSONMember<Root>]) {
        self.members = members.sorted { JSONKey.precedes($0.key, $1.key) }.map { member in
            var quoted: [UInt8] = []
            JSONString.append(member.key, to: &quoted)
            return (quoted, member)
        }
    }
}

/// JSON being written by records that write themselves, pretty or compact as `JSONEncoder.stable(pretty:)`.
public struct JSONOutput {
    @usableFromInline var bytes: [UInt8]
    @usableFromInline let pretty: Bool
    @usableFromInline var depth: Int

    public mutating func null() { bytes.append(contentsOf: "null".utf8) }

    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    public mutating func string(_ value: String) { JSONString.append(value, to: &bytes) }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func integer(_ value: Int64?) {
        if let value { bytes.append(contentsOf: String(value).utf8) } else { null() }
    }

    /// A number as Foundation writes it; a non-finite one is an `EncodingError`, as there.
    public mutating func number(_ value: Double?) throws {
        if let value { bytes.append(contentsOf: try JSONNumber.text(of: value).utf8) } else { null() }
    }

    /// A string whose bytes `text` appends and which needs no escaping (an RFC 3339 time).
    public mutating func plainString(_ text: (inout [UInt8]) -> Void) {
        bytes.append(UInt8(ascii: "\""))
        text(&bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func strings(_ values: [String]) {
        array(values) { $0.string($1) }
    }

    /// Inlined where it is called, as ``array(_:_:)`` is.
    @inlinable
    public mutating func object<Value: JSONObjectWritable>(_ value: Value) throws {
        bytes.append(UInt8(ascii: "{"))
        var written = 0
        for (key, member) in Value.jsonMembers.members where member.isAbsent?(value) != true {
            beginElement(written)
            self.key(key)
            try member.write(value, &self)
            endElement()
            written += 1
        }
        close(UInt8(ascii: "}"), empty: written == 0)
    }

    /// Inlined where it is called, so that the loop is specialized for the element type (a generic loop looks
    /// up type metadata for every element).
    @inlinable
    public mutating func array<Element>(_ elements: [Element], _ write: (inout JSONOutput, Element) throws -> Void)
        rethrows
    {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            beginElement(index)
            try write(&self, element)
            endElement()
        }
        close(UInt8(ascii: "]"), empty: elements.isEmpty)
    }

    /// Begins element `index` of the container being written (after its opening bracket): a comma after the
    /// first, its own line when pretty, and one level deeper until ``endElement()``.
    @inlinable
    mutating func beginElement(_ index: Int) {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        newline(depth + 1)
        depth += 1
    }

    /// An object member's key, already quoted, and the separator before its value. Inlined, so that the
    /// append is specialized for the bytes given.
    @inlinable
    mutating func key(_ quoted: some Sequence<UInt8>) {
        bytes.append(contentsOf: quoted)
        bytes.append(contentsOf: (pretty ? " : " : ":").utf8)
    }

    @inlinable
    mutating func endElement() { depth -= 1 }

    /// Ends a container as Foundation does: pretty, an empty one is an empty line (`{\n\n}`).
    @usableFromInline
    mutating func close(_ bracket: UInt8, empty: Bool) {
        if empty, pretty { bytes.append(UInt8(ascii: "\n")) }
        if !empty || pretty { newline(depth) }
        bytes.append(bracket)
    }

    @usableFromInline
    mutating func newline(_ depth: Int) {
        guard pretty else { return }
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }
}
