/// Removes what could take over a terminal or garble a page from untrusted text
/// (model output, imported saves): escape sequences, control characters and bidi
/// overrides. Newlines and tabs are kept; CR LF becomes LF.
public enum TextSanitizer {
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
                i = endOfString(scalars, from: i + 1)
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
        var i = start + 1
        guard i < scalars.count else { return i }
        switch scalars[i] {
        case "[":  // CSI: parameter and intermediate bytes, then one final byte
            i += 1
            while i < scalars.count && !(0x40...0x7E).contains(scalars[i].value) { i += 1 }
            return min(i + 1, scalars.count)
        case "]", "P", "X", "^", "_":  // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST
            return endOfString(scalars, from: i + 1)
        default:  // a two-character sequence such as ESC c (reset) or ESC 7
            return i + 1
        }
    }

    private static func endOfString(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        while i < scalars.count {
            let value = scalars[i].value
            if value == 0x07 || value == 0x9C { return i + 1 }
            if value == 0x1B && i + 1 < scalars.count && scalars[i + 1] == "\\" { return i + 2 }
            i += 1
        }
        return i
    }
}
