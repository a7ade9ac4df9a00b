import Foundation

/// Server-sent events, as both APIs stream them: `data:` lines, an event ending at a blank
/// line. Bytes come in pieces of any size; a piece may end mid-line or mid-character.
struct EventStream {
    private var buffer = Data()
    /// A server that sends a megabyte without ending an event is not streaming events.
    static let longestEvent = 1 << 20

    /// The data of each event completed by `bytes`, in order.
    mutating func push(_ bytes: Data) throws(EventStreamError) -> [String] {
        buffer.append(bytes)
        var events: [String] = []
        while let end = Self.eventEnd(in: buffer) {
            let event = buffer[buffer.startIndex..<end.lowerBound]
            buffer = Data(buffer[end.upperBound...])
            if let data = Self.data(of: event) { events.append(data) }
        }
        if buffer.count > Self.longestEvent { throw .tooLong }
        return events
    }

    /// What is left when the stream ends: an event the server did not close with a blank line.
    mutating func finish() -> [String] {
        defer { buffer = Data() }
        return Self.data(of: buffer).map { [$0] } ?? []
    }

    /// The first blank line: "\n\n", "\r\n\r\n" or "\r\r".
    private static func eventEnd(in data: Data) -> Range<Data.Index>? {
        var previous: UInt8 = 0, beforeThat: UInt8 = 0, index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            if byte == 10 && (previous == 10 || (previous == 13 && beforeThat == 10)) {
                return (previous == 13 ? index - 2 : index - 1)..<(index + 1)
            }
            if byte == 13 && previous == 13 { return (index - 1)..<(index + 1) }
            beforeThat = previous
            previous = byte
            index += 1
        }
        return nil
    }

    /// The event's `data:` lines joined with newlines; nil for an event without data
    /// (a comment, a keep-alive, an `event:` line alone).
    private static func data(of event: Data) -> String? {
        let text = String(decoding: event, as: UTF8.self)
        var lines: [Substring] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            guard line.hasPrefix("data:") else { continue }
            var value = line.dropFirst(5)
            if value.first == " " { value = value.dropFirst() }
            lines.append(value)
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}

enum EventStreamError: Error {
    case tooLong
}
