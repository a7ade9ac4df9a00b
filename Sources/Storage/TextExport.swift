import Foundation
import Story

/// An adventure as plain text wrapped at 80 columns (by display width, so wide
/// characters count double); actions keep their "> " marker, and are the only lines that
/// start with one.
enum TextExport {
    static let width = 80

    static func render(_ adventure: Adventure, date: Date, branches: [StoryTree.Branch] = []) -> String {
        var lines: [String] = []
        let title = WordWrap.lines(adventure.title, width: width)
        lines += title
        lines.append(String(repeating: "=", count: min(width, title.map { DisplayWidth.of($0) }.max() ?? 0)))
        lines += WordWrap.lines("\(AdventureExporter.scenarioName(adventure)) · \(AdventureExporter.dateLine(date))", width: width)
        lines += paragraphs(adventure.blocks)
        for (index, branch) in branches.enumerated() {
            let heading = AdventureExporter.heading(branch, number: index + 1)
            lines += ["", "", heading, String(repeating: "-", count: DisplayWidth.of(heading))]
            lines += paragraphs(AdventureExporter.blocks(branch))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Only actions start with ">": a paragraph with a line that would is wrapped a column
    /// narrower and that line set in by a space.
    private static func narration(_ paragraph: String) -> [String] {
        let lines = WordWrap.lines(paragraph, width: width)
        guard lines.contains(where: { $0.hasPrefix(">") }) else { return lines }
        return WordWrap.lines(paragraph, width: width - 1).map { $0.hasPrefix(">") ? " " + $0 : $0 }
    }

    private static func paragraphs(_ blocks: [StoryBlock]) -> [String] {
        var lines: [String] = []
        for block in blocks {
            for paragraph in AdventureExporter.paragraphs(block) {
                lines.append("")
                switch block.kind {
                case .action:
                    let wrapped = WordWrap.lines(AdventureExporter.actionText(paragraph), width: width - 2)
                    lines += wrapped.enumerated().map { ($0.offset == 0 ? "> " : "  ") + $0.element }
                case .narration:
                    lines += narration(paragraph)
                }
            }
        }
        return lines
    }
}
