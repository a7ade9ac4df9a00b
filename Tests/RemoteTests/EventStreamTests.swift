import Foundation
@testable import Remote
import Testing

/// Server-sent events cut at every byte: the same events, whatever the pieces.
@Suite struct EventStreamTests {
    static let stream = "event: message\ndata: {\"token\": \"é\"}\n\n: keep-alive\n\ndata: one\r\ndata: two\r\n\r\ndata:[DONE]\n\n"

    @Test func eventsAreTheSameHoweverTheBytesAreCut() throws {
        let bytes = Data(Self.stream.utf8)
        var whole = EventStream()
        let expected = try whole.push(bytes) + whole.finish()
        #expect(expected == ["{\"token\": \"é\"}", "one\ntwo", "[DONE]"])
        for size in 1...7 {
            var stream = EventStream()
            var events: [String] = []
            var offset = 0
            while offset < bytes.count {
                events += try stream.push(bytes[offset..<min(bytes.count, offset + size)])
                offset += size
            }
            events += stream.finish()
            #expect(events == expected, "pieces of \(size) bytes")
        }
    }

    @Test func aLastEventWithoutABlankLineIsKept() throws {
        var stream = EventStream()
        #expect(try stream.push(Data("data: last".utf8)).isEmpty)
        #expect(stream.finish() == ["last"])
    }

    @Test func aMegabyteWithoutAnEventIsRefused() {
        var stream = EventStream()
        #expect(throws: EventStreamError.self) { _ = try stream.push(Data(repeating: 65, count: EventStream.longestEvent + 1)) }
    }
}

/// Each API's events become text; anything else is a clear error, never a crash.
@Suite struct ReplyReaderTests {
    @Test func koboldEventsEndAtTheirFinishReason() throws {
        var reader = ReplyReader(api: .kobold, streamed: true, origin: "http://x")
        let events = "event: message\ndata: {\"token\": \"The \", \"finish_reason\": \"null\"}\n\n"
            + "event: message\ndata: {\"token\": \"door\", \"finish_reason\": \"null\"}\n\n"
            + "event: message\ndata: {\"token\": \"\", \"finish_reason\": \"length\"}\n\n"
        #expect(try reader.push(Data(events.utf8)) == ["The ", "door", ""])
        #expect(reader.finished && reader.text == "The door")
    }

    @Test func openAIEventsEndAtDone() throws {
        var reader = ReplyReader(api: .openAI, streamed: true, origin: "http://x")
        let events = "data: {\"choices\": [{\"text\": \"A\", \"finish_reason\": null}]}\n\n"
            + "data: {\"choices\": [{\"text\": \"\", \"finish_reason\": \"length\"}]}\n\ndata: [DONE]\n\n"
        _ = try reader.push(Data(events.utf8))
        #expect(reader.finished && reader.text == "A")
    }

    @Test(arguments: [
        "data: {not json\n\n", "data: {\"choices\": []}\n\n", "data: [1, 2]\n\n",
        "data: {\"error\": {\"message\": \"out of memory\\u001b[2J\"}}\n\n",
    ])
    func badEventsAreOneLineErrors(events: String) {
        var reader = ReplyReader(api: .openAI, streamed: true, origin: "http://x")
        do {
            _ = try reader.push(Data(events.utf8))
            Issue.record("accepted \(events)")
        } catch {
            #expect(!error.description.contains("\n") && !error.description.contains("\u{1b}"))
        }
    }

    @Test func aWholeKoboldReplyIsReadAtTheEnd() throws {
        var reader = ReplyReader(api: .kobold, streamed: false, origin: "http://x")
        #expect(try reader.push(Data("{\"results\": [{\"text\": \"Hi\"}]}".utf8)).isEmpty)
        #expect(try reader.finish() == ["Hi"])
        var broken = ReplyReader(api: .kobold, streamed: false, origin: "http://x")
        _ = try broken.push(Data("<html>502</html>".utf8))
        #expect(throws: RemoteError.self) { _ = try broken.finish() }
    }
}
