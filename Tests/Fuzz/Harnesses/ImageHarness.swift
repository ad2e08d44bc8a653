import Imaging
import TensorEngine

/// JPEG and PNG decoding through `ImageDecoder`: a full decode under lowered caps (alpha
/// over black), then the preprocessing paths the services use: a scaled JPEG decode into a
/// small RGB stretch, and a gray shorter-side crop of the already decoded image.
enum ImageHarness {
    static let limits = ImageLimits(maxEncodedBytes: 1 << 20, maxPixels: 1_000_000, maxDimension: 4096)
    static let stretch = ImagePreprocessing(width: 24, height: 16, channels: 3, mean: [0.5], std: [0.25], resize: .stretch)
    static let crop = ImagePreprocessing(width: 7, height: 9, channels: 1, resize: .shorterSideCrop)

    static func run(_ data: [UInt8]) {
        guard let image = try? ImageDecoder.decode(data, limits: limits, options: DecodeOptions(alphaBackground: .black)) else {
            return
        }
        precondition(image.width >= 1 && image.height >= 1, "decoded an empty image")
        precondition(image.width * image.height <= limits.maxPixels, "decoded \(image.width)×\(image.height) past the pixel cap")
        let gray = crop.tensor(from: image)
        precondition(gray.shape.dims == [1, 1, 9, 7], "crop tensor has shape \(gray.shape.dims)")
        // A second decode through the byte path: for JPEGs it is the scaled IDCT.
        if let rgb = try? stretch.tensor(from: data, limits: limits) {
            precondition(rgb.shape.dims == [1, 3, 16, 24], "stretch tensor has shape \(rgb.shape.dims)")
        }
    }
}
