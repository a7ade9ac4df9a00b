import Foundation
@testable import Serving
import Story
import Testing

/// Request bodies read as KoboldCpp reads them (`koboldcpp.py`, `generate` and
/// `transform_genparams`, the defaults and field names there) and as OpenAI documents them.
struct RequestFieldsTests {
    private func kobold(_ json: String) throws -> CompletionRequest {
        try CompletionRequest(kobold: JSONFields(body: Data(json.utf8)))
    }

    private func openAI(_ json: String) throws -> CompletionRequest {
        try CompletionRequest(openAI: JSONFields(body: Data(json.utf8)))
    }

    private func problem(_ body: () throws -> CompletionRequest) -> String? {
        do { _ = try body(); return nil } catch let error as ServingError { return error.description } catch { return "\(error)" }
    }

    @Test func anEmptyKoboldRequestTakesKoboldCppsDefaults() throws {
        let request = try kobold(#"{"prompt": "You wake."}"#)
        #expect(request.prompt == "You wake.")
        #expect(request.maxTokens == 180)
        #expect(request.settings.temperature == 0.7 && request.settings.topK == 100 && request.settings.topP == 0.92)
        #expect(request.settings.repetitionPenalty == 1 && request.settings.repetitionRange == 320)
        #expect(request.settings.minP == 0 && request.settings.typical == 1 && request.settings.tailFree == 1)
        #expect(request.settings.dryMultiplier == 0 && request.settings.xtcProbability == 0)
        #expect(request.settings.samplerOrder == SamplerStep.koboldOrder)
        #expect(request.seed == nil && request.stopAtEndOfText && !request.greedy && request.key == nil)
    }

    @Test func everySamplerIsReadUnderKoboldCppsNames() throws {
        let request = try kobold("""
            {"prompt": "p", "memory": "m ", "max_length": 50, "max_context_length": 512, "temperature": 1.1,
             "top_k": 30, "top_p": 0.8, "min_p": 0.05, "top_a": 0.2, "typical": 0.9, "tfs": 0.95,
             "rep_pen": 1.1, "rep_pen_range": 200, "rep_pen_slope": 0.5, "presence_penalty": 0.3,
             "frequency_penalty": 0.2, "dry_multiplier": 0.8, "dry_base": 1.5, "dry_allowed_length": 3,
             "dry_penalty_last_n": 100, "dry_sequence_breakers": "[\\"\\\\n\\", \\":\\"]", "xtc_threshold": 0.15,
             "xtc_probability": 0.5, "sampler_order": [6, 5, 0, 1, 3, 4, 2], "sampler_seed": 42,
             "stop_sequence": ["\\n>"], "ban_eos_token": true, "genkey": "KCPP1234",
             "logit_bias": {"13": -5}, "custom_token_bans": "198, 628", "banned_strings": ["suddenly"],
             "unknown_field": {"anything": [1, 2]}}
            """)
        #expect(request.prompt == "m p")
        #expect(request.maxTokens == 50 && request.maxContext == 512)
        let s = request.settings
        #expect(s.temperature == 1.1 && s.topK == 30 && s.topP == 0.8 && s.minP == 0.05 && s.topA == 0.2)
        #expect(s.typical == 0.9 && s.tailFree == 0.95)
        #expect(s.repetitionPenalty == 1.1 && s.repetitionRange == 200 && s.repetitionSlope == 0.5)
        #expect(s.presencePenalty == 0.3 && s.frequencyPenalty == 0.2)
        #expect(s.dryMultiplier == 0.8 && s.dryBase == 1.5 && s.dryAllowedLength == 3 && s.dryRange == 100)
        #expect(s.drySequenceBreakers == ["\n", ":"])
        #expect(s.xtcThreshold == 0.15 && s.xtcProbability == 0.5)
        #expect(s.samplerOrder == [.temperature, .topK, .topA, .typical, .topP, .minP, .tailFree, .xtc])
        #expect(s.logitBias == [LogitBias(token: 13, amount: -5), LogitBias(token: 198, amount: -100), LogitBias(token: 628, amount: -100)])
        #expect(s.bannedPhrases == ["suddenly"])
        #expect(request.seed == 42 && request.stopSequences == ["\n>"] && !request.stopAtEndOfText && request.key == "KCPP1234")
    }

    @Test func koboldCppsQuirksAreKept() throws {
        // The largest of the three repetition penalty names wins; a temperature of 0 is greedy;
        // a seed may be a string, and -1 is random.
        let request = try kobold(#"{"rep_pen": 1.05, "repetition_penalty": 1.2, "repeat_penalty": 1.1, "temperature": 0, "sampler_seed": "7"}"#)
        #expect(request.settings.repetitionPenalty == 1.2)
        #expect(request.greedy)
        #expect(request.seed == 7)
        #expect(try kobold(#"{"sampler_seed": -1}"#).seed == nil)
        #expect(try kobold(#"{"dry_sequence_breakers": ["\n", "*"]}"#).settings.drySequenceBreakers == ["\n", "*"])
        #expect(try kobold(#"{"use_default_badwordsids": true}"#).stopAtEndOfText == false)
    }

    @Test func aBadFieldIsA400ThatNamesIt() {
        #expect(problem { try kobold(#"{"temperature": "hot"}"#) } == "temperature must be a number")
        #expect(problem { try kobold(#"{"top_k": 5000}"#) }?.hasPrefix("top_k: top-k must be") == true)
        #expect(problem { try kobold(#"{"max_length": 0}"#) } == "max_length must be at least 1")
        #expect(problem { try kobold(#"{"sampler_order": [0, 1, 2]}"#) }?.hasPrefix("sampler_order") == true)
        #expect(problem { try kobold(#"{"stop_sequence": [1]}"#) } == "stop_sequence must be a string or a list of strings")
        #expect(problem { try kobold(#"{"ban_eos_token": 1}"#) } == "ban_eos_token must be true or false")
        #expect(problem { try kobold(#"{"logit_bias": {"dragon": 5}}"#) } == "logit_bias must map token ids to numbers")
        #expect(problem { try kobold("[1, 2]") } == "the request body must be a JSON object")
        #expect(problem { try kobold("{\"prompt\": ") } == "the request body is not valid JSON")
        #expect(problem { try CompletionRequest(kobold: JSONFields(body: Data([0x7b, 0xff, 0xfe, 0x7d]))) } == "the request body is not valid JSON")
    }

    @Test func anOpenAIRequestTakesOpenAIsDefaultsAndShapes() throws {
        let request = try openAI(#"{"model": "gpt2", "prompt": ["Once"], "stop": "\n", "seed": 3, "user": "x"}"#)
        #expect(request.prompt == "Once" && request.maxTokens == 16)
        #expect(request.settings.temperature == 1 && request.settings.topP == 1 && request.settings.topK == 0)
        #expect(request.stopSequences == ["\n"] && request.seed == 3)
        let extra = try openAI(#"{"prompt": "x", "max_tokens": 5, "top_k": 20, "min_p": 0.1, "repetition_penalty": 1.2, "stop": ["a", "b"]}"#)
        #expect(extra.settings.topK == 20 && extra.settings.minP == 0.1 && extra.settings.repetitionPenalty == 1.2)
        #expect(extra.stopSequences == ["a", "b"])
        #expect(problem { try openAI(#"{"prompt": "x", "n": 2}"#) } == "n: only 1 is supported")
        #expect(problem { try openAI(#"{"prompt": ["a", "b"]}"#) }?.hasPrefix("prompt: one prompt") == true)
        #expect(problem { try openAI(#"{"prompt": "x", "logprobs": 2}"#) } == "logprobs are not supported")
        #expect(problem { try openAI(#"{"prompt": "x", "max_tokens": -1}"#) } == "max_tokens must be at least 1")
    }

    @Test func unsupportedSamplersAreNamedForTheLog() throws {
        let fields = try JSONFields(body: Data(#"{"mirostat": 2, "smoothing_factor": 0, "grammar": "root ::= x"}"#.utf8))
        #expect(fields.ignoredSamplers == ["mirostat", "grammar"])
    }
}

struct APIKeyTests {
    @Test func onlyTheExactBearerKeyIsAccepted() throws {
        let key = try #require(APIKey("s3cret-key"))
        #expect(key.accepts(authorization: "Bearer s3cret-key"))
        for wrong in [nil, "", "Bearer ", "Bearer s3cret", "Bearer s3cret-key2", "bearer s3cret-key", "Basic s3cret-key",
                      "Bearer S3cret-key", "s3cret-key"] as [String?] {
            #expect(!key.accepts(authorization: wrong), "\(wrong ?? "nil")")
        }
        #expect(APIKey("") == nil && APIKey(nil) == nil)
        #expect(!APIKey.equal(Array(repeating: 1, count: 256), []))
    }

    @Test func onlyLoopbackIsOpenWithoutAKey() {
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] { #expect(isLoopback(host), "\(host)") }
        for host in ["0.0.0.0", "192.168.1.2", "::", "example.org"] { #expect(!isLoopback(host), "\(host)") }
        var options = Server.Options()
        options.host = "0.0.0.0"
        #expect(throws: ServingError.self) { try Server.checkBinding(options) }
        options.apiKey = APIKey("k")
        #expect(throws: Never.self) { try Server.checkBinding(options) }
    }
}

struct PromptWindowTests {
    @Test func aPromptThatFitsIsWhole() {
        let window = PromptWindow(contextLength: 1024)
        #expect(window.droppedTokens(promptCount: 844, replyTokens: 180) == 0)
    }

    @Test func theCutMovesInQuarterWindowStepsSoTheStartStaysPut() {
        let window = PromptWindow(contextLength: 1024)
        // A story growing a turn at a time keeps the same start until it crosses a step.
        let cuts = stride(from: 845, through: 845 + 255, by: 17).map { window.droppedTokens(promptCount: $0, replyTokens: 180) }
        #expect(Set(cuts) == [256])
        #expect(window.droppedTokens(promptCount: 845 + 256, replyTokens: 180) == 512)
        for count in [845, 900, 1100, 2000, 5000] {
            let dropped = window.droppedTokens(promptCount: count, replyTokens: 180)
            #expect(dropped % 256 == 0 && count - dropped <= 844 && count - dropped > 844 - 256)
        }
    }

    @Test func aSmallWindowCutsExactlyWhenAStepWouldLeaveNothing() {
        let window = PromptWindow(contextLength: 1024, requested: 200)
        #expect(window.size == 200)
        #expect(window.droppedTokens(promptCount: 150, replyTokens: 180) == 130)
        #expect(PromptWindow(contextLength: 1024, requested: 4096).size == 1024)
        // KoboldCpp keeps 16 tokens of the window for the prompt.
        #expect(window.replyTokens(500) == 184)
        #expect(PromptWindow(contextLength: 1024).replyTokens(100) == 100)
    }
}
