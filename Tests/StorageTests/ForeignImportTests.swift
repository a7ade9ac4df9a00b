import Foundation
import TestSupport
import Testing
@testable import Storage
import Story

/// Saves written the way each program's own save function writes them
/// (Scripts/make_import_fixtures.py names the function and commit), imported with nothing
/// lost that an adventure can hold, and every loss said.
@Suite struct ForeignImportTests {
    static let folder = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/imports")

    func read(_ name: String) throws -> ImportResult {
        let url = Self.folder.appendingPathComponent(name)
        return try AdventureImporter.read(try Data(contentsOf: url), fileName: url.deletingPathExtension().lastPathComponent)
    }

    @Test func aiDungeon2() throws {
        let result = try read("story5f1b8c2e-2b7a-11ea-9f1c-0242ac1c0002.json")
        let adventure = result.adventure
        #expect(result.format == "AI Dungeon 2")
        // The character context is pinned (AI Dungeon 2 kept it in every prompt), and once.
        #expect(adventure.memory == ["You are Aldric, a knight of Larion. You carry a steel longsword and a shield bearing a white stag."])
        #expect(adventure.opening.hasPrefix("You ride through the Whispering Wood"))
        #expect(!adventure.opening.contains("Aldric"))
        #expect(adventure.title == "You ride through the Whispering Wood toward…")
        #expect(adventure.turns.map(\.mode) == [.do, .say, .continue, .do])
        #expect(adventure.turns.map(\.action) == ["> You draw your sword.", "> You say \"Halt! Who rides with the café owner's cart?\"",
                                                   "", "> You ask the guard about the dragon."])
        #expect(adventure.turns[1].input == "Halt! Who rides with the café owner's cart?")
        #expect(adventure.turns[1].replyText == "\"Only me, sir knight,\" says an old woman. \"And my cabbages.\"\nShe smiles with three teeth.")
        #expect(adventure.turns[2].replyText == "The bell tolls again, closer now: 日本の鐘のように深い音。")
        #expect(result.dropped.isEmpty)
        #expect(result.summary == "imported 4 turns, 1 memory entry")
    }

    @Test(arguments: ["clover", "clover-first-format"])
    func cloverEdition(name: String) throws {
        let result = try read(name + ".json")
        let adventure = result.adventure
        #expect(result.format == (name == "clover" ? "Clover Edition" : "Clover Edition (first format)"))
        #expect(adventure.title == name)
        #expect(adventure.memory == ["You are Mira, a thief in the city of Vantor. You owe the Gull Queen three hundred gold.",
                                     "The Gull Queen's ship is called the Black Tern.", "Your knife is named Whisper."])
        // The first action is the story's prompt, and its result the rest of the opening.
        #expect(adventure.opening == "The night market is closing when you reach the docks.\n\n"
                + "Fishmongers shout their last prices, and the smell of tar hangs over the water.")
        #expect(adventure.turns.map(\.mode) == [.do, .say, .story, .continue])
        #expect(adventure.turns.map(\.action) == ["> You climb onto the Black Tern's deck.", "> You say \"Is anyone aboard?\"",
                                                   "A lantern swings in the wind", ""])
        #expect(adventure.turns[2].replyText == ", throwing long shadows across the crates — something glints among them.")
        // The first format's fixture has top-keks 0, Clover's "off": it stays 0.
        var settings = GenerationSettings(temperature: 0.4, topK: name == "clover" ? 20 : 0, topP: 0.9, repetitionPenalty: 1.2, replyLength: 60)
        if name == "clover" { settings.repetitionRange = 512 }
        #expect(adventure.settings == settings)
        #expect(result.dropped == (name == "clover" ? ["repetition penalty slope (Clover's curve is not dungeon's)"] : []))
    }

    @Test(arguments: [16, 17, 19])
    func koboldAIClient(version: Int) throws {
        let result = try read("kobold-client-1.\(version).json")
        let adventure = result.adventure
        #expect(result.format == "KoboldAI Client")
        #expect(adventure.title == "kobold-client-1.\(version)")
        // The chunks read as KoboldAI shows them, joined with nothing: one that goes on without
        // a line break continues the text before it (here the opening, and a reply mid-sentence).
        #expect(adventure.opening == "You arrive in Port Sável on a cold autumn night, a letter for the Duke sewn into your coat. "
                + "The lanterns of the harbor flicker as you step off the ship.")
        #expect(adventure.memory == ["You are Tomas, a courier.\nThe letter must not be opened."])
        #expect(adventure.authorsNote == "Keep the mood tense; short sentences.")
        #expect(adventure.noteTemplate == (version >= 17 ? "[Style: <|>]" : Adventure.defaultNoteTemplate))
        #expect(adventure.turns.map(\.mode) == [.do, .say, .continue])
        #expect(adventure.turns.map(\.input) == ["look for the harbormaster", "I have none", ""])
        #expect(adventure.turns.map(\.replyText) == [
            "A stooped man with a ledger waves you over. \"Papers?\" he asks.",
            "He sighs and closes the ledger, muttering about the Duke's new taxes. Then he points at the tavern.",
            "The fog rolls in from the sea, thick as wool.",
        ])
        let tree = adventure.tree
        let versions = { (turn: Int) in tree.siblings(of: adventure.turns[turn].id).compactMap { tree.turns[$0]?.replyText } }
        if version >= 17 {
            // Retries and generated options are the turn's other versions, oldest first; a
            // continuation's options are versions of the reply it continued.
            #expect(versions(0) == ["A dog barks at you from a crate.", "Nobody is there; the office is locked.",
                                    "A stooped man with a ledger waves you over. \"Papers?\" he asks."])
            #expect(versions(1) == ["He sighs and closes the ledger. \"Then you pay double,\" he says.",
                                    "He sighs and closes the ledger, muttering about the Duke's new taxes. Then he points at the tavern."])
            // The chunk taken back with Back is there for redo.
            #expect(tree.redoCount == 1)
            #expect(tree.turns[tree.lastVisited[tree.head]!]?.replyText == "Somewhere a bell rings twelve times.")
            #expect(tree.turns.count == 7)
        } else {
            #expect(tree.turns.count == 3)
        }
        #expect(adventure.worldInfo == [
            WorldInfoEntry(keys: ["Duke", "duke"], text: "The Duke of Sável is dying and has no heir.", comment: "main plot"),
            WorldInfoEntry(keys: ["tavern"], text: "The Drowned Gull is the only tavern open after dark.", secondaryKeys: ["night", "evening"]),
            WorldInfoEntry(keys: [], text: "It is the year 1204 of the Reckoning.", alwaysOn: true),
            WorldInfoEntry(keys: ["harbormaster"], text: "The harbormaster takes bribes."),
        ])
        #expect(result.dropped == ["world-info folders (not supported; their 1 entry kept unfiled)",
                                   "secondary keys of 1 entry not marked selective (KoboldAI ignored them too)"])
        #expect(result.summary.hasPrefix(version >= 17 ? "imported 3 turns (4 other versions), 1 memory entry, 4 world-info entries, the author's note; dropped: world-info folders"
                                                      : "imported 3 turns, 1 memory entry, 4 world-info entries, the author's note; dropped:"))
        // And through a real save file.
        let scratch = try ScratchFolder()
        let database = try SaveDatabase(path: scratch.url.appendingPathComponent("s.sqlite").path)
        #expect(try database.load(id: try database.create(adventure)) == adventure)
    }

    @Test func koboldAIUnited() throws {
        let result = try read("united-story.json")
        let adventure = result.adventure
        #expect(result.format == "KoboldAI United")
        #expect(adventure.title == "The Frozen Pass")
        #expect(adventure.opening == "You reach the foot of the mountain as the sun sets. The wind howls over the pass.")
        #expect(adventure.memory == ["You are searching for your sister."])
        #expect(adventure.authorsNote == "Cold, quiet, lonely." && adventure.noteTemplate == "[Mood: <|>]")
        // United records who wrote a chunk: the player's narration is a Story action.
        #expect(adventure.turns.map(\.mode) == [.do, .story, .do])
        #expect(adventure.turns.map(\.action) == ["> You light a torch", "A bell rings somewhere below, three times", "> You shout back"])
        #expect(adventure.turns.map(\.replyText) == ["The flame gutters but holds. Shadows leap across the rock.",
                                                      ", and then a voice calls your name — «Élodie!»",
                                                      "Your voice echoes, but no one answers."])
        let tree = adventure.tree
        let versions = { (turn: Int) in tree.siblings(of: adventure.turns[turn].id).compactMap { tree.turns[$0]?.replyText } }
        #expect(versions(0) == ["The torch will not catch; the wood is wet.", "The flame gutters but holds. Shadows leap across the rock."])
        #expect(versions(1) == [", and then silence.", "and stops.", ", and then a voice calls your name — «Élodie!»"])
        // The action taken back with Back (past action_count) waits for redo.
        #expect(tree.redoCount == 1)
        #expect(tree.turns[tree.lastVisited[tree.head]!]?.action == "> You climb down")
        #expect(adventure.worldInfo == [
            WorldInfoEntry(keys: ["pass", "mountain pass"], text: "The pass is closed in winter.", comment: "The Pass"),
            WorldInfoEntry(keys: [], text: "It is the last winter of the old king.", alwaysOn: true, comment: "Era"),
            WorldInfoEntry(keys: ["Élodie"], text: "Élodie is your sister, lost a year ago.", secondaryKeys: ["voice", "name"],
                           comment: "the hook"),
        ])
        #expect(result.dropped == ["world-info folders (not supported; their 1 entry kept unfiled)", "1 commentator entry (not supported)",
                                   "the story's notes (not supported)"])
        // The pickled values ("base64:…") are never read.
        #expect(!result.summary.contains("base64"))
    }

    @Test func koboldAILite() throws {
        let result = try read("lite-adventure.json")
        let adventure = result.adventure
        #expect(result.format == "KoboldAI Lite")
        #expect(adventure.opening == "The ferry leaves you on the island at dusk. The lighthouse stands black against the sky, its lamp long dead.")
        #expect(adventure.turns.map(\.mode) == [.do, .continue])
        #expect(adventure.turns.map(\.replyText) == ["The door is unlocked. Inside, wet stairs wind upward — «quién anda ahí?» whispers someone.",
                                                      "You hear footsteps above you. They stop."])
        #expect(adventure.memory == ["You are a surveyor sent to inspect the lighthouse."] && adventure.authorsNote == "Eerie, slow.")
        // Every sampler Lite saves comes over, in KoboldCpp's order, with its bans and biases.
        var settings = GenerationSettings(temperature: 0.75, topK: 100, topP: 0.92, repetitionPenalty: 1.1, replyLength: 120)
        settings.repetitionRange = 360
        settings.repetitionSlope = 0.7
        settings.minP = 0.05
        settings.presencePenalty = 0.2
        settings.tailFree = 0.95
        settings.dryMultiplier = 0.8
        settings.xtcThreshold = 0.2
        settings.xtcProbability = 0.5
        settings.samplerOrder = [.topK, .topA, .typical, .topP, .minP, .tailFree, .temperature, .xtc]
        settings.bannedPhrases = ["I said", "suddenly"]
        settings.logitBias = [LogitBias(token: 13, amount: 1.5), LogitBias(token: 50256, amount: -100)]
        #expect(adventure.settings == settings)
        // Anti-keys and the disabled flag are kept; a random entry is never silently made active.
        #expect(adventure.worldInfo == [
            WorldInfoEntry(keys: ["lighthouse", "tower"], text: "The lighthouse has been dark for ten years.", antiKeys: ["dream"], comment: "setting"),
            WorldInfoEntry(keys: ["keeper"], text: "The old keeper drowned; some say he still climbs the stairs.", secondaryKeys: ["old", "ghost"]),
            WorldInfoEntry(keys: ["storm"], text: "A storm is coming from the west.", disabled: true),
            WorldInfoEntry(keys: [], text: "The year is 1893.", alwaysOn: true, disabled: true, comment: "era"),
        ])
        #expect(result.dropped == [
            "the trigger chance of 1 world-info entry below 100 % (imported switched off; x in the list switches one on)",
            "world-info groups (not supported; their 1 entry kept ungrouped)", "personal notes (not supported)",
        ])
        #expect(result.summary.contains("4 world-info entries (2 disabled)"))

        // Chat mode: the player's lines are their actions, the other side's the replies.
        let chat = try read("lite-chat.json")
        #expect(chat.adventure.opening == "KoboldAI: Welcome aboard, traveller. Where to?")
        #expect(chat.adventure.turns.map(\.action) == ["User: Take me to the island.", "User: I heard the light is back."])
        #expect(chat.adventure.turns.map(\.replyText) == ["KoboldAI: Nobody goes there anymore. Why the island?", ""])
        #expect(chat.dropped == ["chat mode (the chat is kept: the player's lines as Story actions, the others as replies)"])
    }

    /// A line the player wrote stays their Story action even when it reads like a Do action,
    /// and the chunk after it is its reply.
    @Test func aPlayersNarrationStaysNarration() {
        var dropped: [String] = []
        let story = KoboldImport.story(prompt: "A cave.", chunks: [
            KoboldImport.Chunk(text: "\n\nYou hear a bell", alternatives: [], byPlayer: true),
            KoboldImport.Chunk(text: " ringing far below.", alternatives: [], byPlayer: false),
        ], dropped: &dropped)
        #expect(story.turns.map(\.mode) == [.story])
        #expect(story.turns.map(\.action) == ["You hear a bell"])
        #expect(story.turns.first?.replies.map(\.text) == ["ringing far below."])
    }

    /// `export --format kobold` writes what KoboldAI Client's loadRequest reads (the keys and
    /// types it takes), and reading it back gives the same story: turns, other replies,
    /// memory, note and template, world info.
    @Test func aKoboldExportReadsBackAsTheSameStory() throws {
        let original = try read("kobold-client-1.19.json").adventure
        let text = try AdventureExporter.export(original, as: .kobold, date: Date())
        let save = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(save["gamestarted"] as? Bool == true)
        for key in ["prompt", "memory", "authorsnote", "anotetemplate"] { #expect(save[key] is String, "\(key)") }
        #expect(save["actions"] is [String])
        #expect((save["wifolders_d"] as? [String: Any])?.keys.allSatisfy { Int($0) != nil } == true)
        let worldInfo = try #require(save["worldinfo"] as? [[String: Any]])
        for entry in worldInfo {
            #expect(Set(entry.keys) == ["key", "keysecondary", "content", "comment", "folder", "selective", "constant"])
        }
        let metadata = try #require(save["actions_metadata"] as? [String: [String: Any]])
        #expect(metadata.count == (save["actions"] as? [String])?.count)

        let back = try AdventureImporter.read(Data(text.utf8), fileName: original.title).adventure
        #expect(back.turns.map(\.mode) == original.turns.map(\.mode))
        #expect(back.turns.map(\.action) == original.turns.map(\.action))
        #expect(back.turns.map(\.replyText) == original.turns.map(\.replyText))
        #expect(replyVersions(back) == replyVersions(original))
        #expect(back.opening == original.opening && back.memory == original.memory)
        #expect(back.authorsNote == original.authorsNote && back.noteTemplate == original.noteTemplate)
        #expect(back.worldInfo == original.worldInfo)
        // The branch taken back with Back is not in a KoboldAI save: the export says so.
        #expect(AdventureExporter.losses(original, in: .kobold) == ["branches other than the story on screen (only other replies to the same action are kept)"])
    }

    /// dungeon → KoboldAI → dungeon changes nothing on screen: every turn, who wrote it
    /// (narration stays the player's), its mode, its versions and which one is selected, and
    /// the title; KoboldAI itself sees an ordinary save (it ignores the `dungeon` key).
    @Test func aDungeonStoryRoundTripsThroughAKoboldSave() throws {
        var original = sampleAdventure()  // Do with 2 replies (2nd selected), Say, Story, Continue
        // The last turn retried, then its first version chosen again (/alt): selected 1 of 2.
        let last = try #require(original.turns.last)
        original.tree.add(after: last.parent, mode: last.mode, input: last.input, action: last.action,
                          reply: Reply(text: "Another ending: the rain stops.", seed: 4, settings: GenerationSettings()))
        original.tree.select(last.id)
        #expect(original.turns.contains { $0.id == last.id } && original.tree.siblings(of: last.id).first == last.id)
        #expect(original.tree.siblings(of: last.id).count == 2)
        let text = try AdventureExporter.export(original, as: .kobold, date: Date())
        let back = try AdventureImporter.read(Data(text.utf8), fileName: "the-glass-key.kobold").adventure
        #expect(back.title == original.title)
        #expect(back.turns.count == original.turns.count)
        #expect(back.turns.map(\.mode) == original.turns.map(\.mode))
        #expect(back.turns.map(\.input) == original.turns.map(\.input))
        #expect(back.turns.map(\.action) == original.turns.map(\.action))
        #expect(back.turns.map(\.replyText) == original.turns.map(\.replyText))
        #expect(replyVersions(back) == replyVersions(original))
        let selected = { (adventure: Adventure) in
            adventure.turns.map { turn in adventure.tree.siblings(of: turn.id).firstIndex(of: turn.id) }
        }
        #expect(selected(back) == selected(original))
    }

    @Test(arguments: [
        ("{\"storyContainerVersion\": 1, \"metadata\": {}, \"content\": {}}", "NovelAI's story format is not public"),
        ("{\"file_version\": 3, \"actions\": {}}", "KoboldAI United story of file version 3"),
        ("PK\u{03}\u{04}story.json", "unzip it and import the story.json inside"),
        ("{\"file_version\": 2, \"actions\": []}", "actions is not an object"),
        ("{\"gamestarted\": true, \"prompt\": \"p\", \"actions\": [], \"savedsettings\": 5}", "savedsettings is not an object"),
        ("{\"hello\": 1}", "it reads dungeon JSON, AI Dungeon 2, AI Dungeon 2 Clover Edition, KoboldAI Client"),
        ("{\"story_start\": \"s\", \"actions\": [1], \"results\": []}", "actions[0] is not text"),
        ("{\"temp\": 1, \"top-keks\": 2, \"context\": 5, \"actions\": [], \"results\": []}", "context is not text"),
        ("{\"gamestarted\": true, \"prompt\": \"p\", \"actions\": [], \"worldinfo\": [3]}", "worldinfo[0] is not an object"),
    ])
    func unknownAndMalformedFilesSayWhy(text: String, message: String) {
        #expect { try AdventureImporter.read(Data(text.utf8)) } throws: { error in
            "\(error)".contains(message) && !"\(error)".contains("\n")
        }
    }
}

/// Each turn of the story on screen with the replies of all its versions, in tree order.
func replyVersions(_ adventure: Adventure) -> [[String]] {
    adventure.turns.map { turn in adventure.tree.siblings(of: turn.id).compactMap { adventure.tree.turns[$0]?.replyText } }
}
