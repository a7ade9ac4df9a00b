import CZlib
import Foundation

/// The text chunks of a PNG file (`tEXt`: a Latin-1 keyword, a zero byte, the text), where
/// character cards (`chara`, `ccv3`) and NovelAI lorebooks (`naidata`) travel. Every chunk's
/// length is checked against the file and its CRC against its bytes: a truncated or damaged
/// file is refused, never read past its end.
enum PNGText {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func isPNG(_ data: Data) -> Bool { data.starts(with: signature) }

    /// Each `tEXt` chunk's keyword and text, in file order, up to IEND.
    static func chunks(_ data: Data) throws -> [(keyword: String, text: Data)] {
        let bytes = [UInt8](data)
        guard bytes.starts(with: signature) else { throw LoreError.damagedPNG("it does not start with PNG's signature") }
        var chunks: [(String, Data)] = []
        var offset = signature.count
        while true {
            guard offset + 8 <= bytes.count else { throw LoreError.damagedPNG("it ends before its IEND chunk (truncated)") }
            let length = Int(bigEndian(bytes, offset))
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let end = offset + 8 + length
            guard length <= 0x7FFF_FFFF, end + 4 <= bytes.count else {
                throw LoreError.damagedPNG("its \(printable(type)) chunk runs past the end of the file (truncated)")
            }
            let crc = bytes[offset + 4..<end].withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
            guard crc == bigEndian(bytes, end) else { throw LoreError.damagedPNG("its \(printable(type)) chunk fails its CRC check") }
            if type == "tEXt" {
                let body = bytes[offset + 8..<end]
                if let zero = body.firstIndex(of: 0) {
                    let keyword = String(decoding: body[body.startIndex..<zero], as: UTF8.self)
                    chunks.append((keyword, Data(body[(zero + 1)...])))
                }
            }
            if type == "IEND" { return chunks }
            offset = end + 4
        }
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func printable(_ type: String) -> String {
        type.allSatisfy { $0.isASCII && ($0.isLetter) } ? type : "unnamed"
    }
}
