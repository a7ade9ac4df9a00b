import Foundation
@testable import GPT2
import GRDB
@testable import Serving
@testable import Storage

/// One untrusted input each: the bytes go where a player's file or a client's request would.
/// A target may throw (bad input is refused); it must never trap, hang or leak.
enum FuzzTarget: String, CaseIterable {
    case safetensors, gguf, pickle, tensorflow, importers, lore, saveRows, httpBodies

    /// Builds what every run shares (the save-rows target's pristine save).
    func prepare() {
        if self == .saveRows { SaveRows.writePristine() }
    }

    func run(_ data: Data) {
        switch self {
        case .safetensors: _ = try? withFile(data, named: "model.safetensors") { try SafeTensors(file: MappedFile(path: $0)) }
        case .gguf:
            _ = try? withFile(data, named: "model.gguf") { path -> Int in
                let gguf = try GGUF(file: MappedFile(path: path))
                _ = try? gguf.vocabulary()
                return 0
            }
        case .pickle: _ = try? withFile(data, named: "pytorch_model.bin") { try PyTorchCheckpoint(file: MappedFile(path: $0)) }
        case .tensorflow:
            _ = try? withFile(data, named: "model.ckpt.index") { path -> Int in
                let prefix = URL(fileURLWithPath: String(path.dropLast(".index".count)))
                FileManager.default.createFile(atPath: prefix.path + ".data-00000-of-00001", contents: Data(count: 64))
                _ = try TensorBundle(prefix: prefix)
                return 0
            }
        case .importers: _ = try? AdventureImporter.read(data, fileName: "fuzz")
        case .lore:
            _ = try? LoreImporter.read(data)
            _ = try? LoreImporter.lorebook(from: data)
        case .saveRows: SaveRows.run(data)
        case .httpBodies:
            guard let fields = try? JSONFields(body: data) else { return }
            _ = try? CompletionRequest(kobold: fields)
            _ = try? CompletionRequest(openAI: fields)
            _ = fields.ignoredSamplers
        }
    }
}

/// Writes `data` to a file in a fresh scratch folder, runs `body` on its path, removes it.
func withFile<T>(_ data: Data, named name: String, _ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dungeon-fuzz-\(getpid())")
    try? FileManager.default.removeItem(at: folder)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(name).path
    FileManager.default.createFile(atPath: path, contents: data)
    return try body(path)
}

/// The save file's rows through the record decoders: the input chooses a table, a column
/// and a value (text, blob, integer or real) written into a real save, which is then listed
/// and loaded.
enum SaveRows {
    /// The save every run starts from, written once by `prepare` into a folder of this
    /// process's. Kept on disk, not in a global: LeakSanitizer does not see through the
    /// spare bits Swift packs into a global Data's reference, and reported it as a leak.
    static var pristinePath: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dungeon-fuzz-pristine-\(getpid())/dungeon.sqlite").path
    }

    static func writePristine() {
        let path = pristinePath
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if let database = try? SaveDatabase(path: path) {
            _ = try? database.create(FuzzAdventure.make())
            try? database.close()
        }
    }

    static let columns: [(String, String)] = [
        ("adventure", "title"), ("adventure", "settings"), ("adventure", "createdAt"), ("adventure", "lastPlayedAt"),
        ("adventure", "currentTurn"), ("adventure", "storyLength"), ("adventure", "ending"), ("adventure", "noteTemplate"),
        ("node", "number"), ("node", "parent"), ("node", "mode"), ("node", "replyText"), ("node", "replySeed"),
        ("node", "replySettings"), ("memory", "text"), ("worldInfo", "keys"), ("worldInfo", "secondaryKeys"),
        ("setting", "value"),
    ]

    static func run(_ data: Data) {
        guard data.count >= 2 else { return }
        let (table, column) = columns[Int(data[0]) % columns.count]
        let payload = data.dropFirst(2)
        let value: DatabaseValue
        switch data[1] % 4 {
        case 0: value = String(decoding: payload, as: UTF8.self).databaseValue
        case 1: value = Data(payload).databaseValue
        case 2: value = payload.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }.databaseValue
        default: value = Double(bitPattern: payload.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }).databaseValue
        }
        SaveRows.writePristine()
        guard let pristine = FileManager.default.contents(atPath: pristinePath) else { return }
        _ = try? withFile(pristine, named: "dungeon.sqlite") { path -> Int in
            let queue = try DatabaseQueue(path: path)
            try? queue.write { try $0.execute(sql: "UPDATE \"\(table)\" SET \"\(column)\" = ?", arguments: [value]) }
            try queue.close()
            let save = try SaveDatabase(path: path)
            for summary in try save.list() { _ = try? save.load(id: summary.id) }
            return 0
        }
    }
}
