import Foundation
import Story

/// dungeon's own JSON format: everything about an adventure (its whole story tree with every
/// reply's seed and settings, memory, world info, note), with a version. Version 1 held a
/// linear story (alternatives and undone turns as lists); it still imports, as a tree.
public enum JSONExchange {
    public static let formatName = "dungeon-adventure"
    public static let version = 2

    /// Limits that keep a hostile file from exhausting memory or time.
    public static let maximumBytes = 32 << 20
    public static let maximumDepth = 32
    public static let maximumStringLength = 1 << 20
    public static let maximumTurns = 100_000

    struct Document: Codable {
        var format: String
        var version: Int
        var exportedAt: String
        var adventure: Adventure
    }

    public static func export(_ adventure: Adventure, exportedAt: Date) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let stamp = ISO8601DateFormatter().string(from: exportedAt)
        let data = try encoder.encode(Document(format: formatName, version: version, exportedAt: stamp, adventure: adventure))
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads any supported save (see `AdventureImporter`) and returns the adventure.
    public static func importAdventure(_ data: Data, title: String = "") throws -> Adventure {
        try AdventureImporter.read(data, fileName: title).adventure
    }

    static func importOwn(_ data: Data, dictionary: [String: Any]) throws -> Adventure {
        guard let version = dictionary["version"] as? Int else { throw ImportError.invalid("no format version") }
        guard version <= Self.version else { throw ImportError.newerVersion(version) }
        guard version >= 1 else { throw ImportError.invalid("format version \(version) is not valid") }
        do {
            return try JSONDecoder().decode(Document.self, from: data).adventure
        } catch let DecodingError.keyNotFound(key, context) {
            throw ImportError.invalid("missing \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ImportError.invalid("\(path(context.codingPath)) has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ImportError.invalid("\(path(context.codingPath)) is missing a value")
        } catch let DecodingError.dataCorrupted(context) {
            let reason = context.underlyingError == nil && !context.debugDescription.isEmpty ? ": " + context.debugDescription : ""
            throw ImportError.invalid("\(path(context.codingPath)) is not valid\(reason)")
        } catch {
            throw ImportError.invalid("it cannot be decoded")
        }
    }

    /// "adventure.tree.turns[0].reply": an index follows its list's name without a dot.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { path, key in
            if let index = key.intValue { return path + "[\(index)]" }
            return path.isEmpty ? key.stringValue : path + "." + key.stringValue
        }
    }

    /// Rejects nesting deeper than `maximumDepth` before any parser recurses into it.
    static func checkDepth(_ data: Data) throws {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { throw ImportError.tooDeep(limit: maximumDepth) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }

    static func checkStrings(_ value: Any) throws {
        if let string = value as? String {
            guard string.utf8.count <= maximumStringLength else {
                throw ImportError.invalid("a text of \(string.utf8.count) bytes is longer than \(maximumStringLength)")
            }
        } else if let array = value as? [Any] {
            for item in array { try checkStrings(item) }
        } else if let dictionary = value as? [String: Any] {
            for (key, item) in dictionary {
                try checkStrings(key)
                try checkStrings(item)
            }
        }
    }

    /// Checks what the game relies on: counts, settings and clean text (the tree's shape
    /// is checked as it is read).
    static func validate(_ adventure: Adventure) throws {
        let turns = adventure.tree.turns.values.sorted { $0.id < $1.id }
        guard turns.count <= maximumTurns else { throw ImportError.invalid("more than \(maximumTurns) turns") }
        for turn in turns {
            if let problem = turn.reply?.settings.problem { throw ImportError.invalid("turn \(turn.id): \(problem)") }
        }
        if let problem = adventure.settings.problem { throw ImportError.invalid(problem) }
        let texts = [adventure.title, adventure.scenario, adventure.opening, adventure.authorsNote, adventure.noteTemplate] + adventure.memory
            + adventure.worldInfo.flatMap { [$0.text, $0.comment] + $0.keys + $0.secondaryKeys + $0.antiKeys }
        let turnTexts = turns.flatMap { [$0.input, $0.action, $0.replyText] }
        if (texts + turnTexts).contains(where: { TextSanitizer.clean($0) != $0 }) {
            throw ImportError.invalid("it contains terminal control characters")
        }
        guard !adventure.title.trimmingCharacters(in: .whitespaces).isEmpty else { throw ImportError.invalid("the title is empty") }
    }
}
