import Testing
@testable import Story

@Suite struct ActionFormatterTests {
    @Test(arguments: [
        (ActionMode.do, "open the door", "> You open the door."),
        (.do, "I look around", "> You look around."),
        (.do, "look at my sword", "> You look at your sword."),
        (.do, "You run!", "> You run!"),
        (.do, "  pick   up the key ", "> You pick up the key."),
        (.do, "I am tired", "> You are tired."),
        (.do, "I'm hungry", "> You are hungry."),
        (.do, "tell the guard I'm a knight", "> You tell the guard you're a knight."),
        (.do, "hide myself behind the barrel", "> You hide yourself behind the barrel."),
        (.do, "give him my gold and ask \"can I pass?\"", "> You give him your gold and ask \"Can I pass?\""),
        (.do, "Look around.", "> You look around."),
        (.do, "Open the door", "> You open the door."),
        (.do, "I whisper \"run\"", "> You whisper \"Run.\""),
        (.do, "shout \"help\" and run", "> You shout \"Help.\" and run."),
        (.say, "\"", ""),
        (.say, "\"\"", ""),
        (.do, "I was born here", "> You were born here."),
        (.say, "hello", "> You say \"Hello.\""),
        (.say, "Where is the king?", "> You say \"Where is the king?\""),
        (.say, "\"I will not yield\"", "> You say \"I will not yield.\""),
        (.say, "I whisper \"run\"", "> You whisper \"Run.\""),
        (.say, "say hi", "> You say \"Hi.\""),
        (.say, "I say my name is Ana", "> You say \"My name is Ana.\""),
        (.say, "\"Where is the crown?\" I ask", "> You ask, \"Where is the crown?\""),
        (.say, "\"Where is the crown?\"", "> You say \"Where is the crown?\""),
        (.say, "who are you? \"tell me\"", "> You say \"Who are you? 'tell me'.\""),
        (.say, "I shout: \"stop\" and draw my sword", "> You shout \"Stop.\" and draw your sword."),
        (.say, "“Run,” I whisper", "> You whisper, \"Run.\""),
        (.story, "the sky darkens", "The sky darkens."),
        (.story, "A storm rolls in!", "A storm rolls in!"),
        (.continue, "", ""),
        (.do, "   ", ""),
    ])
    func formats(mode: ActionMode, input: String, expected: String) {
        #expect(ActionFormatter.format(input, mode: mode) == expected)
    }

    @Test func modeSwitchCycles() {
        #expect(ActionMode.do.next == .say)
        #expect(ActionMode.say.next == .story)
        #expect(ActionMode.story.next == .do)
    }
}

@Suite struct TruncationTests {
    @Test(arguments: [
        ("You wake in a cold cell beneath the lighthouse of Karn.", 40, "You wake in a cold cell beneath the…"),
        ("\"Run,\" she says, \"before the tide comes in over the rocks.\"", 40, "\"Run,\" she says, before the tide…"),
        ("Short title", 40, "Short title"),
        ("Supercalifragilisticexpialidocious-and-more-words", 20, "Supercalifragilisti…"),
        ("日本語の長いタイトルです", 9, "日本語の…"),
    ])
    func cutsAtAWordBoundaryWithBalancedQuotes(text: String, width: Int, expected: String) {
        let cut = DisplayWidth.truncate(text, to: width)
        #expect(cut == expected)
        #expect(DisplayWidth.of(cut) <= width)
    }

    @Test func customAdventuresAreTitledByTheirOpening() {
        #expect(Scenario.custom(opening: "You wake in a cold cell beneath the lighthouse.").title == "You wake in a cold cell beneath the…")
    }
}
