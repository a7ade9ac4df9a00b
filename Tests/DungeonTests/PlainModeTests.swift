import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct PlainModeTests {
    @Test func aJourneyThroughStandardInput() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves, "--seed", "4"]
        let first = try runDungeon(["play", "--plain", "--new", "--scenario", "fantasy", "--character", "knight"] + common,
                                   input: "open the gate\n/say hello\nlook around\n/undo\n")
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.hasPrefix("You are a knight of Velmora"))
        #expect(first.output.contains("\n> You open the gate.\n"))
        #expect(first.output.contains("> You look around.\n"))
        // Standard error says what is being loaded, and nothing else.
        let errorLines = first.error.split(separator: "\n")
        #expect(errorLines.count == 2 && errorLines[0].hasPrefix("Loading model at f32: ") && errorLines[1].hasPrefix("Loaded model (F32 file, playing at f32)"),
                "\(first.error)")

        // /say is not a command (refused with a notice), so two actions were taken and one undone.
        #expect(first.output.contains("! unknown command /say"))
        let list = try runDungeon(["list", "--saves", folders.saves])
        #expect(list.output.contains("The Kingdom of Velmora: the knight"))
        #expect(list.output.contains("fantasy   1"))

        let again = try runDungeon(["play", "--plain", "--continue"] + common, input: "/history\n/redo\n/history\n")
        #expect(again.status == 0, "\(again.error)")
        #expect(again.output.contains("[History]\n1. > You open the gate."))
        #expect(again.output.contains("2. > You look around."))

        let export = try runDungeon(["export", "1", "--format", "txt", "--saves", folders.saves])
        #expect(export.status == 0)
        #expect(export.output.contains("> You open the gate."))
        #expect(export.output.contains("> You look around."))
    }

    @Test func aCustomStartAndSlashCommands() throws {
        let folders = try GameFolders()
        let result = try runDungeon(
            ["play", "--plain", "--new", "--prompt", "You wake in a cold cell.", "--model", folders.model, "--saves", folders.saves, "--seed", "9"],
            input: "/remember You are a thief.\n/memory\n/note Keep it tense.\n/export md \(folders.saves)/story.md\n/quit\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("[Memory]\n1. You are a thief.\n"))
        #expect(result.output.contains("Exported to"))
        let markdown = try String(contentsOfFile: folders.saves + "/story.md", encoding: .utf8)
        #expect(markdown.contains("You wake in a cold cell."))
    }

    /// The new-player issue's plain-mode paths, through the binary: a lone prefix is refused
    /// with a word, an empty note names the command that writes one, and a story exported
    /// to KoboldAI imports back with its title, turns and narration.
    @Test func plainModeNewPlayerPaths() throws {
        let folders = try GameFolders()
        let played = try runDungeon(
            ["play", "--plain", "--new", "--prompt", "You are Mara, the keeper.", "--model", folders.model, "--saves", folders.saves,
             "--seed", "5"],
            input: "!\nLook around.\n!The tide comes in\n/note\n/export kobold\n/quit\n")
        #expect(played.status == 0, "\(played.error)")
        #expect(played.output.contains("! Nothing to tell yet: write the narration after the !."))
        #expect(played.output.contains("> You look around.\n"))
        #expect(played.output.contains("No author's note. /note TEXT writes one."))
        let exports = folders.saves + "/exports"
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: exports).first { $0.hasSuffix(".kobold.json") })
        let imported = try runDungeon(["import", exports + "/" + file, "--saves", folders.saves])
        #expect(imported.status == 0 && imported.output.contains("imported 2 turns"), "\(imported.output)\(imported.error)")
        let list = try runDungeon(["list", "--saves", folders.saves]).output.split(separator: "\n")
        #expect(list.filter { $0.contains("You are Mara, the keeper.") && $0.contains(" 2 ") }.count == 2, "\(list)")
    }

    @Test func badInputGetsOneLineErrors() throws {
        let folders = try GameFolders()
        let noModel = try runDungeon(["play", "--plain", "--new", "--prompt", "x", "--model", "/nonexistent/model", "--saves", folders.saves])
        #expect(noModel.status != 0)
        #expect(noModel.error.hasPrefix("dungeon: there is no model at /nonexistent/model: no such file or folder"))
        #expect(noModel.error.split(separator: "\n").count == 1)
        // A file that is no model is named as one, not as a folder missing config.json.
        let notes = folders.scratch.url.appendingPathComponent("notes.txt")
        try Data("my notes".utf8).write(to: notes)
        let notAModel = try runDungeon(["generate", "--model", notes.path, "--prompt", "x"])
        #expect(notAModel.error == "dungeon: \(notes.path) is a file, not a model; pass a model folder (config.json, model.safetensors, vocab.json, merges.txt) or a .gguf or .bin file\n")
        // An import in another encoding says which byte is not UTF-8.
        let latin1 = folders.scratch.url.appendingPathComponent("story.json")
        try Data([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x63, 0x61, 0x66, 0xe9, 0x22, 0x7d]).write(to: latin1)
        let badImport = try runDungeon(["import", latin1.path, "--saves", folders.saves])
        #expect(badImport.status == 1 && badImport.error.contains("byte 9 is not UTF-8 text"), "\(badImport.error)")

        let badScenario = try runDungeon(["play", "--plain", "--new", "--scenario", "westerns", "--model", folders.model, "--saves", folders.saves])
        #expect(badScenario.status != 0)
        #expect(badScenario.error.contains("unknown scenario westerns"))

        #expect(!FileManager.default.fileExists(atPath: folders.saves))  // failed starts create nothing
        try FileManager.default.createDirectory(atPath: folders.saves, withIntermediateDirectories: true)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: folders.saves + "/dungeon.sqlite"))
        let corrupt = try runDungeon(["list", "--saves", folders.saves])
        #expect(corrupt.status == 1)
        #expect(corrupt.error.contains("is not a dungeon save file"))
        #expect(try String(contentsOfFile: folders.saves + "/dungeon.sqlite", encoding: .utf8) == "not a database")
    }

    @Test func generateTokenizeAndBench() throws {
        let folders = try GameFolders()
        let generated = try runDungeon(["generate", "--model", folders.model, "--prompt", "Hello", "--max-tokens", "8", "--seed", "1"])
        #expect(generated.status == 0, "\(generated.error)")
        #expect(generated.error.contains("tokens/s"))
        let again = try runDungeon(["generate", "--model", folders.model, "--prompt", "Hello", "--max-tokens", "8", "--seed", "1"])
        #expect(again.output == generated.output)  // same seed, same text

        let tokens = try runDungeon(["tokenize", "--model", folders.model, "Hello world"])
        #expect(tokens.output == "15496 995\n2 tokens\n")

        let bench = try runDungeon(["bench", "--model", folders.model, "--prompt-tokens", "16", "--new-tokens", "4", "--runs", "1", "--story-kib", "1"])
        #expect(bench.status == 0, "\(bench.error)")
        for label in ["load:", "prompt:", "generate:", "tokenize:", "memory:"] { #expect(bench.output.contains(label)) }
    }
}

