import ArgumentParser
import Foundation
import Story
#if canImport(Glibc)
import Glibc
#endif

@main
struct Dungeon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dungeon",
        abstract: "A text adventure written by GPT-2, running on your CPU.",
        subcommands: [PlayCommand.self, ListCommand.self, ContinueCommand.self, RenameCommand.self, DeleteCommand.self,
                      ContextCommand.self, SearchCommand.self, ExportCommand.self, ImportCommand.self, CardsCommand.self, BackupCommand.self, ModelsCommand.self,
                      GenerateCommand.self, ServeCommand.self, BenchCommand.self, PerplexityCommand.self, TokenizeCommand.self],
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
    } catch {
        // Raised after parsing (a ValidationError too): the problem is the input, not the
        // command line's shape, so one line without a usage screen.
        printError(String(describing: error))
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    let line = "dungeon: " + TextSanitizer.clean(message).replacingOccurrences(of: "\n", with: " ") + "\n"
    FileHandle.standardError.write(Data(line.utf8))
}

/// Writes to standard output at once, sanitised: the commands' and plain mode's one sink
/// for text that may hold untrusted bytes (titles, replies, notices echoing input, paths).
func writeOut(_ text: String) {
    writeRaw(TextSanitizer.clean(text))
}

/// Writes text that is already clean (a `TextSanitizer.Stream`'s output), or data bound
/// for a file rather than a terminal.
func writeRaw(_ text: String) {
    do {
        try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    } catch {
        // The reader went away (`dungeon list | head`): nothing more can be shown, as a
        // shell tool would stop on SIGPIPE.
        exit(0)
    }
}

/// Whether standard output is a terminal (where even data is shown sanitised).
var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
