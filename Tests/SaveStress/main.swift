// Plays a story tree into a save file in a loop until killed: actions, replies, undos
// followed by new actions (branches) and branch switches, each saved incrementally. Before
// each save it prints "saving NODES HEAD" and after the commit "saved NODES HEAD". The
// storage tests kill it with SIGKILL at random moments and check that the file holds the
// last saved state or the one being saved, whole.
import Foundation
import Storage
import Story

let arguments = CommandLine.arguments
guard arguments.count >= 3, let steps = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: save-stress DATABASE STEPS\n".utf8))
    exit(2)
}

func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

do {
    let database = try SaveDatabase(path: arguments[1])
    let id: Int64
    var teller: StoryTeller
    if let last = try database.lastAdventureID() {
        id = last
        teller = StoryTeller(adventure: try database.load(id: id))
    } else {
        teller = StoryTeller(adventure: Adventure(title: "Stress", opening: "You stand in a long corridor."))
        id = try database.create(teller.adventure)
    }
    var saved = teller.adventure.revision
    // An action the last run saved without its reply is taken back, as the game does on open.
    _ = teller.takeBackUnansweredAction()
    func save() throws {
        let tree = teller.adventure.tree
        say("saving \(tree.turns.count) \(tree.head)")
        try database.save(teller.adventure, id: id, since: saved)
        saved = teller.adventure.revision
        say("saved \(tree.turns.count) \(tree.head)")
    }
    var dice = UInt64(teller.adventure.tree.turns.count) &* 0x9E37_79B9_7F4A_7C15 | 1
    func roll(_ sides: Int) -> Int {
        dice ^= dice << 13; dice ^= dice >> 7; dice ^= dice << 17
        return Int(dice % UInt64(sides))
    }
    for _ in 0..<steps {
        switch roll(6) {
        case 0 where !teller.adventure.turns.isEmpty:
            try teller.undo()
        case 1 where !teller.adventure.turns.isEmpty:
            let turns = teller.adventure.turns
            try? teller.switchBranch(atTurn: 1 + roll(turns.count), by: 1)
        default:
            let n = teller.adventure.tree.turns.count + 1
            try teller.act("walk \(n)", mode: .do)
            try save()
            let current = teller.adventure.turns.last!
            try teller.edit(turn: teller.adventure.turns.count,
                            reply: String(repeating: "Door \(current.input.dropFirst(5)) opens onto darkness. ", count: 20))
        }
        try save()
    }
} catch {
    FileHandle.standardError.write(Data("save-stress: \(error)\n".utf8))
    exit(1)
}
