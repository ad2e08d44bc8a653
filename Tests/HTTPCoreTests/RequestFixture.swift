import Foundation
@testable import HTTPCore

/// A raw-request fixture (llhttp's transcript idea): `#!` lines state the expected
/// outcome, the remaining lines are the request, each followed by CRLF unless it ends
/// in a lone backslash. Escapes: \r \n \t \0 \xHH \\.
struct RequestFixture: CustomStringConvertible {
    let name: String
    let bytes: [UInt8]
    var expectations: [(key: String, value: String)] = []
    var limits = HTTPLimits()

    var description: String { name }

    func expectation(_ key: String) -> String? { expectations.first { $0.key == key }?.value }
    func all(_ key: String) -> [String] { expectations.filter { $0.key == key }.map(\.value) }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/requests")

    static func loadAll() -> [RequestFixture] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".http") }.sorted().map { load($0) }
    }

    static func load(_ file: String) -> RequestFixture {
        let text = try! String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var fixture = RequestFixture(name: String(file.dropLast(5)), bytes: [])
        var raw: [UInt8] = []
        var inHeader = true
        for line in lines {
            if inHeader && line.hasPrefix("#! ") {
                let parts = line.dropFirst(3).split(separator: " ", maxSplits: 1).map(String.init)
                let key = parts[0]
                let value = parts.count > 1 ? parts[1] : ""
                if key == "limit" {
                    let kv = value.split(separator: " ")
                    let n = Int(kv[1])!
                    switch kv[0] {
                    case "maxRequestLineBytes": fixture.limits.maxRequestLineBytes = n
                    case "maxHeaderBytes": fixture.limits.maxHeaderBytes = n
                    case "maxHeaderCount": fixture.limits.maxHeaderCount = n
                    case "maxBodyBytes": fixture.limits.maxBodyBytes = n
                    default: fatalError("unknown limit \(kv[0]) in \(file)")
                    }
                } else {
                    fixture.expectations.append((key, value))
                }
                continue
            }
            inHeader = false
            var content = line
            let continued = content.hasSuffix("\\") && !content.hasSuffix("\\\\")
            if continued { content.removeLast() }
            raw += unescape(content)
            if !continued { raw += [0x0D, 0x0A] }
        }
        return RequestFixture(name: fixture.name, bytes: raw, expectations: fixture.expectations, limits: fixture.limits)
    }

    static func unescape(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x5C, i + 1 < u.count {
                switch u[i + 1] {
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "0"): out.append(0x00)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "x"):
                    out.append(UInt8(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self), radix: 16)!)
                    i += 2
                default: out.append(u[i + 1])
                }
                i += 2
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }
}
