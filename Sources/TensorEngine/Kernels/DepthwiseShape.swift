/// A kernel size and stride the depthwise path has unrolled code for.
protocol DepthwiseShape {
    static var k: Int { get }
    static var s: Int { get }
}

/// 3×3, stride 1 (MobileNet's depthwise layers).
enum Kernel3Stride1: DepthwiseShape {
    static var k: Int { 3 }
    static var s: Int { 1 }
}

/// 3×3, stride 2 (MobileNet's downsampling depthwise layers).
enum Kernel3Stride2: DepthwiseShape {
    static var k: Int { 3 }
    static var s: Int { 2 }
}

/// 5×5, stride 1 (MobileNetV3, EfficientNet).
enum Kernel5Stride1: DepthwiseShape {
    static var k: Int { 5 }
    static var s: Int { 1 }
}

/// 5×5, stride 2.
enum Kernel5Stride2: DepthwiseShape {
    static var k: Int { 5 }
    static var s: Int { 2 }
}
