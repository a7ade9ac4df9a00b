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
