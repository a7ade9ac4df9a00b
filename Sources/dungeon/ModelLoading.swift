import Engine
import Foundation
import GPT2
import Story
#if canImport(Glibc)
import Glibc
#endif

/// Loads a model for play, telling the player what it is and what it needs first, since
/// the larger GPT-2s take a while and several gigabytes.
enum ModelLoading {
    static func load(_ folder: URL, precision: Precision? = nil) throws -> TextEngine {
        let (config, preferred) = try GPT2Model.describe(folder)
        let chosen = precision ?? preferred
        let parameters = Double(config.parameterCount)
        let size = parameters >= 1e9 ? String(format: "%.1fB", parameters / 1e9) : String(format: "%.0fM", parameters / 1e6)
        let memory = String(format: "%.1f GB", Double(config.estimatedMemoryBytes(precision: chosen)) / 1e9)
        report("Loading \(folder.lastPathComponent) at \(chosen): \(size) parameters, needs about \(memory) of memory…")
        let clock = ContinuousClock()
        let start = clock.now
        let engine = try TextEngine(directory: folder, precision: chosen)
        for warning in engine.model.warnings { report("warning: " + warning) }
        report(String(format: "Loaded %@ (%@ file, playing at %@) in %.1f s.", engine.name, engine.model.storageType,
                      engine.model.precision.rawValue, (clock.now - start).seconds))
        return engine
    }

    /// On a terminal the line is overwritten by the game screen; in plain mode it goes to stderr.
    private static func report(_ line: String) {
        FileHandle.standardError.write(Data((TextSanitizer.clean(line) + "\n").utf8))  // a folder name is any bytes
    }
}
