import ArgumentParser
import Foundation
import Tokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the GPT-2 token ids of a text and how many there are."
    )

    @Option(help: "A model folder holding vocab.json and merges.txt (or encoder.json and vocab.bpe).")
    var model: String
    @Argument(help: "The text to tokenize.") var text: String

    func run() throws {
        try reportingErrors {
            let tokenizer = try BPETokenizer(directory: URL(fileURLWithPath: (model as NSString).expandingTildeInPath))
            let ids = tokenizer.encode(text)
            writeOut(ids.map(String.init).joined(separator: " ") + "\n")
            writeOut("\(ids.count) tokens\n")
        }
    }
}
