/// Decides which world-info entries the model sees: those whose keys are being talked about.
public enum WorldInfoMatcher {
    /// The story a prompt's world info is searched in: the opening, each earlier turn's text
    /// (oldest first) and the current action. An entry searches its own `scanDepth` of recent
    /// turns (or `depth`), the opening while no more turns than that were played, and the action.
    public struct Scan {
        public var opening: String
        public var turns: [String]
        public var action: String
        public var depth: Int

        public init(opening: String, turns: [String], action: String, depth: Int) {
            self.opening = opening
            self.turns = turns
            self.action = action
            self.depth = depth
        }

        /// The text an entry searching `depth` turns reads.
        func text(depth: Int) -> String {
            let depth = max(0, depth)
            let recent = (turns.count <= depth ? [opening] : []) + turns.suffix(depth) + [action]
            return recent.joined(separator: "\n")
        }
    }

    /// Triggered entries of `entries` in `scan`, ordered by their insertion order (listed
    /// order among equals). Each distinct depth's text is lower-cased once, not per entry.
    public static func triggered(_ entries: [WorldInfoEntry], in scan: Scan) -> [WorldInfoEntry] {
        var haystacks: [Int: Haystack] = [:]
        let matched = entries.enumerated().filter { _, entry in
            guard !entry.disabled else { return false }
            let depth = entry.scanDepth ?? scan.depth
            if haystacks[depth] == nil { haystacks[depth] = Haystack(scan.text(depth: depth)) }
            return triggers(entry, haystacks[depth]!)
        }
        return matched.sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
    }

    /// Entries triggered by `text` alone, every entry searching all of it.
    public static func triggered(_ entries: [WorldInfoEntry], in text: String) -> [WorldInfoEntry] {
        let haystack = Haystack(text)
        return entries.enumerated().filter { !$0.element.disabled && triggers($0.element, haystack) }
            .sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
    }

    /// The text searched, as written and lower-cased.
    struct Haystack {
        let original: String
        let lowered: String

        init(_ text: String) {
            original = text
            lowered = text.lowercased()
        }

        func contains(_ key: String, of entry: WorldInfoEntry) -> Bool {
            let needle = entry.caseSensitive ? key.trimmingSpaces : key.trimmingSpaces.lowercased()
            let text = entry.caseSensitive ? original : lowered
            guard !needle.isEmpty else { return false }
            return entry.wholeWords ? WorldInfoMatcher.containsWholeWord(needle, in: text) : text.contains(needle)
        }
    }

    /// Always-on entries, or those with a key present whose secondary keys agree by the
    /// entry's logic (SillyTavern's AND ANY, NOT ALL, NOT ANY, AND ALL), unless an anti-key appears.
    static func triggers(_ entry: WorldInfoEntry, _ haystack: Haystack) -> Bool {
        if entry.antiKeys.contains(where: { haystack.contains($0, of: entry) }) { return false }
        if entry.alwaysOn { return true }
        guard entry.keys.contains(where: { haystack.contains($0, of: entry) }) else { return false }
        let secondary = entry.secondaryKeys.filter { !$0.trimmingSpaces.isEmpty }
        guard !secondary.isEmpty else { return true }
        let found = secondary.map { haystack.contains($0, of: entry) }
        switch entry.logic {
        case .andAny: return found.contains(true)
        case .notAll: return found.contains(false)
        case .notAny: return !found.contains(true)
        case .andAll: return !found.contains(false)
        }
    }

    /// Whether `key` occurs in `haystack` (already lower-cased) with no letter or digit on either side.
    static func containsWord(_ key: String, in haystack: String) -> Bool {
        let needle = key.trimmingSpaces.lowercased()
        guard !needle.isEmpty else { return false }
        return containsWholeWord(needle, in: haystack)
    }

    /// Whether `needle` occurs in `haystack` as written, with no letter or digit on either side.
    static func containsWholeWord(_ needle: String, in haystack: String) -> Bool {
        var searchStart = haystack.startIndex
        while let range = haystack.range(of: needle, range: searchStart..<haystack.endIndex) {
            let before = range.lowerBound == haystack.startIndex ? nil : haystack[haystack.index(before: range.lowerBound)]
            let after = range.upperBound == haystack.endIndex ? nil : haystack[range.upperBound]
            let isWordCharacter = { (c: Character?) in c.map { $0.isLetter || $0.isNumber } ?? false }
            if !isWordCharacter(before) && !isWordCharacter(after) { return true }
            searchStart = haystack.index(after: range.lowerBound)
        }
        return false
    }
}
