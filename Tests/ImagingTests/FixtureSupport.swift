import Foundation
import TensorEngine
@testable import Imaging

/// Loads the files written by Fixtures/make_fixtures.py and its manifest.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
            fatalError("missing fixture \(name); run Tests/ImagingTests/Fixtures/make_fixtures.py")
        }
        return [UInt8](data)
    }

    static func npy(_ name: String) -> Tensor { try! NPYFile.read(path: directory.appendingPathComponent(name).path) }

    /// A uint8 .npy as (shape, bytes).
    static func uint8Array(_ name: String) -> (shape: [Int], values: [UInt8]) {
        let t = npy(name)
        precondition(t.dtype == .uint8, "\(name) is not uint8")
        return (t.shape.dims, Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount)))
    }

    struct DecodeCase: Decodable, CustomStringConvertible, Sendable {
        let file: String
        let channels: Int
        let expected: String
        let background: String
        let minimum: [Int]?
        var description: String { "\(file) → \(channels)ch \(minimum.map { "min \($0)" } ?? "") \(background)" }
    }

    struct ErrorCase: Decodable, CustomStringConvertible, Sendable {
        let file: String
        let kind: String
        let message: String
        var description: String { file }
    }

    struct PreprocessCase: Decodable, CustomStringConvertible, Sendable {
        let `case`: String
        let file: String
        let width: Int
        let height: Int
        let channels: Int
        let mean: [Float]
        let std: [Float]
        let resize: String
        let expected: String
        let resized: String?
        var description: String { self.case }

        var spec: ImagePreprocessing {
            ImagePreprocessing(width: width, height: height, channels: channels, mean: mean, std: std,
                               resize: ImagePreprocessing.ResizeMode(rawValue: resize)!)
        }
    }

    struct ResizeCase: Decodable, CustomStringConvertible, Sendable {
        let file: String
        let width: Int
        let height: Int
        let expected: String
        var description: String { "\(file) → \(width)×\(height)" }
    }

    struct Manifest: Decodable {
        let decode: [DecodeCase]
        let errors: [ErrorCase]
        let preprocess: [PreprocessCase]
        let resize: [ResizeCase]
    }

    static let manifest: Manifest = {
        try! JSONDecoder().decode(Manifest.self, from: Data(bytes("manifest.json")))
    }()
}

extension Image {
    /// The 8-bit samples (tests only use this on 8-bit images).
    var bytes: [UInt8] {
        guard case .uint8(let s) = samples else { fatalError("16-bit image") }
        return s
    }
}

/// Largest absolute difference between two equally long sample arrays.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    guard a.count == b.count else { return Int.max }  // shapes differ: fail, don't crash
    return zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}
