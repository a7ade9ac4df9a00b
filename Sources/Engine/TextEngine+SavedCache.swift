import Foundation
import GPT2

/// The engine's cache kept between runs: the game saves it when the player quits and
/// restores it before its first read, so coming back to a long story costs a file's read,
/// not the whole window's computation.
extension TextEngine {
    /// Where the cache of the model in `directory` at `precision` is kept: the user's cache
    /// folder (never the model's own: the tokens are the player's story), one file per model
    /// and precision, named for the weights file's path, size and modification time.
    static func savedCacheLocation(directory: URL, precision: Precision) -> SavedCacheLocation {
        let weights = ModelFiles(directory).weightsFile
        var status = stat()
        _ = stat(weights.path, &status)
        var identity: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        let fields = "\(weights.standardizedFileURL.path)|\(status.st_size)|\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)|\(precision)"
        for byte in fields.utf8 { identity = (identity ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let name = "\(GPT2Model.folderName(forModelAt: directory)).\(precision.rawValue).kv"
        return SavedCacheLocation(url: GPT2Model.userCacheFolder("prompts").appendingPathComponent(name), identity: identity)
    }

    /// How many models' caches the folder keeps: the least recently saved go first.
    static let savedCachesKept = 4

    /// Writes the cache the next generation would read from to `savedCache`; nothing when
    /// there is no location or nothing cached. The folder keeps the caches of the last
    /// `savedCachesKept` models saved (gpt2-xl's is 300 MB at most).
    public func saveCache() throws {
        guard let savedCache, !session.tokens.isEmpty else { return }
        try session.save(to: savedCache.url, identity: savedCache.identity)
        let folder = savedCache.url.deletingLastPathComponent()
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        let saved = files.filter { $0.pathExtension == "kv" }.map { file in
            (file, (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast)
        }
        for (file, _) in saved.sorted(by: { $0.1 > $1.1 }).dropFirst(Self.savedCachesKept) where file != savedCache.url {
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// Restores the cache `saveCache` wrote, once, before anything is read. Returns the tokens
    /// restored: 0 with no saved cache, or one for other weights or damaged (then not used).
    @discardableResult
    public func restoreSavedCache() -> Int {
        guard let savedCache, session.tokens.isEmpty else { return 0 }
        do {
            try session.restore(from: savedCache.url, identity: savedCache.identity)
        } catch {
            session.reset()
        }
        return session.tokens.count
    }
}

/// A file for the engine's cache, and the weights it may be restored into.
public struct SavedCacheLocation: Sendable, Equatable {
    public var url: URL
    /// A name for the weights (path, size, modification time, precision): a cache is only
    /// restored into the weights that computed it.
    public var identity: UInt64

    public init(url: URL, identity: UInt64) {
        self.url = url
        self.identity = identity
    }
}
