/// The key clients must send (`Authorization: Bearer KEY`, as KoboldCpp and OpenAI's
/// clients do), compared in constant time so the time a wrong guess takes says nothing of
/// how much of it was right.
public struct APIKey: Sendable {
    private let bytes: [UInt8]

    public init?(_ key: String?) {
        guard let key, !key.isEmpty else { return nil }
        bytes = Array(key.utf8)
    }

    /// Whether an `Authorization` header carries the key.
    func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let given = Array(authorization.utf8)
        let prefix = Array("Bearer ".utf8)
        guard given.count >= prefix.count, given[..<prefix.count].elementsEqual(prefix) else { return false }
        return Self.equal(Array(given[prefix.count...]), bytes)
    }

    /// Every byte of the longer is looked at, whatever the bytes hold.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

/// Whether `host` is this machine only.
public func isLoopback(_ host: String) -> Bool {
    let host = host.lowercased()
    return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
}
