import CZlib
import Foundation

/// Reads one file out of a zip archive (a CHARX card is one), in memory: nothing is ever
/// written to disk, so an entry's path cannot escape anywhere, but an archive naming one
/// outside itself (`../`, `/etc`) is refused as hostile. Sizes are checked before and while
/// inflating: a zip bomb stops at `limit` bytes.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var localHeader: Int
    }

    let bytes: [UInt8]
    let entries: [Entry]

    static func isZip(_ data: Data) -> Bool { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        self.bytes = bytes
        // The end-of-central-directory record: the last 22 bytes, or before a comment of up to 64 KiB.
        let lowest = max(0, bytes.count - 22 - 65_535)
        guard bytes.count >= 22,
              let end = stride(from: bytes.count - 22, through: lowest, by: -1).first(where: { Self.has(bytes, 0x06054B50, at: $0) }) else {
            throw LoreError.damagedArchive("its central directory is missing (truncated?)")
        }
        let count = Int(Self.u16(bytes, end + 10))
        var offset = Int(Self.u32(bytes, end + 16))
        var entries: [Entry] = []
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, Self.has(bytes, 0x02014B50, at: offset) else {
                throw LoreError.damagedArchive("its central directory is damaged")
            }
            let nameLength = Int(Self.u16(bytes, offset + 28))
            let extra = Int(Self.u16(bytes, offset + 30)) + Int(Self.u16(bytes, offset + 32))
            guard offset + 46 + nameLength <= bytes.count else { throw LoreError.damagedArchive("its central directory is damaged") }
            let name = String(decoding: bytes[offset + 46..<offset + 46 + nameLength], as: UTF8.self)
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            if name.hasPrefix("/") || name.contains("\\") || parts.contains("..") {
                throw LoreError.damagedArchive("it holds a path outside itself (\(LoreError.shown(name)))")
            }
            entries.append(Entry(name: name, method: Self.u16(bytes, offset + 10), compressedSize: Int(Self.u32(bytes, offset + 20)),
                                 size: Int(Self.u32(bytes, offset + 24)), localHeader: Int(Self.u32(bytes, offset + 42))))
            offset += 46 + nameLength + extra
        }
        self.entries = entries
    }

    /// The bytes of the entry named `name`, at most `limit` of them once inflated.
    func contents(of name: String, limit: Int) throws -> Data? {
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        guard entry.size <= limit else {
            throw LoreError.damagedArchive("its \(name) would be \(entry.size / 1_048_576) MiB; dungeon reads at most \(limit / 1_048_576) MiB")
        }
        let header = entry.localHeader
        guard header + 30 <= bytes.count, Self.has(bytes, 0x04034B50, at: header) else {
            throw LoreError.damagedArchive("its \(name) entry is damaged")
        }
        let start = header + 30 + Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        guard start + entry.compressedSize <= bytes.count else { throw LoreError.damagedArchive("its \(name) is cut short (truncated)") }
        let stored = Array(bytes[start..<start + entry.compressedSize])
        switch entry.method {
        case 0: return Data(stored)
        case 8: return try Self.inflate(stored, limit: limit, name: name)
        default: throw LoreError.damagedArchive("its \(name) is compressed by method \(entry.method), which dungeon does not read")
        }
    }

    /// Raw deflate, refusing output past `limit` whatever the archive declared.
    static func inflate(_ input: [UInt8], limit: Int, name: String) throws -> Data {
        var stream = z_stream()
        guard dungeon_inflate_init_raw(&stream) == Z_OK else { throw LoreError.damagedArchive("zlib could not start") }
        defer { inflateEnd(&stream) }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var input = input
        return try input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                let status = buffer.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                guard output.count <= limit else {
                    throw LoreError.damagedArchive("its \(name) inflates past \(limit / 1_048_576) MiB (a zip bomb?)")
                }
                if status == Z_STREAM_END { return output }
                guard status == Z_OK else { throw LoreError.damagedArchive("its \(name) is damaged (deflate error \(status))") }
                if stream.avail_in == 0 && stream.avail_out > 0 { throw LoreError.damagedArchive("its \(name) is cut short (truncated)") }
            }
        }
    }

    private static func has(_ bytes: [UInt8], _ signature: UInt32, at offset: Int) -> Bool {
        offset + 4 <= bytes.count && u32(bytes, offset) == signature
    }

    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        offset + 2 <= bytes.count ? UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 : 0
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        offset + 4 <= bytes.count ? (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) } : 0
    }
}
