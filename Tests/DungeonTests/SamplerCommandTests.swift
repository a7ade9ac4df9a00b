import Foundation
import TestSupport
import Testing

/// Presets and sampler settings through the binary: bad values are one-line messages and
/// the game goes on; a ban that matches every continuation ends a reply cleanly; a preset
/// saved in one game is there in the next.
@Suite(.serialized) struct SamplerCommandTests {
    @Test func badSamplerInputInTheGameIsOneLineAndTheGameGoesOn() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves, "--seed", "4"]
        let bans = (1...1001).map { "p\($0)" }.joined(separator: "|")
        let result = try runDungeon(
            ["play", "--plain", "--new", "--prompt", "You stand at the gate."] + common,
            input: "/set min-p 5\n/preset nope\n/set order top-k,banana\n/set ban \(bans)\n/set ban -\n"
                + "/set ban e|a|o|i|u| |.|,\nopen the gate\n/set ban -\n/preset min-p\n/preset save mine\nlook around\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("! min-p must be between 0 (off) and 1\n"))
        #expect(result.output.contains("! no preset nope; presets: classic, aidungeon2, kobold-lite, min-p, dry, creative\n"))
        #expect(result.output.contains("! order lists samplers once each"))
        #expect(result.output.contains("! at most 1,000 banned phrases\n"))
        #expect(result.output.contains("* ban is now -"))
        // Every continuation banned: the reply gives up, the action comes back, and the game
        // goes on to the next line.
        #expect(result.output.contains("> You look around."))
        #expect(result.output.contains("* Saved the current samplers as preset mine"))

        let next = try runDungeon(["play", "--plain", "--continue", "--preset", "mine"] + common, input: "/preset\n")
        #expect(next.status == 0, "\(next.error)")
        #expect(next.output.contains("[mine]"))
    }

    @Test func badSamplerFlagsAreOneLineErrors() throws {
        let folders = try GameFolders()
        for (flags, message) in [(["--preset", "nope"], "no preset nope"), (["--min-p", "2"], "--min-p 2: min-p must be"),
                                 (["--dry-multiplier", "-1"], "--dry-multiplier -1: DRY multiplier must be"),
                                 (["--order", "top-k,top-k"], "--order top-k,top-k: order lists samplers once each")] {
            let result = try runDungeon(["generate", "--model", folders.model, "--prompt", "Hi", "--max-tokens", "3"] + flags)
            #expect(result.status != 0)
            #expect(result.error.contains(message), "\(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        }
        let play = try runDungeon(["play", "--plain", "--new", "--prompt", "x", "--preset", "nope", "--model", folders.model, "--saves", folders.saves])
        #expect(play.status != 0 && play.error.contains("no preset nope"), "\(play.error)")
        // A seed and preset write the same text every time, and each preset its own.
        let args = ["generate", "--model", folders.model, "--prompt", "You enter the cave and", "--max-tokens", "12", "--seed", "3"]
        let first = try runDungeon(args + ["--preset", "creative"])
        #expect(first.status == 0, "\(first.error)")
        #expect(try runDungeon(args + ["--preset", "creative"]).output == first.output)
    }
}
