import COpenBLAS
import COpenSSL
import CZlib
import Testing

/// The module maps link the real C libraries and their results are right.
@Suite struct SystemLibrariesTests {
    @Test func openBLASComputesAProduct() {
        // [1 2; 3 4] × [5 6; 7 8] = [19 22; 43 50]
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
    }

    @Test func openSSLHashesTheFIPSVector() {
        // FIPS 180-2 appendix B.1: SHA-256("abc").
        var digest = [UInt8](repeating: 0, count: 32)
        let input = Array("abc".utf8)
        _ = SHA256(input, input.count, &digest)
        let hex = digest.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func zlibRoundTrips() {
        let input = Array(repeating: Array("kiln ".utf8), count: 200).flatMap { $0 }
        var compressedSize = compressBound(UInt(input.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        #expect(compress(&compressed, &compressedSize, input, UInt(input.count)) == Z_OK)
        #expect(Int(compressedSize) < input.count / 10)
        var outSize = UInt(input.count)
        var output = [UInt8](repeating: 0, count: input.count)
        #expect(uncompress(&output, &outSize, compressed, compressedSize) == Z_OK)
        #expect(output == input)
    }
}
