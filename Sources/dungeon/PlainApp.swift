import Foundation
import TerminalUI

/// Plain line mode: no curses. Each line of standard input is an action, a slash command
/// or a menu answer; the story is printed as it is written. End of input saves and exits 0.
@MainActor
enum PlainApp {
    static func run(session: GameSession, state initial: AppState, start: [Effect]) -> Int32 {
        var state = initial
        state.plainMode = true
        var transcript = PlainTranscript()
        let signals = SignalActions(inbox: session.inbox)
        defer { signals.cancel() }
        var running = true

        func apply(_ action: AppAction) {
            guard running else { return }
            if case .promptProgress(let done, let total) = action {
                // On standard error, so the story on standard output stays clean for scripts.
                let line = "Reading the story: \(done) of \(total) tokens"
                let text = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" + line + (done == total ? "\n" : "") : line + "\n"
                FileHandle.standardError.write(Data(text.utf8))
            }
            running = session.dispatch(action, state: &state)
            show()
        }
        func show() {
            let (text, closeOverlay) = transcript.update(state)
            if !text.isEmpty { writeOut(text) }
            if closeOverlay && running { running = session.dispatch(.key(.escape), state: &state) }
        }
        /// Waits for the reply being written, printing it as it comes; Ctrl-C stops it.
        func awaitReply() {
            while running && state.isGenerating {
                session.inbox.wait(timeout: 0.05)
                for action in session.inbox.drain() { apply(action) }
            }
        }

        running = session.run(start, state: &state)
        let opens = start.contains { if case .openAdventure = $0 { true } else if case .openLastAdventure = $0 { true } else if case .createAdventure = $0 { true } else { false } }
        if opens && state.screen != .play {
            // A start option that cannot be honoured ends here: falling back to the menu would
            // read the next action as a menu answer.
            printError(state.notice?.text ?? "the adventure could not be opened")
            session.finish()
            return 1
        }
        show()
        awaitReply()
        var input = InputLines()
        while running {
            switch input.next(wakingOn: session.inbox.wakeDescriptor) {
            case .woken:
                for action in session.inbox.drain() { apply(action) }  // a signal, or a download's progress
            case .end:
                apply(.terminate)
            case .line(let line):
                if state.screen != .play && state.overlay == nil && state.purpose == .action {
                    answerMenu(line, state: &state, session: session, transcript: &transcript, running: &running)
                } else {
                    apply(.line(line))
                }
            }
            awaitReply()
        }
        session.finish()
        return 0
    }

    /// A menu answer: a number picks a row; a letter is the row's shortcut key.
    private static func answerMenu(
        _ line: String, state: inout AppState, session: GameSession, transcript: inout PlainTranscript, running: inout Bool
    ) {
        let answer = line.trimmingCharacters(in: .whitespaces)
        if let number = Int(answer), (1...max(1, menuRows(state).count)).contains(number) {
            state.selection = number - 1
            running = session.dispatch(.key(.enter), state: &state)
        } else if answer.count == 1, let c = answer.first {
            running = session.dispatch(.key(.character(c)), state: &state)
        } else if answer.isEmpty {
            running = session.dispatch(.key(.escape), state: &state)
        } else {
            state.notice = Notice(text: "answer with a number from the list", isError: true)
        }
        let (text, closeOverlay) = transcript.update(state)
        if !text.isEmpty { writeOut(text) }
        if closeOverlay && running { running = session.dispatch(.key(.escape), state: &state) }
    }
}
