/// Why a file could not be imported; nothing is changed when one is thrown.
public enum ImportError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case tooLarge(bytes: Int, limit: Int)
    case notJSON(detail: String)
    case tooDeep(limit: Int)
    case unknownFormat(known: [String])
    /// A format recognised but not read, with what to do instead.
    case unsupported(String)
    case newerVersion(Int)
    case invalid(String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "cannot read \(path)"
        case .tooLarge(let bytes, let limit):
            return "the file is \(bytes / 1_048_576) MiB; imports are limited to \(limit / 1_048_576) MiB"
        case .notJSON(let detail): return "the file is not valid JSON (\(detail))"
        case .tooDeep(let limit): return "the file nests deeper than \(limit) levels; it is not an adventure"
        case .unknownFormat(let known):
            return "the file is not a save dungeon knows; it reads " + known.joined(separator: ", ")
        case .unsupported(let what):
            return "the file is " + what
        case .newerVersion(let version):
            return "the file is format version \(version), from a newer dungeon; update dungeon to import it"
        case .invalid(let detail): return "the file is not a valid adventure: \(detail)"
        }
    }
}
