/// A record whose fields are known by name, so that decoding it can refuse fields it does not know: a
/// one-byte typo in a key of an imported file must be an error, not a field silently left unset.
public protocol RecordFields: Decodable {
    /// The names of the fields the record's JSON form may hold.
    static var fieldNames: Set<String> { get }
}

extension Decoder {
    /// Throws a `DecodingError` naming the first key of this object that is not in `allowed`.
    func refuseUnknownKeys(allowing allowed: Set<String>) throws {
        let keys = try container(keyedBy: AnyKey.self).allKeys
        guard let unknown = keys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) else { return }
        throw DecodingError.dataCorrupted(
            .init(codingPath: codingPath + [AnyKey(stringValue: unknown)], debugDescription: "unknown field"))
    }
}

extension Decoder {
    /// Refuses a key outside `keys`, and a key of `keys` that is missing, unless it is one of `later` (fields
    /// added after files were first written, read as null when absent).
    func requireExactKeys(_ keys: Set<String>, later: Set<String> = []) throws {
        let given = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        // The common case, an export's record with every field and no other, in one pass.
        if given.count == keys.count, given.allSatisfy(keys.contains) { return }
        try refuseUnknownKeys(allowing: keys)
        let present = Set(given)
        if let missing = keys.subtracting(present).subtracting(later).sorted().first {
            throw DecodingError.keyNotFound(
                AnyKey(stringValue: missing), .init(codingPath: codingPath, debugDescription: "missing"))
        }
    }
}

/// A record decoded as an export writes it: every one of its fields, and no other key.
struct Exact<Record: RecordFields>: Decodable {
    let record: Record

    init(from decoder: any Decoder) throws {
        try decoder.requireExactKeys(Record.fieldNames)
        record = try Record(from: decoder)
    }
}

/// A record decoded strictly: every key must be one of its fields.
struct Strict<Record: RecordFields>: Decodable {
    let record: Record

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(allowing: Record.fieldNames)
        record = try Record(from: decoder)
    }
}

/// A coding key for any name.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) { nil }
}
