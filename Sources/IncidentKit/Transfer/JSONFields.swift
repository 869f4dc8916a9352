import Foundation

/// The fields of one JSON object of an outside export (gh's runs, GitHub's deployments), read one by one so
/// that each problem names its field.
struct JSONFields {
    let container: KeyedDecodingContainer<AnyKey>

    init(_ decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: AnyKey.self) else {
            throw IncidentError.malformed("is not a JSON object")
        }
        self.container = container
    }

    func has(_ field: String) -> Bool { container.contains(AnyKey(stringValue: field)) }

    /// Refuses the object unless it has every one of `fields`.
    func require(_ fields: [String]) throws {
        let missing = fields.filter { !has($0) }
        guard missing.isEmpty else { throw IncidentError.malformed("lacks \(missing.joined(separator: ", "))") }
    }

    /// The field's value; `what` says what it should be (`a string`) when it is not.
    func value<T: Decodable>(_ field: String, _ what: String) throws -> T {
        guard let value = try? container.decode(T.self, forKey: AnyKey(stringValue: field)) else {
            throw IncidentError.malformed("\(field) is not \(what)")
        }
        return value
    }

    /// A string field, refused when blank unless `empty`.
    func text(_ field: String, empty: Bool = false) throws -> String {
        let text: String = try value(field, "a string")
        guard empty || !text.allSatisfy(\.isWhitespace) else { throw IncidentError.malformed("\(field) is empty") }
        return text
    }

    /// An RFC 3339 time field in the years incident records.
    func time(_ field: String) throws -> Timestamp {
        let text = try text(field)
        guard let time = Timestamp(rfc3339: text), Timestamp.supportedRange.contains(time) else {
            throw IncidentError.malformed("\(field) '\(text)' is not an RFC 3339 time from 1970 to 2199")
        }
        return time
    }
}
