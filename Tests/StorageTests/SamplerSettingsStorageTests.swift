import Foundation
import TestSupport
import Testing
@testable import Storage
import Story

/// Every sampler survives the save file and a JSON export; a stored adventure or turn from
/// before the samplers reads as classic (off), so replaying it by its seeds is unchanged.
@Suite struct SamplerSettingsStorageTests {
    static var everySampler: GenerationSettings {
        var s = GenerationSettings(temperature: 1.1, topK: 0, topP: 1, repetitionPenalty: 1.05, replyLength: 80)
        s.repetitionRange = 600
        s.repetitionSlope = 0.5
        s.presencePenalty = 0.3
        s.frequencyPenalty = 0.1
        s.minP = 0.05
        s.typical = 0.9
        s.tailFree = 0.95
        s.topA = 0.2
        s.dryMultiplier = 0.8
        s.dryBase = 2
        s.dryAllowedLength = 3
        s.dryRange = 512
        s.drySequenceBreakers = ["\n", "—"]
        s.xtcThreshold = 0.15
        s.xtcProbability = 0.5
        s.logitBias = [LogitBias(text: "dragon", amount: 2), LogitBias(token: 13, amount: -1.5)]
        s.bannedPhrases = ["I said", "suddenly"]
        s.samplerOrder = SamplerStep.koboldOrder
        s.firstPersonGuard = false
        return s
    }

    @Test func everySamplerSurvivesTheSaveFileAndAJSONExport() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("saves.sqlite").path
        var adventure = sampleAdventure()
        adventure.settings = Self.everySampler
        let id = try SaveDatabase(path: path).create(adventure)
        #expect(try SaveDatabase(path: path).load(id: id).settings == Self.everySampler)

        let json = try AdventureExporter.export(adventure, as: .json, date: Date(timeIntervalSince1970: 0))
        let imported = try AdventureImporter.read(Data(json.utf8), fileName: "x.json")
        #expect(imported.adventure.settings == Self.everySampler)
    }

    @Test func settingsWithoutTheNewSamplersReadAsClassic() throws {
        let old = #"{"temperature":0.8,"topK":40,"topP":0.9,"repetitionPenalty":1.15,"replyLength":60}"#
        let settings = try JSONDecoder().decode(GenerationSettings.self, from: Data(old.utf8))
        #expect(settings == GenerationSettings())
        #expect(settings.samplerOrder == SamplerStep.classicOrder && settings.minP == 0 && settings.dryMultiplier == 0)
        // And classic settings are written as they always were: no new keys.
        #expect(String(decoding: try JSONEncoder().encode(settings), as: UTF8.self).components(separatedBy: ":").count == 6)
    }
}
