// Saves turns to a save file in a loop, printing "saved N" after each commit, until
// killed. The storage tests kill it with SIGKILL at random moments and check that
// every turn it reported is still there and the file is intact.
import Foundation
import Storage
import Story

let arguments = CommandLine.arguments
guard arguments.count >= 3, let turns = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: save-stress DATABASE TURNS\n".utf8))
    exit(2)
}
do {
    let database = try SaveDatabase(path: arguments[1])
    let id: Int64
    var adventure: Adventure
    if let last = try database.lastAdventureID() {
        id = last
        adventure = try database.load(id: id)
    } else {
        adventure = Adventure(title: "Stress", opening: "You stand in a long corridor.")
        id = try database.create(adventure)
    }
    for _ in 0..<turns {
        let n = adventure.turns.count + 1
        var turn = Turn(mode: .do, input: "walk \(n)", action: "> You walk to door \(n).")
        turn.replies = [Reply(text: String(repeating: "Door \(n) opens onto darkness. ", count: 20),
                              seed: UInt64(n), settings: GenerationSettings())]
        adventure.turns.append(turn)
        try database.save(adventure, id: id)
        FileHandle.standardOutput.write(Data("saved \(adventure.turns.count)\n".utf8))
    }
} catch {
    FileHandle.standardError.write(Data("save-stress: \(error)\n".utf8))
    exit(1)
}
