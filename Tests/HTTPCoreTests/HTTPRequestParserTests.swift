import Testing
@testable import HTTPCore

/// Every fixture in Fixtures/requests, fed whole, byte by byte and in random splits:
/// all three must agree and match the fixture's expectations.
@Suite struct HTTPRequestParserTests {
    static let fixtures = RequestFixture.loadAll()

    @Test func fixturesExist() {
        #expect(Self.fixtures.count >= 50)
    }

    @Test(arguments: fixtures)
    func fixture(_ fixture: RequestFixture) throws {
        var outcomes: [(String, ParserDriver.Outcome)] = []
        for (strategy, sizes) in ParserDriver.strategies(for: fixture.bytes.count, seed: UInt64(fixture.name.utf8.count)) {
            outcomes.append((strategy, ParserDriver.run(fixture.bytes, chunkSizes: sizes, limits: fixture.limits)))
        }
        let (_, whole) = outcomes[0]
        for (strategy, outcome) in outcomes.dropFirst() {
            #expect(outcome == whole, "\(fixture.name): \(strategy) disagrees with whole")
        }
        try check(fixture, whole)
    }

    private func check(_ fixture: RequestFixture, _ outcome: ParserDriver.Outcome) throws {
        if let status = fixture.expectation("status") {
            let error = try #require(outcome.error, "\(fixture.name): expected an error")
            #expect(error.status.code == Int(status), "\(fixture.name): \(error)")
            if let name = fixture.expectation("error") {
                #expect(error.name == name, "\(fixture.name): got \(error.name)")
            }
            return
        }
        #expect(outcome.error == nil, "\(fixture.name): unexpected \(String(describing: outcome.error))")
        #expect(outcome.leftover == 0, "\(fixture.name): \(outcome.leftover) bytes left unparsed")
        let requests = outcome.requests
        if let n = fixture.expectation("requests") { #expect(requests.count == Int(n)) }
        let first = try #require(requests.first, "\(fixture.name): no request parsed")
        if let m = fixture.expectation("method") { #expect(first.method == m) }
        if let t = fixture.expectation("target") { #expect(first.target == t) }
        if let p = fixture.expectation("path") { #expect(first.path == p) }
        if let q = fixture.expectation("query") { #expect(first.query == q) }
        if let v = fixture.expectation("version") { #expect(first.version.description == "HTTP/" + v) }
        if let k = fixture.expectation("keep-alive") { #expect(first.keepAlive == (k == "true")) }
        if let b = fixture.expectation("body") { #expect(first.body == Array(b.utf8)) }
        if let n = fixture.expectation("bodylength") { #expect(first.body.count == Int(n)) }
        if let e = fixture.expectation("expect") {
            switch e {
            case "continue": #expect(first.expectation == .continue100)
            case "unsupported": #expect(first.expectation != .none && first.expectation != .continue100)
            default: Issue.record("unknown expect value \(e)")
            }
        }
        for header in fixture.all("header") {
            let parts = header.split(separator: ":", maxSplits: 1)
            #expect(first.headers[String(parts[0])] == String(parts[1].dropFirst()), "\(fixture.name): header \(parts[0])")
        }
        for trailer in fixture.all("trailer") {
            let parts = trailer.split(separator: ":", maxSplits: 1)
            #expect(first.trailers[String(parts[0])] == String(parts[1].dropFirst()))
        }
        if let targets = fixture.expectation("targets") {
            #expect(requests.map(\.target) == targets.split(separator: ",").map(String.init))
        }
        if let bodies = fixture.expectation("bodies") {
            let expected = bodies.split(separator: ",", omittingEmptySubsequences: false).map { Array($0.utf8) }
            #expect(requests.map(\.body) == expected)
        }
    }
}
