/// `Authorization: Bearer TOKEN` credentials, checked one way by every server here: the app's admin API and the
/// alert receiver.
public enum BearerCredentials {
    /// Whether the `Authorization` header value presents `token`: the scheme in any case, then one or more
    /// spaces (RFC 9110, 11.1 and 11.4), the token compared in constant time.
    public static func present(_ header: String?, token: String) -> Bool {
        guard let header, let presented = self.token(in: header) else { return false }
        return constantTimeEqual(presented, Array(token.utf8))
    }

    /// The token of `Bearer TOKEN` credentials; nil for another scheme or no token.
    public static func token(in credentials: String) -> [UInt8]? {
        let bytes = Array(credentials.utf8)
        let scheme = bytes.prefix { $0 != UInt8(ascii: " ") }
        guard String(decoding: scheme, as: UTF8.self).lowercased() == "bearer" else { return nil }
        let token = bytes.dropFirst(scheme.count).drop { $0 == UInt8(ascii: " ") }
        return token.isEmpty ? nil : Array(token)
    }

    /// Whether `a` and `b` are equal, in a time that depends on their lengths only, never on where they first
    /// differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
