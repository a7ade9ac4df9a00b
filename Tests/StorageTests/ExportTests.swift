import Foundation
import TestSupport
import Testing
@testable import Storage
import Story

/// Snapshot files live in Tests/StorageTests/Snapshots; run with DUNGEON_UPDATE_SNAPSHOTS=1
/// to rewrite them after an intended change, then read the diff before committing.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = repositoryRoot.appendingPathComponent("Tests/StorageTests/Snapshots/\(name)")
    if ProcessInfo.processInfo.environment["DUNGEON_UPDATE_SNAPSHOTS"] == "1" {
        try Data(text.utf8).write(to: url)
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "\(name) differs from its snapshot", sourceLocation: sourceLocation)
}

@Suite struct ExportTests {
    @Test(arguments: [ExportFormat.markdown, .html, .text])
    func matchesSnapshot(_ format: ExportFormat) throws {
        let text = try AdventureExporter.export(sampleAdventure(), as: format, date: fixedDate)
        try assertSnapshot(text, named: "sample.\(format.fileExtension)")
    }

    /// Paragraphs that look like Markdown syntax, exported as a file that
    /// Scripts/check_markdown_export.py renders with markdown-it-py and Python-Markdown to
    /// check each paragraph comes out as written (markdown-cases.json holds them).
    static let markdownCases = [
        "1) First, the rope.", "1. Not a list.", "2024. A year to remember.", "12345678901. Too long to be a list.",
        "& an ampersand", "&amp; written out", "AT&T and R&D", "&#38; and &#x26; and &copy;", "a < b and <script>x</script>",
        "x > y", "> not a quote", "# not a heading", "#hashtag", "###### six", "- not a list", "-5 degrees",
        "+ plus", "* star", "**not bold**", "_not emphasis_", "snake_case_name", "`not code`", "[not a link](x)",
        "back\\slash", "~~~", "~tilde~", "a | b", "=== equals", "---", "***", "___", "Café 日本 🐉",
        "<!-- not a comment -->", "an <https://example.com> autolink", "a trailing backslash\\",
    ]

    @Test func markdownCasesMatchTheirSnapshot() throws {
        let adventure = Adventure(title: "Markdown cases", opening: "Every paragraph below must render as written.",
                                  turns: Self.markdownCases.map { LinearTurn(mode: .continue, input: "", action: "", replies: [
                                      Reply(text: $0, seed: 0, settings: GenerationSettings())]) })
        try assertSnapshot(try AdventureExporter.export(adventure, as: .markdown, date: fixedDate), named: "markdown-cases.md")
        let list = String(decoding: try JSONSerialization.data(withJSONObject: Self.markdownCases, options: [.prettyPrinted]), as: UTF8.self)
        try assertSnapshot(list + "\n", named: "markdown-cases.json")
    }

    /// The story on screen by default; with every branch, each turn of the tree exactly once.
    @Test(arguments: [ExportFormat.markdown, .text, .html])
    func allBranchesAddsEveryOtherTurnOnce(format: ExportFormat) throws {
        let adventure = sampleAdventure()
        let offStory = ["The gutter groans under your weight.", "You run into the night."]
        let story = try AdventureExporter.export(adventure, as: format, date: fixedDate)
        for text in offStory { #expect(!story.contains(text)) }
        let all = try AdventureExporter.export(adventure, as: format, date: fixedDate, allBranches: true)
        for turn in adventure.tree.turns.values {
            let start = String(turn.replyText.prefix(20))
            let escaped = format == .html ? HTMLExport.escape(start) : format == .markdown ? MarkdownExport.escape(start) : start
            #expect(all.components(separatedBy: escaped).count - 1 == 1, "\(format): \(start)")
        }
        #expect(all.contains("Branch 1 · from the opening"))
        #expect(all.contains("Branch 2 · after turn 4"))
        #expect(all.hasPrefix(story.components(separatedBy: "\n").prefix(3).joined(separator: "\n")))
    }

    @Test func htmlHasNoUnescapedStoryText() throws {
        var adventure = sampleAdventure()
        let hostile = ["<img src=x onerror=alert(1)>", "</p><script>evil()</script>", "\"><b>bold</b>", "a & b", "'quoted'"]
        adventure.tree.add(after: adventure.tree.head, mode: .do, input: hostile[0], action: "> You " + hostile[1],
                           reply: Reply(text: hostile[2] + " " + hostile[3] + " " + hostile[4], seed: 0, settings: GenerationSettings()))
        adventure.title = "<title>" + hostile[1]
        let html = try AdventureExporter.export(adventure, as: .html, date: fixedDate)
        for text in hostile + ["<script>", "onerror=alert", "<b>"] where text.contains(where: { "<>\"'".contains($0) }) {
            #expect(!html.contains(text), "unescaped: \(text)")
        }
        // Only the page's own tags appear.
        let tags = Set(html.matches(of: /<\/?([a-zA-Z0-9]+)/).map { String($0.output.1).lowercased() })
        #expect(tags.isSubset(of: ["html", "head", "meta", "title", "style", "body", "h1", "p"]))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;/p&gt;&lt;script&gt;evil()&lt;/script&gt;"))
    }

    /// A reply that starts with ">" cannot pass for an action in the text export, and a
    /// seed keeps all 64 bits in JSON (as text, which JavaScript tools do not round).
    @Test func textActionsAndJSONSeedsCannotBeMisread() throws {
        var adventure = sampleAdventure()
        adventure.setReplyOfLastTurn("> This is the narrator, not you.", seed: 18_074_882_946_671_919_669)
        let text = try AdventureExporter.export(adventure, as: .text, date: fixedDate)
        #expect(text.contains("\n > This is the narrator, not you.\n"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix(">") }.count == adventure.turns.filter { $0.mode == .do || $0.mode == .say }.count)
        let json = try AdventureExporter.export(adventure, as: .json, date: fixedDate)
        #expect(json.contains("\"seed\" : \"18074882946671919669\""))
        #expect(try JSONExchange.importAdventure(Data(json.utf8)) == adventure)
        // An older export's numbers still read, and a bad seed says where it is.
        let numbers = json.replacingOccurrences(of: "\"seed\" : \"18074882946671919669\"", with: "\"seed\" : 18074882946671919669")
        #expect(try JSONExchange.importAdventure(Data(numbers.utf8)) == adventure)
        let missing = json.replacingOccurrences(of: "\"seed\" : \"18074882946671919669\",", with: "")
        #expect { try JSONExchange.importAdventure(Data(missing.utf8)) } throws: {
            "\($0)".contains("missing adventure.tree.turns[4].reply.seed")
        }
    }

    @Test func textIsWrappedAtEightyColumns() throws {
        let text = try AdventureExporter.export(sampleAdventure(), as: .text, date: fixedDate)
        for line in text.split(separator: "\n") {
            #expect(DisplayWidth.of(line) <= 80, "too wide: \(line)")
        }
    }

    @Test func markdownEscapesFormatting() throws {
        var adventure = sampleAdventure()
        adventure.tree.update(adventure.turns[0].id) { $0.reply?.text = "# Not a heading\n- not a list" }
        let markdown = try AdventureExporter.export(adventure, as: .markdown, date: fixedDate)
        #expect(markdown.contains("\n\\# Not a heading\n"))
        #expect(markdown.contains("\n\\- not a list\n"))
        #expect(markdown.contains("\\*not bold\\*"))
        #expect(markdown.contains("\\[not a link\\](x)"))
        #expect(markdown.contains("> **You climb down.**"))
    }
}
