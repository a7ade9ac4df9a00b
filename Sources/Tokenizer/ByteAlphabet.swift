/// GPT-2's reversible map between the 256 byte values and printable Unicode scalars.
///
/// The vocabulary files spell every token as a string of these scalars, so that a
/// token that is half of a UTF-8 character, or a control byte, is still printable
/// JSON. Printable Latin-1 bytes stand for themselves; the other 68 bytes are given
/// the scalars from U+0100 upwards, in byte order.
enum ByteAlphabet {
    /// `scalars[b]` is the scalar that spells byte `b` in the vocabulary.
    static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!  // 256..<324, always valid scalars
                next += 1
            }
        }
        return table
    }()

    /// The inverse of `scalars`; nil for a scalar that spells no byte.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        reverse[scalar.value]
    }

    // A dictionary rather than a 324-entry array keeps the inverse obviously total.
    private static let reverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, scalar) in scalars.enumerated() { map[scalar.value] = UInt8(byte) }
        return map
    }()
}
