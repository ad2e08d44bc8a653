import ArgumentParser
import Foundation

/// Runs a command body, turning any error into one "kiln: …" line on stderr and exit 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("kiln: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Parses "1,8,16" into positive integers.
func positiveList(_ text: String, option: String) throws -> [Int] {
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw ValidationError("\(option) takes positive integers separated by commas, got '\(text)'")
    }
    return values.map { $0! }
}
