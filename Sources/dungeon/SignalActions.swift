import Dispatch
import Foundation
import TerminalUI

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
