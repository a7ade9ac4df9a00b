/// Removes what could take over a terminal or garble a page from untrusted text
/// (model output, imported saves): escape sequences, control characters and bidi
/// overrides. Newlines and tabs are kept; CR LF becomes LF.
///
/// Every sink that writes text to a terminal calls it (the screen buffer, plain mode's
/// output, the commands' output and errors); stored text is cleaned on input too.
public enum TextSanitizer {
    /// Cleans text that arrives in pieces (a reply streamed token by token): an escape
    /// sequence split across pieces is held back until it ends, then dropped whole.
    public struct Stream: Sendable, Equatable {
        private var held = ""

        public init() {}

        /// The clean text that `piece` completes.
        public mutating func push(_ piece: String) -> String {
            let text = held + piece
            let scalars = Array(text.unicodeScalars)
            var i = 0
            var openFrom: Int?
            while i < scalars.count {
                let value = scalars[i].value
                if value == 0x1B || value == 0x9B || [0x9D, 0x90, 0x98, 0x9E, 0x9F].contains(value) {
                    let (end, complete) = endOfSequence(scalars, from: i)
                    if !complete { openFrom = i; break }
                    i = end
                } else {
                    i += 1
                }
            }
            guard let openFrom else {
                held = ""
                return clean(text)
            }
            held = String(String.UnicodeScalarView(scalars[openFrom...]))
            return clean(String(String.UnicodeScalarView(scalars[..<openFrom])))
        }

        /// The end of the stream: an unfinished sequence is dropped.
        public mutating func finish() -> String {
            held = ""
            return ""
        }
    }

    public static func clean(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            switch scalar.value {
            case 0x1B:  // ESC: skip the whole sequence
                i = endOfEscapeSequence(scalars, from: i)
                continue
            case 0x9B:  // 8-bit CSI: parameters up to a final byte
                i += 1
                while i < scalars.count && !(0x40...0x7E).contains(scalars[i].value) { i += 1 }
            case 0x9D, 0x90, 0x98, 0x9E, 0x9F:  // 8-bit OSC, DCS, SOS, PM, APC: up to a terminator
                i = endOfString(scalars, from: i + 1).end
                continue
            case 0x0A, 0x09:
                output.append(scalar)
            case 0x0D:
                if i + 1 < scalars.count && scalars[i + 1].value == 0x0A { break }
                output.append("\n")
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0xFFF9...0xFFFB:
                break
            default:
                output.append(scalar)
            }
            i += 1
        }
        return String(output)
    }

    /// The index after an escape sequence starting at `start` (which holds ESC).
    private static func endOfEscapeSequence(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        endOfSequence(scalars, from: start).end
    }

    /// The index after the sequence that starts at `start` (ESC or an 8-bit introducer),
    /// and whether it ended before the text did.
    fileprivate static func endOfSequence(_ scalars: [Unicode.Scalar], from start: Int) -> (end: Int, complete: Bool) {
        var i = start + 1
        switch scalars[start].value {
        case 0x9B:
            while i < scalars.count && !(0x40...0x7E).contains(scalars[i].value) { i += 1 }
            return (min(i + 1, scalars.count), i < scalars.count)
        case 0x9D, 0x90, 0x98, 0x9E, 0x9F:
            return endOfString(scalars, from: i)
        default:
            break
        }
        guard i < scalars.count else { return (i, false) }
        switch scalars[i] {
        case "[":  // CSI: parameter and intermediate bytes, then one final byte
            i += 1
            while i < scalars.count && !(0x40...0x7E).contains(scalars[i].value) { i += 1 }
            return (min(i + 1, scalars.count), i < scalars.count)
        case "]", "P", "X", "^", "_":  // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST
            return endOfString(scalars, from: i + 1)
        default:  // a two-character sequence such as ESC c (reset) or ESC 7
            return (i + 1, true)
        }
    }

    private static func endOfString(_ scalars: [Unicode.Scalar], from start: Int) -> (end: Int, complete: Bool) {
        var i = start
        while i < scalars.count {
            let value = scalars[i].value
            if value == 0x07 || value == 0x9C { return (i + 1, true) }
            if value == 0x1B && i + 1 < scalars.count && scalars[i + 1] == "\\" { return (i + 2, true) }
            i += 1
        }
        return (i, false)
    }
}
