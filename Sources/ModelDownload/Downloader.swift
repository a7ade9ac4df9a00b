import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How far a file has come, for the progress bar.
public struct DownloadProgress: Sendable {
    public var file: String
    public var received: Int
    /// Total bytes when the server said.
    public var total: Int?
    public var bytesPerSecond: Double
}

/// Fetches files over HTTP(S) into `.part` files that survive interruption: an interrupted
/// download resumes with a Range request, and a file is only called done once its size and
/// SHA-256 match.
public final class Downloader: @unchecked Sendable {
    // @unchecked: the mutable transfer state is only touched under `lock` (URLSession
    // delegate callbacks arrive on its own queue while `fetch` waits on a semaphore).
    private let lock = NSLock()
    private let progress: @Sendable (DownloadProgress) -> Void
    /// Attempts per file: a dropped connection is resumed this many times before giving up.
    public var attempts = 5

    public init(progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }) {
        self.progress = progress
    }

    /// Downloads `url` to `destination` (resuming `destination.part` if present), checks it,
    /// and returns its SHA-256. `expectedSHA256` falls back to what the server reports.
    public func fetch(_ url: URL, to destination: URL, expectedSize: Int?, expectedSHA256: String?) throws -> String {
        let name = destination.lastPathComponent
        let part = destination.appendingPathExtension("part")
        var lastError: Error = DownloadError.network(file: name, reason: "no attempt made")
        for _ in 0..<max(1, attempts) {
            do {
                let reported = try transfer(url, into: part, name: name)
                let size = (try? FileManager.default.attributesOfItem(atPath: part.path)[.size] as? Int) ?? 0
                if let expectedSize, size != expectedSize {
                    try? FileManager.default.removeItem(at: part)
                    throw DownloadError.sizeMismatch(file: name, expected: expectedSize, actual: size)
                }
                let digest = try Self.sha256(of: part)
                let expected = (expectedSHA256 ?? reported)?.lowercased()
                if let expected, expected != digest {
                    try? FileManager.default.removeItem(at: part)
                    throw DownloadError.checksumMismatch(file: name)
                }
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.moveItem(at: part, to: destination)
                return digest
            } catch let error as DownloadError {
                switch error {
                case .network: lastError = error; continue  // resume from what arrived
                default: throw error
                }
            }
        }
        throw lastError
    }

    public static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw DownloadError.cannotWrite(url.path) }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(chunk) }
        return hash.finalize()
    }

    /// One HTTP request, appending to `part` from its current size. Returns the SHA-256 the
    /// server reports for the whole file (Hugging Face's X-Linked-Etag), if any.
    private func transfer(_ url: URL, into part: URL, name: String) throws -> String? {
        let manager = FileManager.default
        if !manager.fileExists(atPath: part.path) {
            guard manager.createFile(atPath: part.path, contents: nil) else { throw DownloadError.cannotWrite(part.path) }
        }
        let existing = (try? manager.attributesOfItem(atPath: part.path)[.size] as? Int) ?? 0
        var request = URLRequest(url: url)
        request.timeoutInterval = 60
        if existing > 0 { request.setValue("bytes=\(existing)-", forHTTPHeaderField: "Range") }
        let task = Transfer(part: part, name: name, existing: existing, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: task, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        task.done.wait()
        if let error = task.failure { throw error }
        return task.reportedSHA256
    }
}

/// One request's delegate: writes the body to the part file as it arrives.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: URLSession calls a delegate serially on its delegate queue; `fetch`
    // reads the results only after `done` is signalled.
    let done = DispatchSemaphore(value: 0)
    var failure: DownloadError?
    var reportedSHA256: String?
    private let part: URL
    private let name: String
    private var handle: FileHandle?
    private var received: Int
    private var total: Int?
    private let started = Date()
    private let startedAt: Int
    private let progress: @Sendable (DownloadProgress) -> Void
    private var lastReport = Date.distantPast

    init(part: URL, name: String, existing: Int, progress: @escaping @Sendable (DownloadProgress) -> Void) {
        self.part = part
        self.name = name
        self.received = existing
        self.startedAt = existing
        self.progress = progress
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            failure = .network(file: name, reason: "not an HTTP response")
            return completionHandler(.cancel)
        }
        switch http.statusCode {
        case 206:
            break  // the server resumes where the part file ends
        case 200:
            received = 0  // no resume: start the file again
            try? FileManager.default.removeItem(at: part)
            _ = FileManager.default.createFile(atPath: part.path, contents: nil)  // a failure shows as a nil handle below
        case 416:
            // The part file already holds everything; the checks decide if it is right.
            return completionHandler(.cancel)
        default:
            failure = .http(file: name, status: http.statusCode)
            return completionHandler(.cancel)
        }
        let length = http.expectedContentLength
        total = length >= 0 ? received + Int(length) : nil
        if let linked = http.value(forHTTPHeaderField: "X-Linked-Etag") ?? http.value(forHTTPHeaderField: "ETag") {
            let digest = linked.trimmingCharacters(in: CharacterSet(charactersIn: "\"W/ "))
            if digest.count == 64, digest.allSatisfy(\.isHexDigit) { reportedSHA256 = digest }
        }
        handle = FileHandle(forWritingAtPath: part.path)
        _ = try? handle?.seekToEnd()
        completionHandler(handle == nil ? .cancel : .allow)
        if handle == nil { failure = .cannotWrite(part.path) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        do {
            try handle?.write(contentsOf: data)
        } catch {
            failure = .cannotWrite(part.path)
            dataTask.cancel()
            return
        }
        received += data.count
        let now = Date()
        if now.timeIntervalSince(lastReport) > 0.2 {
            lastReport = now
            let rate = Double(received - startedAt) / max(0.001, now.timeIntervalSince(started))
            progress(DownloadProgress(file: name, received: received, total: total, bytesPerSecond: rate))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        try? handle?.close()
        if failure == nil, let error, (error as NSError).code != NSURLErrorCancelled {
            failure = .network(file: name, reason: error.localizedDescription)
        }
        if failure == nil, let total, received < total {
            failure = .network(file: name, reason: "the connection closed after \(received) of \(total) bytes")
        }
        let rate = Double(received - startedAt) / max(0.001, Date().timeIntervalSince(started))
        progress(DownloadProgress(file: name, received: received, total: total ?? received, bytesPerSecond: rate))
        done.signal()
    }
}
