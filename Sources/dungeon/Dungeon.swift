import ArgumentParser
import Foundation

@main
struct Dungeon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dungeon",
        abstract: "A text adventure written by GPT-2, running on your CPU.",
        subcommands: [PlayCommand.self, ListCommand.self, ContinueCommand.self, RenameCommand.self, DeleteCommand.self,
                      ContextCommand.self, ExportCommand.self, ImportCommand.self, ModelsCommand.self,
                      GenerateCommand.self, BenchCommand.self, PerplexityCommand.self, TokenizeCommand.self],
        defaultSubcommand: PlayCommand.self
    )
}

/// Runs `body`, turning the errors a player can cause (bad files, bad settings) into one
/// line on standard error and exit status 1, instead of a stack trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError(String(describing: error))
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    let line = "dungeon: " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
    FileHandle.standardError.write(Data(line.utf8))
}

/// Writes to standard output immediately, for streamed text.
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
