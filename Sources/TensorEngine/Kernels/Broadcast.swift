/// NumPy broadcasting (ONNX's multidirectional rule): the output shape, and per-input
/// element strides with 0 on broadcast dimensions, with adjacent dimensions merged where
/// every operand allows it so inner loops run long.
public enum Broadcast {
    /// The broadcast shape of several shapes, or nil if they are incompatible.
    public static func shape(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for s in shapes {
            let pad = rank - s.count
            for (i, d) in s.enumerated() {
                let o = out[pad + i]
                if o == 1 { out[pad + i] = d } else if d != 1 && d != o { return nil }
            }
        }
        return out
    }

    /// Coalesced iteration space: dims of the output and matching strides for each input.
    public struct Plan: Sendable {
        public var dims: [Int]
        public var strides: [[Int]]
    }

    public static func plan(output: [Int], inputs: [[Int]]) -> Plan {
        let rank = output.count
        var strides: [[Int]] = inputs.map { s in
            var st = [Int](repeating: 0, count: rank)
            var acc = 1
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                let o = rank - s.count + i
                st[o] = s[i] == 1 && output[o] != 1 ? 0 : acc
                acc *= s[i]
            }
            return st
        }
        var dims = output
        // Merge dimension i into i+1 when every operand is contiguous across the pair.
        var i = dims.count - 2
        while i >= 0 {
            let mergeable = strides.allSatisfy { $0[i] == $0[i + 1] * dims[i + 1] }
            if mergeable || dims[i] == 1 {
                if dims[i] != 1 || mergeable {
                    dims[i + 1] *= dims[i]
                }
                dims.remove(at: i)
                for k in strides.indices { strides[k].remove(at: i) }
            }
            i -= 1
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [1] }
        }
        return Plan(dims: dims, strides: strides)
    }
}
