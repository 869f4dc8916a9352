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

extension ActiveFault {
    /// Reads a fault as the admin API answers it: its `id`, `activated_at` and `expires_at` beside the
    /// fields of its request.
    public init(fields: [String: FaultValue]) throws(FaultRequestError) {
        guard case .number(let number)? = fields["id"], number == number.rounded(), number >= 1, number < 1e15 else {
            throw FaultRequestError("field 'id' must be a whole number from 1")
        }
        guard case .string(let text)? = fields["activated_at"], let milliseconds = RFC3339.milliseconds(from: text)
        else {
            throw FaultRequestError("field 'activated_at' must be an RFC 3339 time")
        }
        var request = fields
        for key in ["id", "activated_at", "expires_at"] { request[key] = nil }
        self.init(
            id: Int(number), spec: try FaultSpec(fields: request),
            activatedAt: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// The activation time in milliseconds since 1970: exactly the time the admin API wrote, for a fault read
    /// with ``init(fields:)`` (the nearest millisecond undoes the conversion to seconds).
    public var activatedAtMilliseconds: Int64 {
        Int64((activatedAt.timeIntervalSince1970 * 1000).rounded())
    }
}

extension FaultSpec {
    /// The JSON form the admin API takes: `type`, the parameters, and `probability`, `route` and
    /// `duration_s` where they apply.
    public var fields: [String: FaultValue] {
        var fields: [String: FaultValue] = ["type": .string(action.type.rawValue)]
        for (name, value) in action.parameters { fields[name] = value }
        if action.type.takesProbability { fields["probability"] = .number(probability) }
        if let route { fields["route"] = .string(route) }
        fields["duration_s"] = .number(durationSeconds)
        return fields
    }
}
