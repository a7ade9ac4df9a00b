import Foundation

/// The models `dungeon models download` knows, read from Assets/models.json.
public struct ModelCatalog: Decodable, Sendable {
    public struct Model: Decodable, Sendable, Equatable {
        public var name: String
        public var repo: String
        public var parameters: String
        public var disk: String
    }

    public struct File: Decodable, Sendable, Equatable {
        public var name: String
        /// Expected byte count, when the table knows it.
        public var size: Int?
        /// Expected SHA-256 (hex), when the table knows it.
        public var sha256: String?
    }

    public var base: String
    public var models: [Model]
    public var files: [File]

    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DownloadError.catalogMissing(url.path) }
        self = try JSONDecoder().decode(ModelCatalog.self, from: data)
    }

    public func model(named name: String) -> Model? {
        models.first { $0.name == name.lowercased() }
    }

    /// Where each file of `model` is fetched from: the hub, or a mirror holding the same paths.
    public func url(for file: File, of model: Model, mirror: String?) -> URL? {
        if let mirror {
            let trimmed = mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror
            return URL(string: "\(trimmed)/\(file.name)")
        }
        return URL(string: "\(base)/\(model.repo)/resolve/main/\(file.name)")
    }
}

/// Why a download failed, worded for the player.
public enum DownloadError: Error, Equatable, CustomStringConvertible {
    case catalogMissing(String)
    case unknownModel(String, known: [String])
    case alreadyInstalled(String)
    case http(file: String, status: Int)
    case network(file: String, reason: String)
    case sizeMismatch(file: String, expected: Int, actual: Int)
    case checksumMismatch(file: String)
    case cannotWrite(String)

    public var description: String {
        switch self {
        case .catalogMissing(let path): return "the model table \(path) is missing"
        case .unknownModel(let name, let known): return "unknown model \(name); choose from: \(known.joined(separator: ", "))"
        case .alreadyInstalled(let path): return "\(path) is already installed; delete it first to download again"
        case .http(let file, let status): return "downloading \(file) failed: the server answered HTTP \(status)"
        case .network(let file, let reason):
            return "downloading \(file) failed: \(reason); run the same command again to resume"
        case .sizeMismatch(let file, let expected, let actual):
            return "\(file) is \(actual) bytes, expected \(expected); the download was discarded"
        case .checksumMismatch(let file):
            return "\(file) does not match its SHA-256 checksum; the download was discarded"
        case .cannotWrite(let path): return "cannot write \(path)"
        }
    }
}