@Suite struct PlainModeControlsTests {
    @Test func sayStorySetAndHelpInPlainMode() throws {
        let folders = try GameFolders()
        let result = try runDungeon(
            ["play", "--plain", "--new", "--prompt", "You wake in a cold cell.", "--model", folders.model, "--saves", folders.saves, "--seed", "4"],
            input: "\"Where is the crown?\" I ask\n!The door creaks open\n/set temperature 0.5\n/set temperature 9\n/help\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("> You ask, \"Where is the crown?\"\n"))
        #expect(result.output.contains("\nThe door creaks open.\n"))
        #expect(result.output.contains("* temperature is now 0.5 (this adventure)."))
        #expect(result.output.contains("! temperature must be between 0 and 5"))
        #expect(result.output.contains("!text         Story: narration, as written"))
        #expect(!result.output.contains("PgUp") && !result.output.contains("Tab"))
        let json = try runDungeon(["export", "1", "--format", "json", "--saves", folders.saves])
        #expect(json.output.contains("\"temperature\" : 0.5"))
    }

    @Test func theContextInspectorWorksWithoutAModel() throws {
        let folders = try GameFolders()
        _ = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake in a cold cell.", "--model", folders.model,
                            "--saves", folders.saves], input: "wait\n")
        let noModels = folders.saves + "/no-models"
        try FileManager.default.createDirectory(atPath: noModels, withIntermediateDirectories: true)
        let result = try runDungeon(["play", "--plain", "--continue", "--models", noModels, "--saves", folders.saves],
                                    input: "/context\n", environment: ["DUNGEON_MODEL": ""])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("[Context inspector]"), "\(result.output)")
        #expect(!result.output.contains("Measuring"))
        #expect(result.output.contains("You wake in a cold cell."))
    }

    @Test func aStartOptionThatCannotBeHonouredIsAnError() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves]
        let noSaves = try runDungeon(["play", "--plain", "--continue"] + common, input: "1\n")
        #expect(noSaves.status == 1)
        #expect(noSaves.error.hasSuffix("\ndungeon: There is no saved adventure to continue yet.\n"), "\(noSaves.error)")
        let missing = try runDungeon(["play", "--plain", "--adventure", "99"] + common, input: "1\n")
        #expect(missing.status == 1)
        #expect(missing.error.hasSuffix("dungeon: there is no adventure 99; `dungeon list` shows them\n"), "\(missing.error)")
        #expect(!missing.output.contains("DUNGEON"))  // no menu was shown
    }
}

