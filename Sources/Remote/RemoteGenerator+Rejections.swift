import Foundation

extension RemoteGenerator {
    /// Fields a request cannot do without: a refusal naming one of them is the server's answer.
    static let essentialFields: Set<String> = ["prompt", "model", "stream", "max_tokens", "max_length"]

    func isRejected(_ field: String) -> Bool {
        withLock { rejectedFields.contains(field) }
    }

    /// Records the field of `sent` that a refusal's message names (the longest that matches, as a
    /// whole word); false when it names none, and the refusal stands.
    func reject(in message: String, sent: [String]) -> Bool {
        let candidates = sent.filter { !Self.essentialFields.contains($0) }.sorted { $0.count > $1.count }
        guard let field = candidates.first(where: { Self.names(message, $0) }) else { return false }
        withLock {
            rejectedFields.insert(field)
            unreportedFields.append(field)
        }
        return true
    }

    /// What the player should hear once: the fields this server refused, left out since.
    public func takeNotices() -> [String] {
        let fields = withLock { () -> [String] in
            defer { unreportedFields = [] }
            return unreportedFields
        }
        guard !fields.isEmpty else { return [] }
        let list = fields.joined(separator: ", ")
        return ["\(server.program.rawValue) does not take \(list); \(fields.count == 1 ? "it is" : "they are") left out of each request"]
    }

    private static func names(_ message: String, _ field: String) -> Bool {
        var searchRange = message.startIndex..<message.endIndex
        while let found = message.range(of: field, range: searchRange) {
            let before = found.lowerBound == message.startIndex ? nil : message[message.index(before: found.lowerBound)]
            let after = found.upperBound == message.endIndex ? nil : message[found.upperBound]
            let isWordCharacter = { (c: Character?) in c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isWordCharacter(before) && !isWordCharacter(after) { return true }
            searchRange = found.upperBound..<message.endIndex
        }
        return false
    }
}
