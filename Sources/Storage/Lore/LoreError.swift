import Story

/// Why a card or lorebook could not be read; nothing is saved when one is thrown.
public enum LoreError: Error, Equatable, CustomStringConvertible {
    case damagedPNG(String)
    case damagedArchive(String)
    /// A PNG, zip or JSON file that holds no card or lorebook dungeon reads.
    case noLore(String)
    case invalid(String)
    case tooManyEntries(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .damagedPNG(let detail): return "the PNG cannot be read: \(detail)"
        case .damagedArchive(let detail): return "the CHARX archive cannot be read: \(detail)"
        case .noLore(let detail): return "the file holds no character card or lorebook: \(detail)"
        case .invalid(let detail): return "the card or lorebook is not valid: \(detail)"
        case .tooManyEntries(let count, let limit):
            return "the lorebook holds \(count) entries; an adventure takes at most \(limit) world-info entries"
        }
    }

    /// Text from the file, safe to put in a one-line message: control characters and escape
    /// sequences gone, at most 60 characters.
    static func shown(_ text: String) -> String {
        let line = TextSanitizer.clean(text).split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 60 ? String(line.prefix(59)) + "…" : line
    }
}
