import Testing

@testable import HTTPCore

/// Regressions found by the fuzz harnesses (Tests/Fuzz) in `ContentCoding`.
@Suite struct ContentCodingTests {
    /// `Accept-Encoding: ;` once trapped with "Index out of range": the element ";" split
    /// into no pieces and the coding name was read from the first. Any client could stop the
    /// server with it, since every response large enough to gzip asks this question.
    @Test(arguments: [";", ";q=1", " ; ", ";;", "identity;q=0, ;"])
    func acceptEncodingWithAnEmptyCodingIsNotACrash(value: String) {
        #expect(!ContentCoding.acceptsGzip(["Accept-Encoding": value]))
    }

    @Test func emptyCodingsDoNotHideARealOne() {
        #expect(ContentCoding.acceptsGzip(["Accept-Encoding": ";q=1, gzip"]))
        #expect(ContentCoding.acceptsGzip(["Accept-Encoding": "gzip, ;q=0.5"]))
        #expect(!ContentCoding.acceptsGzip(["Accept-Encoding": "*;q=0, ;"]))
    }
}
