/// Decides which world-info entries the model sees: those whose keys are being talked about.
public enum WorldInfoMatcher {
    /// Entries that are always on, or whose key (and secondary key, when it has some)
    /// appears in `text` as a whole word or phrase, ignoring case, unless one of their
    /// anti-keys appears too. Disabled entries never are. Listed order is kept.
    public static func triggered(_ entries: [WorldInfoEntry], in text: String) -> [WorldInfoEntry] {
        let haystack = text.lowercased()
        return entries.filter { entry in
            if entry.disabled || entry.antiKeys.contains(where: { containsWord($0, in: haystack) }) { return false }
            if entry.alwaysOn { return true }
            guard entry.keys.contains(where: { containsWord($0, in: haystack) }) else { return false }
            return entry.secondaryKeys.isEmpty || entry.secondaryKeys.contains(where: { containsWord($0, in: haystack) })
        }
    }

    /// Whether `key` occurs in `haystack` (already lower-cased) with no letter or digit on either side.
    static func containsWord(_ key: String, in haystack: String) -> Bool {
        let needle = key.trimmingSpaces.lowercased()
        guard !needle.isEmpty else { return false }
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
