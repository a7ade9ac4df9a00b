import Foundation
@testable import Remote
import Testing

@Suite struct BackendAddressTests {
    @Test(arguments: [
        ("kobold+http://localhost:5001", BackendAddress.API?.some(.kobold), "http://localhost:5001"),
        ("openai+https://gpu.example:8000/v1", .some(.openAI), "https://gpu.example:8000"),
        ("http://127.0.0.1:8080/", nil, "http://127.0.0.1:8080"),
        ("http://box:5001/api/v1", nil, "http://box:5001"),
        ("OpenAI+http://box/proxy/llama/v1/", .some(.openAI), "http://box/proxy/llama"),
    ])
    func addressesNameTheAPIAndTheRoot(text: String, api: BackendAddress.API?, root: String) throws {
        let address = try BackendAddress(text)
        #expect(address.api == api)
        #expect(address.root.absoluteString == root)
        #expect(address.url("/v1/models").absoluteString == root + "/v1/models")
    }

    @Test(arguments: ["", "localhost:5001", "ftp://box", "kobold+", "http://", "file:///etc/passwd", "http://box/?q=1", "kobold+ws://box"])
    func otherTextIsAOneLineError(text: String) {
        do {
            _ = try BackendAddress(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(!error.description.contains("\n") && error.description.hasPrefix("backend: "))
        }
    }

    @Test func aPasswordInTheAddressIsNeverShown() throws {
        let address = try BackendAddress("http://player:hunter2@box:5001")
        #expect(!address.description.contains("hunter2"))
        #expect(address.description == "http://box:5001")
    }
}
