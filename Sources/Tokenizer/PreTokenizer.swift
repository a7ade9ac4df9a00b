/// Splits text into the pieces GPT-2 encodes independently.
///
/// It reproduces the pattern of OpenAI's encoder and Hugging Face's ByteLevel
/// pre-tokenizer, scanned by hand rather than with a regular expression:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// A run of whitespace before a word gives up its last character, so that
/// " word" stays one piece; contractions are split off only in lower case.
enum PreTokenizer {
    enum Kind: Equatable { case letter, number, whitespace, other }

    /// The pieces of `text`, each as UTF-8 bytes, in order; their concatenation is `text`.
    static func pieces(of text: String) -> [ArraySlice<UInt8>] {
        let scalars = Array(text.unicodeScalars)
        let kinds = scalars.map(kind(of:))
        var utf8: [UInt8] = []
        utf8.reserveCapacity(scalars.count)
        var offsets: [Int] = []  // offsets[i] = byte offset of scalar i; offsets[count] = end
        offsets.reserveCapacity(scalars.count + 1)
        for scalar in scalars {
            offsets.append(utf8.count)
            utf8.append(contentsOf: UTF8.encode(scalar)!)
        }
        offsets.append(utf8.count)

        var result: [ArraySlice<UInt8>] = []
        var start = 0
        while start < scalars.count {
            let end = pieceEnd(from: start, scalars: scalars, kinds: kinds)
            result.append(utf8[offsets[start]..<offsets[end]])
            start = end
        }
        return result
    }

    /// The end (exclusive) of the piece that starts at `i`; always greater than `i`.
    private static func pieceEnd(from i: Int, scalars: [Unicode.Scalar], kinds: [Kind]) -> Int {
        let count = scalars.count
        if scalars[i] == "'", let length = contractionLength(at: i, scalars: scalars) {
            return i + length
        }
        // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": one optional plain space, then a run.
        let body = (scalars[i] == " " && i + 1 < count && kinds[i + 1] != .whitespace) ? i + 1 : i
        let bodyKind = kinds[body]
        if bodyKind != .whitespace {
            var end = body + 1
            while end < count && kinds[end] == bodyKind { end += 1 }
            return end
        }
        // "\s+(?!\S)" then "\s+": whitespace up to, but not including, the last one before text.
        var end = i + 1
        while end < count && kinds[end] == .whitespace { end += 1 }
        if end < count && end - i >= 2 { return end - 1 }
        return end
    }

    private static func contractionLength(at i: Int, scalars: [Unicode.Scalar]) -> Int? {
        func scalar(_ offset: Int) -> Unicode.Scalar? {
            i + offset < scalars.count ? scalars[i + offset] : nil
        }
        switch (scalar(1), scalar(2)) {
        case ("r", "e"), ("v", "e"), ("l", "l"): return 3
        case ("s", _), ("t", _), ("m", _), ("d", _): return 2
        default: return nil
        }
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind {
        if scalar.isASCII {
            return asciiKinds[Int(scalar.value)]
        }
        return unicodeKind(of: scalar)
    }

    // ASCII is most of any story; a 128-entry table avoids the Unicode property lookup.
    private static let asciiKinds: [Kind] = (0..<128).map { unicodeKind(of: Unicode.Scalar(UInt8($0))) }

    private static func unicodeKind(of scalar: Unicode.Scalar) -> Kind {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
