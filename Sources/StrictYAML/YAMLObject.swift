import Foundation
import Yams

/// A problem in a YAML (or JSON) file, with the file, the line and the key it concerns.
public struct YAMLProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// The line, from 1; nil when the problem is the whole file.
    public let line: Int?
    /// The key's path, `steps[2].fault`; empty for the document itself.
    public let key: String
    public let problem: String

    public init(file: String, line: Int?, key: String, problem: String) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(problem)"
    }
}

/// A YAML mapping read strictly: every key must be read, so that a misspelt or unsupported key is refused
/// by name, and every problem carries its file, line and key path. JSON reads the same, being YAML.
public struct YAMLObject {
    public let file: String
    public let path: String
    let node: Node
    let pairs: [(key: String, value: Node)]

    /// The document in `text`, which must be a mapping.
    public init(text: String, file: String) throws(YAMLProblem) {
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch {
            throw YAMLProblem(
                file: file, line: Self.line(of: error), key: "", problem: "not valid YAML or JSON: \(error)")
        }
        guard let document else { throw YAMLProblem(file: file, line: nil, key: "", problem: "the file is empty") }
        try self.init(node: document, file: file, path: "")
    }

    init(node: Node, file: String, path: String) throws(YAMLProblem) {
        guard let mapping = node.mapping else {
            throw YAMLProblem(
                file: file, line: node.mark?.line, key: path, problem: "must be a mapping of keys to values")
        }
        var pairs: [(key: String, value: Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                throw YAMLProblem(file: file, line: key.mark?.line, key: path, problem: "a key must be text")
            }
            pairs.append((name, value))
        }
        self.file = file
        self.path = path
        self.node = node
        self.pairs = pairs
    }

    /// The line the mapping starts on.
    public var line: Int? { node.mark?.line }

    /// The keys present.
    public var keys: [String] { pairs.map(\.key) }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A problem with `key` of this mapping, at the key's line.
    public func problem(_ key: String, _ text: String) -> YAMLProblem {
        YAMLProblem(
            file: file, line: value(key)?.mark?.line ?? line, key: key.isEmpty ? path : child(key), problem: text)
    }

    func value(_ key: String) -> Node? {
        pairs.first { $0.key == key }?.value
    }

    /// Refuses every key not in `known`, naming the first.
    public func refuseUnknownKeys(_ known: Set<String>) throws(YAMLProblem) {
        guard let unknown = pairs.first(where: { !known.contains($0.key) }) else { return }
        throw YAMLProblem(
            file: file, line: unknown.value.mark?.line, key: child(unknown.key),
            problem: "unknown or unsupported key; the keys here are \(known.sorted().joined(separator: ", "))")
    }

    /// The text at `key`; nil when absent or null.
    public func string(_ key: String) throws(YAMLProblem) -> String? {
        guard let node = value(key), node.null == nil else { return nil }
        guard case .scalar(let scalar) = node else { throw problem(key, "must be text") }
        return scalar.string
    }

    /// The text at `key`, which must be there.
    public func requiredString(_ key: String) throws(YAMLProblem) -> String {
        guard let text = try string(key), !text.isEmpty else { throw problem(key, "is required") }
        return text
    }

    /// The number at `key`; nil when absent or null.
    public func number(_ key: String) throws(YAMLProblem) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let number = Double(text), number.isFinite else { throw problem(key, "must be a number, not '\(text)'") }
        return number
    }

    /// The boolean at `key`, written `true` or `false`; nil when absent or null.
    public func bool(_ key: String) throws(YAMLProblem) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw problem(key, "must be true or false, not '\(text)'")
        }
    }

    /// The mapping at `key`; nil when absent.
    public func object(_ key: String) throws(YAMLProblem) -> YAMLObject? {
        guard let node = value(key), node.null == nil else { return nil }
        return try YAMLObject(node: node, file: file, path: child(key))
    }

    /// The list at `key` (empty when absent), each element handed to `read` with its path.
    public func list<T>(_ key: String, _ read: (Node, _ path: String, _ file: String) throws(YAMLProblem) -> T)
        throws(YAMLProblem) -> [T]
    {
        guard let node = value(key), node.null == nil else { return [] }
        guard case .sequence(let sequence) = node else { throw problem(key, "must be a list") }
        var values: [T] = []
        for (index, element) in sequence.enumerated() {
            values.append(try read(element, "\(child(key))[\(index)]", file))
        }
        return values
    }

    /// The mappings of the list at `key`.
    public func objects(_ key: String) throws(YAMLProblem) -> [YAMLObject] {
        try list(key) { node, path, file throws(YAMLProblem) in try YAMLObject(node: node, file: file, path: path) }
    }

    /// The texts of the list at `key`.
    public func strings(_ key: String) throws(YAMLProblem) -> [String] {
        try list(key) { node, path, file throws(YAMLProblem) in
            guard case .scalar(let scalar) = node else {
                throw YAMLProblem(file: file, line: node.mark?.line, key: path, problem: "must be text")
            }
            return scalar.string
        }
    }

    /// The value at `key` as plain data (strings, numbers, booleans, lists, mappings), for a field whose
    /// shape another reader checks.
    public func plain(_ key: String) -> Any? {
        value(key).map(Self.plain)
    }

    static func plain(_ node: Node) -> Any {
        switch node {
        case .scalar(let scalar):
            if node.null != nil { return NSNull() }
            if let bool = node.bool, scalar.style == .plain { return bool }
            if let number = node.float, scalar.style == .plain { return number }
            return scalar.string
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = plain(value) }
            return object
        case .sequence(let sequence):
            return sequence.map(plain)
        case .alias:
            return NSNull()
        }
    }

    private static func line(of error: any Error) -> Int? {
        switch error as? YamlError {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }
}
