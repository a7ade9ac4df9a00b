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
            var repaint = false
            for input in PasteDetector.coalesce(screen.readBurst()) {
                switch input {
                case .resize:
                    screen.invalidate()
                    let (width, height) = screen.size
                    actions.append(.resize(width: width, height: height))
                case .interrupt: actions.append(.interrupt)
                case .key(.control("l")):
                    screen.invalidate()
                    repaint = true
                case .key(let key): actions.append(.key(key))
                case .paste(let text): actions.append(.paste(text))
                }
            }
            actions += session.inbox.drain()
            for action in actions where running {
                running = session.dispatch(action, state: &state)
            }
            // Nothing happened in this 30 ms tick: the screen is already right.
            guard repaint || !actions.isEmpty else { continue }
            screen.setTheme(state.preferences.theme)
            screen.draw(render(state))
        }
        session.finish()
        return 0
    }
}
