import Conventions
import Foundation

/// Why a fault request was refused; the message names the field and what it accepts.
public struct FaultRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension FaultSpec {
    /// Parses a fault request body such as `{"type":"error","status":503,"probability":0.5}`.
    public init(json: Data) throws(FaultRequestError) {
        let object: [String: FaultValue]
        do {
            object = try JSONDecoder().decode([String: FaultValue].self, from: json)
        } catch {
            throw FaultRequestError(
                "a fault must be a JSON object of numbers and strings, such as "
                    + #"{"type":"error","status":503,"probability":0.5,"duration_s":120}"#)
        }
        try self.init(fields: object)
    }

    /// Parses `APP_FAULTS`: a JSON list of fault request bodies, the app's own faults only. Errors name the
    /// position in the list.
    public static func list(json: Data) throws(FaultRequestError) -> [FaultSpec] {
        let objects: [[String: FaultValue]]
        do {
            objects = try JSONDecoder().decode([[String: FaultValue]].self, from: json)
        } catch {
            throw FaultRequestError(
                "APP_FAULTS must be a JSON list of fault objects, such as " + #"[{"type":"latency","ms":500}]"#)
        }
        var specs: [FaultSpec] = []
        for (index, object) in objects.enumerated() {
            do {
                let spec = try FaultSpec(fields: object)
                try spec.checkPlayableByApp()
                specs.append(spec)
            } catch {
                throw FaultRequestError("APP_FAULTS[\(index)]: \(error.description)")
            }
        }
        return specs
    }

    /// Reads a fault from the fields of its JSON form: every field is checked against the catalog, and a
    /// field that does not apply to the type is refused by name.
    public init(fields: [String: FaultValue]) throws(FaultRequestError) {
        var reader = FieldReader(fields: fields)
        let typeName = try reader.string("type")
        guard let typeName else {
            throw FaultRequestError("field 'type' is required; one of: \(FaultType.names)")
        }
        guard let type = FaultType(rawValue: typeName) else {
            throw FaultRequestError("field 'type': unknown fault type '\(typeName)'; one of: \(FaultType.names)")
        }
        let action = try FaultAction(type: type, reading: &reader)
        let probability = type.takesProbability ? try reader.number("probability", in: 0...1) ?? 1 : 1
        let route = type.actsOnRequests ? try reader.route() : nil
        let duration = try reader.number("duration_s", in: FaultLimits.durationSeconds) ?? Self.defaultDurationSeconds
        try reader.refuseUnread(type: type)
        self.init(action: action, probability: probability, route: route, durationSeconds: duration)
    }
}

extension FaultAction {
    fileprivate init(type: FaultType, reading reader: inout FieldReader) throws(FaultRequestError) {
        switch type {
        case .latency:
            guard let ms = try reader.integer("ms", in: FaultLimits.latencyMilliseconds) else {
                throw FaultRequestError("field 'ms' is required for a latency fault: the delay to add, in milliseconds")
            }
            self = .latency(
                milliseconds: ms,
                jitterMilliseconds: try reader.integer("jitter_ms", in: FaultLimits.latencyMilliseconds) ?? 0)
        case .error:
            self = .error(status: try reader.integer("status", in: FaultLimits.errorStatus) ?? 500)
        case .abort:
            self = .abort
        case .hang:
            self = .hang(maxSeconds: try reader.number("max_s", in: FaultLimits.hangSeconds) ?? 30)
        case .crash:
            self = .crash(
                exitCode: Int32(try reader.integer("exit_code", in: FaultLimits.exitCode) ?? 1),
                delaySeconds: try reader.number("delay_s", in: FaultLimits.crashDelaySeconds) ?? 0)
        case .memoryLeak:
            self = .memoryLeak(
                megabytesPerSecond: try reader.integer("mb_per_s", in: FaultLimits.leakMegabytesPerSecond) ?? 10,
                maxMegabytes: try reader.integer("max_mb", in: FaultLimits.leakMaxMegabytes) ?? 256)
        case .cpuBurn:
            self = .cpuBurn(threads: try reader.integer("threads", in: FaultLimits.cpuThreads) ?? 1)
        case .dependencyDown: self = .dependencyDown
        case .notReady: self = .notReady
        case .notLive: self = .notLive
        case .kill: self = .kill(replica: try reader.replica())
        case .pause: self = .pause(replica: try reader.replica())
        case .oom: self = .oom(replica: try reader.replica())
        case .cpuThrottle:
            self = .cpuThrottle(
                replica: try reader.replica(), cpus: try reader.number("cpus", in: FaultLimits.throttleCPUs) ?? 0.1)
        case .partition:
            let from = try reader.hop("from", "lb or replica-N")
            let to = try reader.hop("to", "replica-N or db")
            switch (from, to) {
            case (.loadBalancer, .replica), (.replica, .database): self = .partition(from: from, to: to)
            default:
                throw FaultRequestError(
                    "a partition cuts lb from a replica (from=lb to=replica-1) or a replica from the database "
                        + "(from=replica-1 to=db), not \(from.name) from \(to.name)")
            }
        case .dbDown: self = .dbDown
        case .dbLock: self = .dbLock
        case .dbConnections: self = .dbConnections
        case .diskFull: self = .diskFull
        }
    }
}

/// Reads typed fields out of a fault request, remembering which were read so the rest can be refused.
private struct FieldReader {
    var fields: [String: FaultValue]
    var read: [String] = []

    mutating func take(_ name: String) -> FaultValue? {
        read.append(name)
        guard let value = fields[name], value != .null else { return nil }
        return value
    }

    mutating func string(_ name: String) throws(FaultRequestError) -> String? {
        switch take(name) {
        case nil: return nil
        case .string(let string): return string
        default: throw FaultRequestError("field '\(name)' must be a string")
        }
    }

    mutating func number(_ name: String, in range: ClosedRange<Double>) throws(FaultRequestError) -> Double? {
        guard let value = take(name) else { return nil }
        guard case .number(let number) = value else {
            throw FaultRequestError("field '\(name)' must be a number")
        }
        guard range.contains(number) else {
            throw FaultRequestError(
                "field '\(name)' is \(number.plain); it must be between \(range.lowerBound.plain) and \(range.upperBound.plain)"
            )
        }
        return number
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) throws(FaultRequestError) -> Int? {
        guard let number = try number(name, in: Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard number == number.rounded() else {
            throw FaultRequestError("field '\(name)' must be a whole number")
        }
        return Int(number)
    }

    mutating func route() throws(FaultRequestError) -> String? {
        guard let route = try string("route") else { return nil }
        guard route.hasPrefix("/"), FaultLimits.routeLength.contains(route.utf8.count) else {
            throw FaultRequestError(
                "field 'route' must be a path glob starting with '/', such as '/api/*', of at most \(FaultLimits.routeLength.upperBound) bytes"
            )
        }
        return route
    }

    /// `replica`: a number from 1 to 8, or `all`; 1 when not given.
    mutating func replica() throws(FaultRequestError) -> ReplicaChoice {
        switch take("replica") {
        case nil: return .one(1)
        case .string("all"): return .all
        case .number(let number)
        where number == number.rounded() && FaultLimits.replica.contains(Int(exactly: number) ?? 0):
            return .one(Int(number))
        default:
            throw FaultRequestError(
                "field 'replica' must be a replica's number, \(FaultLimits.replica.lowerBound) to "
                    + "\(FaultLimits.replica.upperBound), or all")
        }
    }

    /// A required hop of a partition, one of `accepted`.
    mutating func hop(_ name: String, _ accepted: String) throws(FaultRequestError) -> Hop {
        guard let text = try string(name) else {
            throw FaultRequestError("field '\(name)' is required for a partition: \(accepted)")
        }
        guard let hop = Hop(name: text) else {
            throw FaultRequestError(
                "field '\(name)' is '\(text)'; give \(accepted), with N from \(FaultLimits.replica.lowerBound) to "
                    + "\(FaultLimits.replica.upperBound)")
        }
        return hop
    }

    func refuseUnread(type: FaultType) throws(FaultRequestError) {
        guard let unknown = fields.keys.sorted().first(where: { !read.contains($0) }) else { return }
        throw FaultRequestError(
            "field '\(unknown)' does not apply to a \(type.rawValue) fault; it takes: \(read.joined(separator: ", "))")
    }
}
