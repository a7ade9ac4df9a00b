/// How many terminal columns text takes: 2 for wide East Asian characters and emoji,
/// 0 for combining marks and controls, 1 otherwise. Measured per grapheme cluster, so
/// "e" + combining accent is one column and a family emoji is two.
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x20 || (0x7F..<0xA0).contains(first.value) { return 0 }
        if scalars.allSatisfy({ isZeroWidth($0) }) { return 0 }
        if isWide(first.value) || first.properties.isEmojiPresentation { return 2 }
        if first.properties.isEmoji && scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return 1
    }

    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// `text` shortened to at most `width` columns for a title or a menu row: cut at a word
    /// boundary (unless that loses more than half), ended with "…", and with a quotation
    /// mark the cut left unmatched dropped.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard of(text) > width else { return text }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var kept = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > width - 1 { break }
            kept.append(character)
            used += w
        }
        if let space = kept.lastIndex(where: { $0 == " " }), kept.distance(from: kept.startIndex, to: space) >= kept.count / 2 {
            kept = String(kept[..<space])
        }
        kept = String(kept.reversed().drop { " ,;:-—(".contains($0) }.reversed())
        if kept.filter({ $0 == "\"" }).count % 2 == 1, let index = kept.lastIndex(of: "\"") { kept.remove(at: index) }
        if kept.filter({ $0 == "“" }).count > kept.filter({ $0 == "”" }).count, let index = kept.lastIndex(of: "“") {
            kept.remove(at: index)
        }
        while kept.last == " " { kept.removeLast() }
        return kept + "…"
    }

    private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return scalar.value == 0x200B
        }
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth W and F, coarsely).
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
             0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

/// Word wrapping by display width.
public enum WordWrap {
    /// The lines of `text` wrapped to `width` columns. Existing newlines are kept; a word
    /// longer than a line is broken; no line is wider than `width` (for width >= 2).
    public static func lines(_ text: String, width: Int) -> [String] {
        let width = max(1, width)
        var result: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var word = Substring(word)
                var wordWidth = DisplayWidth.of(word)
                if lineWidth > 0 && lineWidth + 1 + wordWidth <= width {
                    line += " " + word
                    lineWidth += 1 + wordWidth
                    continue
                }
                if lineWidth > 0 {
                    result.append(line)
                    line = ""
                    lineWidth = 0
                }
                while wordWidth > width {
                    // Break an over-long word at the column limit.
                    var piece = ""
                    var pieceWidth = 0
                    var rest = word
                    while let c = rest.first, pieceWidth + DisplayWidth.of(c) <= width {
                        piece.append(c)
                        pieceWidth += DisplayWidth.of(c)
                        rest = rest.dropFirst()
                    }
                    if piece.isEmpty, let c = rest.first {  // a 2-wide character in a 1-wide line
                        piece.append(c)
                        rest = rest.dropFirst()
                    }
                    result.append(piece)
                    word = rest
                    wordWidth = DisplayWidth.of(word)
                }
                line = String(word)
                lineWidth = wordWidth
            }
            result.append(line)
        }
        return result
    }
}
