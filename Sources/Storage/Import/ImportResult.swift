import Foundation
import Story

/// An imported adventure and what the import did: the program whose save it was, and what
/// the file held that a dungeon adventure cannot (each said, never silently dropped or
/// silently made active).
public struct ImportResult: Sendable {
    public var adventure: Adventure
    /// "KoboldAI Client", "AI Dungeon 2"…
    public var format: String
    /// "world-info folders (not supported)", one phrase each.
    public var dropped: [String]

    public init(adventure: Adventure, format: String, dropped: [String] = []) {
        self.adventure = adventure
        self.format = format
        self.dropped = dropped
    }

    /// "imported 7 turns (2 other versions), 3 memory entries, 4 world-info entries, the
    /// author's note; dropped: world-info folders (not supported)".
    public var summary: String {
        let story = adventure.turns.count
        let others = adventure.tree.turns.count - story
        var kept = [Self.count(story, "turn") + (others > 0 ? " (" + Self.count(others, "other version") + ")" : "")]
        if !adventure.memory.isEmpty { kept.append(Self.count(adventure.memory.count, "memory entry", "memory entries")) }
        if !adventure.worldInfo.isEmpty {
            let disabled = adventure.worldInfo.filter(\.disabled).count
            kept.append(Self.count(adventure.worldInfo.count, "world-info entry", "world-info entries")
                        + (disabled > 0 ? " (\(disabled) disabled)" : ""))
        }
        if !adventure.authorsNote.isEmpty { kept.append("the author's note") }
        let text = "imported " + kept.joined(separator: ", ")
        return dropped.isEmpty ? text : text + "; dropped: " + dropped.joined(separator: ", ")
    }

    static func count(_ n: Int, _ one: String, _ many: String? = nil) -> String {
        n == 1 ? "1 \(one)" : "\(n) \(many ?? one + "s")"
    }
}

/// A JSON object read from an untrusted file: typed fields with errors that name the path
/// ("actions[3] is not text"), never a trap.
struct JSONObject {
    let values: [String: Any]
    let path: String

    init(_ values: [String: Any], path: String = "") {
        self.values = values
        self.path = path
    }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = values[key], !(value is NSNull) else {
            if let fallback { return fallback }
            throw ImportError.invalid("\(name(key)) is missing")
        }
        guard let text = value as? String else { throw ImportError.invalid("\(name(key)) is not text") }
        return text
    }

    func strings(_ key: String) throws -> [String] {
        try list(key, of: "text") { item, _ in item as? String }
    }

    func objects(_ key: String) throws -> [JSONObject] {
        try list(key, of: "an object") { item, path in (item as? [String: Any]).map { JSONObject($0, path: path) } }
    }

    /// The list at `key` (empty when missing or null), each item read by `read` from the
    /// item and its path, or refused as not `kind`.
    private func list<Item>(_ key: String, of kind: String, _ read: (Any, String) -> Item?) throws -> [Item] {
        guard let value = values[key], !(value is NSNull) else { return [] }
        guard let list = value as? [Any] else { throw ImportError.invalid("\(name(key)) is not a list") }
        return try list.enumerated().map { index, item in
            let path = "\(name(key))[\(index)]"
            guard let read = read(item, path) else { throw ImportError.invalid("\(path) is not \(kind)") }
            return read
        }
    }

    func object(_ key: String) throws -> JSONObject? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any] else { throw ImportError.invalid("\(name(key)) is not an object") }
        return JSONObject(object, path: name(key))
    }

    func bool(_ key: String) -> Bool? { values[key] as? Bool }

    /// A number (JSON numbers arrive as NSNumber; `true` and `false` are not numbers). Asking
    /// `value is Bool` would also refuse 0, 1 and 1.0, which Foundation bridges to Bool: a
    /// Clover save's `top-keks: 0` became the default 40.
    func number(_ key: String) -> Double? {
        guard let value = values[key] else { return nil }
        if let number = value as? NSNumber {
            return String(cString: number.objCType) == "c" ? nil : number.doubleValue
        }
        return (value as? String).flatMap(Double.init)
    }

    /// Text items of a list, or nil when `key` is missing or not a list of text.
    func textList(_ key: String) -> [String]? {
        (values[key] as? [Any])?.compactMap { $0 as? String }
    }
}

extension Double {
    /// The nearest Int, for a number read from another program's file: never traps (a
    /// damaged or hostile file may hold 1e300, infinity or NaN where a count belongs).
    var saturatingInt: Int {
        guard isFinite else { return self > 0 ? Int.max : self < 0 ? Int.min : 0 }
        if self >= 9.2e18 { return Int.max }
        if self <= -9.2e18 { return Int.min }
        return Int(self)
    }
}
