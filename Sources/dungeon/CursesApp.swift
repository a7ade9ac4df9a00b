import CursesTerminal
import Dispatch
import Foundation
import TerminalUI

/// The full-screen game: read keys, reduce, carry out effects, draw; until quit.
@MainActor
enum CursesApp {
    static func run(session: GameSession, state initial: AppState, start: [Effect]) -> Int32 {
        let screen = CursesScreen(theme: initial.preferences.theme,
                                  noColor: ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false)
        defer { screen.end() }
        let signals = SignalActions(inbox: session.inbox)
        defer { signals.cancel() }

        var state = initial
        (state.width, state.height) = screen.size
        var running = session.run(start, state: &state)
        screen.draw(render(state))

        while running {
            var actions: [AppAction] = []
            for input in coalescePastes(screen.readBurst()) {
                switch input {
                case .resize:
                    screen.invalidate()
                    let (width, height) = screen.size
                    actions.append(.resize(width: width, height: height))
                case .interrupt: actions.append(.interrupt)
                case .key(.control("l")): screen.invalidate()
                case .key(let key): actions.append(.key(key))
                case .paste(let text): actions.append(.paste(text))
                }
            }
            actions += session.inbox.drain()
            for action in actions where running {
                running = session.dispatch(action, state: &state)
            }
            screen.setTheme(state.preferences.theme)
            screen.draw(render(state))
        }
        session.release()
        return 0
    }

    enum Input {
        case key(Key), resize, interrupt, paste(String)
    }

    /// A burst of keys with a line break followed by more text is pasted text: it goes into
    /// the input line as one piece instead of submitting each line.
    static func coalescePastes(_ inputs: [ScreenInput]) -> [Input] {
        var result: [Input] = []
        var run: [Key] = []
        func flush() {
            let breakInside = run.dropLast().contains(.enter)
            if breakInside {
                let text = run.map { key -> String in
                    if case .character(let c) = key { return String(c) }
                    return key == .enter ? "\n" : ""
                }.joined()
                result.append(.paste(text))
            } else {
                result += run.map { .key($0) }
            }
            run = []
        }
        for input in inputs {
            switch input {
            case .key(let key):
                if case .character = key { run.append(key) } else if key == .enter { run.append(key) } else {
                    flush()
                    result.append(.key(key))
                }
            case .resize:
                flush()
                result.append(.resize)
            case .interrupt:
                flush()
                result.append(.interrupt)
            }
        }
        flush()
        return result
    }
}

/// SIGINT, SIGTERM and SIGHUP become actions, so they stop a reply or save and quit
/// through the same rules as the keys.
final class SignalActions {
    private let sources: [any DispatchSourceSignal]

    init(inbox: Inbox) {
        var sources: [any DispatchSourceSignal] = []
        for (number, action) in [(SIGINT, AppAction.interrupt), (SIGTERM, .terminate), (SIGHUP, .terminate)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { inbox.post(action) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
