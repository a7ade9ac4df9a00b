import CKernels
import Foundation

/// A session's cache kept on disk between runs: its tokens and their keys and values, so a
/// player who comes back to a long story does not wait while the whole window is read again
/// (gpt2-xl reads about 110 prompt tokens a second at q8 on two cores; restoring 900 tokens'
/// 280 MB takes a fraction of a second).
///
/// The file (little-endian): `magic`, then UInt32 version, cache format, layers, hidden size,
/// heads, context length and vocabulary size; UInt64 `identity` (the caller's name for the
/// weights: a cache is only ever restored into the model that wrote it); UInt32 token count
/// and the tokens; each layer's keys then values for those tokens, head by head; and a
/// CRC-32C of the CRC-32Cs of the header and of each head's block.
extension InferenceSession {
    static let savedMagic = Array("DUNGEONK".utf8)
    static let savedVersion: UInt32 = 1

    /// Writes the cached tokens and their keys and values to `url`, through a temporary
    /// file renamed into place (a half-written file is never taken for a whole one),
    /// readable by the owner alone: the tokens are the story.
    public func save(to url: URL, identity: UInt64) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A run that exited mid-write left its temporary file: nothing else removes it.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in leftovers where name.hasPrefix(".\(url.lastPathComponent).") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw CheckpointError.unreadable(path: temporary.path, reason: "cannot write the saved cache")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        var header = savedHeader(identity: identity, count: tokens.count)
        for token in tokens { withUnsafeBytes(of: UInt32(token).littleEndian) { header.append(contentsOf: $0) } }
        var checksums = [header.withUnsafeBytes { ck_crc32c($0.baseAddress, $0.count) }]
        try handle.write(contentsOf: header)
        try forEachSavedBlock { block in
            checksums.append(ck_crc32c(block.baseAddress, block.count))
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: block.baseAddress!),
                                              count: block.count, deallocator: .none))
        }
        var checksum = checksums.withUnsafeBytes { ck_crc32c($0.baseAddress, $0.count) }.littleEndian
        try handle.write(contentsOf: Data(bytes: &checksum, count: 4))
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            throw CheckpointError.unreadable(path: url.path, reason: "cannot write the saved cache")
        }
    }

    /// Replaces the cache with the one `save(to:identity:)` wrote to `url` for the same
    /// weights (`identity`) and shape. Throws, leaving the cache empty, for a file that is
    /// missing, damaged (the checksum), truncated or written for other weights.
    public func restore(from url: URL, identity: UInt64) throws {
        reset()
        let file = try MappedFile(path: url.path)
        let bytes = file.bytes
        func refuse(_ reason: String) -> CheckpointError { .unreadable(path: url.path, reason: reason) }
        let fixed = savedHeader(identity: identity, count: 0).count
        guard bytes.count >= fixed else { throw refuse("not a saved cache") }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: fixed - 4, as: UInt32.self)))
        guard count <= config.contextLength, savedHeader(identity: identity, count: count).elementsEqual(bytes.prefix(fixed)) else {
            throw refuse("not a saved cache of these weights")
        }
        let headerBytes = fixed + 4 * count
        let blockBytes = cacheFormat.byteCount(elements: count * config.headSize)
        let blocks = 2 * config.layerCount * config.headCount
        guard bytes.count == headerBytes + blocks * blockBytes + 4 else { throw refuse("truncated") }
        var checksums = [ck_crc32c(bytes.baseAddress, headerBytes)]
        for block in 0..<blocks {
            checksums.append(ck_crc32c(bytes.baseAddress! + headerBytes + block * blockBytes, blockBytes))
        }
        let checksum = checksums.withUnsafeBytes { ck_crc32c($0.baseAddress, $0.count) }
        guard UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) == checksum else {
            throw refuse("damaged (checksum)")
        }
        let restored = (0..<count).map { Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: fixed + 4 * $0, as: UInt32.self))) }
        guard restored.allSatisfy({ $0 < config.vocabularySize }) else { throw refuse("not a saved cache of these weights") }
        var offset = headerBytes
        forEachSavedBlock(count: count) { block in
            UnsafeMutableRawPointer(mutating: block.baseAddress!).copyMemory(from: bytes.baseAddress! + offset, byteCount: block.count)
            offset += block.count
        }
        tokens = restored
    }

    /// The header before the tokens, for `count` of them.
    private func savedHeader(identity: UInt64, count: Int) -> Data {
        var data = Data(Self.savedMagic)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        for value in [Self.savedVersion, UInt32(cacheFormat.rawValue), UInt32(config.layerCount), UInt32(config.hiddenSize),
                      UInt32(config.headCount), UInt32(config.contextLength), UInt32(config.vocabularySize)] {
            append(value)
        }
        append(identity)
        append(UInt32(count))
        return data
    }

    /// Calls `body` with each head's keys, then values, for the first `count` cached
    /// positions (default: all), layer by layer: (P, D) rows of the (H, P, D) cache.
    private func forEachSavedBlock(count: Int? = nil, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let count = count ?? tokens.count
        let rowBytes = cacheFormat.byteCount(elements: config.headSize)
        let headBytes = cacheFormat.byteCount(elements: config.contextLength * config.headSize)
        for layer in 0..<config.layerCount {
            for cache in [keyCache[layer], valueCache[layer]] {
                for head in 0..<config.headCount {
                    try body(UnsafeRawBufferPointer(start: cache + head * headBytes, count: count * rowBytes))
                }
            }
        }
    }
}
