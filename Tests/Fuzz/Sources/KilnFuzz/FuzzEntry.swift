import Foundation
import KilnFuzzHarnesses

/// The harness this process runs: `KILN_FUZZ_TARGET` names one of `FuzzTarget`'s cases.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["KILN_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("kiln-fuzz: set KILN_FUZZ_TARGET to one of: \(known)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer calls this once before any input: the target is resolved and its fixtures
/// loaded here, so a bad name or a broken checkout fails at once rather than mid-run.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    selectedTarget.prepare()
    return 0
}

/// One input. libFuzzer owns the bytes only for this call, so they are copied.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : [])
    return 0
}
