import Foundation

extension JSONEncoder {
    /// An encoder whose output is stable and readable: keys sorted, so that equal data prints equally, and
    /// slashes in URLs and routes left unescaped. `pretty` adds line breaks and indentation for people.
    public static func stable(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension Double {
    /// The number as messages show it: `500`, not `500.0`; fractions as Swift writes them.
    public var plain: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : description }
}
