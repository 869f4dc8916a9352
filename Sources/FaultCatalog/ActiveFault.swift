import Foundation
import RFC3339

/// A fault in force: its spec, the id to clear it by, and when it started and ends.
public struct ActiveFault: Sendable {
    public let id: Int
    public let spec: FaultSpec
    public let activatedAt: Date

    public init(id: Int, spec: FaultSpec, activatedAt: Date) {
        self.id = id
        self.spec = spec
        self.activatedAt = activatedAt
    }

    public var expiresAt: Date { activatedAt.addingTimeInterval(spec.durationSeconds) }

    /// `type#id`, as logs and probe answers name a fault.
    public var label: String { "\(spec.action.type.rawValue)#\(id)" }
}

extension ActiveFault: Encodable {
    /// The admin API's form: `id`, `type`, every parameter, `probability` and `route` where they apply,
    /// `duration_s`, `activated_at` and `expires_at`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FaultValue.Key.self)
        try container.encode(id, forKey: "id")
        try container.encode(spec.action.type.rawValue, forKey: "type")
        for (name, value) in spec.action.parameters {
            try container.encode(value, forKey: .init(name))
        }
        if spec.action.type.takesProbability {
            try container.encode(spec.probability, forKey: "probability")
        }
        if spec.action.type.actsOnRequests {
            try container.encode(spec.route, forKey: "route")
        }
        try container.encode(spec.durationSeconds, forKey: "duration_s")
        try container.encode(activatedAt.rfc3339, forKey: "activated_at")
        try container.encode(expiresAt.rfc3339, forKey: "expires_at")
    }
}

extension Date {
    /// RFC 3339 in UTC with milliseconds, `2026-11-29T04:09:34.578Z`, as the service writes times in its
    /// answers and logs; milliseconds are rounded down, so a time never reads later than it was.
    public var rfc3339: String {
        RFC3339.format(milliseconds: millisecondsSince1970, fraction: .always)
    }

    /// Appends ``rfc3339`` to `bytes`.
    public func appendRFC3339(to bytes: inout [UInt8]) {
        RFC3339.append(milliseconds: millisecondsSince1970, fraction: .always, to: &bytes)
    }

    private var millisecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded(.down))
    }
}
