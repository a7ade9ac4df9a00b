import Foundation
import Story

/// The scenarios in Assets/scenarios, in a stable order.
enum ScenarioLibrary {
    static func load() -> [Scenario] {
        guard let folder = Locations.assets?.appendingPathComponent("scenarios"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        let order = ["fantasy", "mystery", "apocalypse", "zombies", "scifi"]
        return names.filter { $0.hasSuffix(".json") }.compactMap { name -> Scenario? in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
            return try? JSONDecoder().decode(Scenario.self, from: data)
        }.sorted { (order.firstIndex(of: $0.id) ?? 99, $0.id) < (order.firstIndex(of: $1.id) ?? 99, $1.id) }
    }
}