@Suite struct CommandLineTests {
    @Test func negativeNumbersReachTheValidation() throws {
        let folders = try GameFolders()
        let temperature = try runDungeon(["generate", "--model", folders.model, "--prompt", "Hi", "--temperature", "-1"])
        #expect(temperature.status != 0)
        #expect(temperature.error.contains("temperature must be"), "\(temperature.error)")
        #expect(!temperature.error.contains("Missing value"))
        let topK = try runDungeon(["generate", "--model", folders.model, "--prompt", "Hi", "--top-k", "-3"])
        #expect(topK.error.contains("top-k"), "\(topK.error)")
    }

    @Test func errorsAfterParsingAreOneLineWithoutTheRootUsage() throws {
        let folders = try GameFolders()
        _ = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake.", "--model", folders.model, "--saves", folders.saves], input: "wait\n")
        let delete = try runDungeon(["delete", "1", "--saves", folders.saves])
        #expect(delete.status == 1)
        #expect(delete.error == "dungeon: not deleting without confirmation; add --yes\n")
        let export = try runDungeon(["export", "1", "--saves", folders.saves, "-o", folders.saves + "/missing/story.md"])
        #expect(export.status == 1)
        #expect(export.error == "dungeon: cannot write \(folders.saves)/missing/story.md: the folder \(folders.saves)/missing does not exist; create it or choose another path\n")
        let imported = try runDungeon(["export", "1", "--format", "json", "--saves", folders.saves])
        try Data(imported.output.utf8).write(to: URL(fileURLWithPath: folders.saves + "/one.json"))
        #expect(try runDungeon(["import", folders.saves + "/one.json", "--saves", folders.saves]).output
                == "Imported \"You wake.\" (dungeon save): imported 1 turn. It is adventure 2.\n")
        let help = try runDungeon(["play", "--help"])
        #expect(help.output.contains("Compute threads (default: all cores)") && !help.output.contains("(default: 2)"))
    }

    /// `import --dry-run` says what would be kept and dropped and saves nothing; a file that is
    /// no known save says which formats are.
    @Test func importReportsWhatItKeepsAndDrops() throws {
        let folders = try GameFolders()
        let fixture = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/imports/kobold-client-1.19.json").path
        let dry = try runDungeon(["import", fixture, "--dry-run", "--saves", folders.saves])
        #expect(dry.status == 0, "\(dry.error)")
        #expect(dry.output == "Would import \"kobold-client-1.19\" (KoboldAI Client save): imported 3 turns (4 other versions), "
                + "1 memory entry, 4 world-info entries, the author's note; dropped: world-info folders (not supported; their 1 entry "
                + "kept unfiled), secondary keys of 1 entry not marked selective (KoboldAI ignored them too). Nothing was saved (--dry-run).\n")
        #expect(!(try runDungeon(["list", "--saves", folders.saves]).output.contains("kobold")))
        let real = try runDungeon(["import", fixture, "--saves", folders.saves])
        #expect(real.output.hasSuffix("It is adventure 1.\n"), "\(real.output)")
        let stranger = folders.saves + "/notes.json"
        try Data("{\"notes\": []}".utf8).write(to: URL(fileURLWithPath: stranger))
        let unknown = try runDungeon(["import", stranger, "--saves", folders.saves])
        #expect(unknown.status == 1)
        #expect(unknown.error == "dungeon: the file is not a save dungeon knows; it reads dungeon JSON, AI Dungeon 2, "
                + "AI Dungeon 2 Clover Edition, KoboldAI Client (1.16 to 1.19), KoboldAI United (story.json), KoboldAI Lite / KoboldCpp\n")
    }

    @Test func maxTokensBeyondTheWindowIsSaid() throws {
        let scratch = try ScratchFolder()
        try RandomCheckpoint.write(to: scratch.url, positions: 64)
        let result = try runDungeon(["generate", "--model", scratch.url.path, "--prompt", "Hello there", "--max-tokens", "5000"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("[--max-tokens 5000: the 64-token window holds the 2-token prompt and at most 62 more]"), "\(result.error)")
    }
}
