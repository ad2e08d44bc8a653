/// Every check on header values, shared by the reader (before any tensor is touched) and
/// the writer (so it never writes a file the reader would refuse). All arithmetic on values
/// from the file is overflow-checked; every message names the item and the value.
extension KilnHeader {
    /// Checks caps, names, dtypes and shapes, the tensor layout against a data section of
    /// `dataLength` bytes, and the graph's references.
    func validate(dataLength: Int) throws(KilnFileError) {
        try validateCounts()
        try Self.checkName(metadata.name, "model name", allowEmpty: true)
        for v in inputs { try Self.checkValue(v, "graph input") }
        for v in outputs { try Self.checkValue(v, "graph output") }
        try validateLayout(dataLength: dataLength)
        try validateGraph()
    }

    private func validateCounts() throws(KilnFileError) {
        let caps: [(String, Int, Int)] = [
            ("tensors", tensors.count, KilnLimits.maxTensors), ("nodes", nodes.count, KilnLimits.maxNodes),
            ("graph inputs", inputs.count, KilnLimits.maxGraphValues), ("graph outputs", outputs.count, KilnLimits.maxGraphValues),
        ]
        for (what, count, cap) in caps where count > cap {
            throw KilnFileError(.limit, "\(count) \(what) exceed the cap of \(cap)")
        }
        guard !outputs.isEmpty else { throw KilnFileError(.graph, "the graph has no outputs") }
    }

    /// Tensors sit in table order, each at the previous end rounded up to 64 (the first at 0),
    /// and the data section ends at the last end rounded up to 64: one canonical layout, so
    /// overlaps, gaps and stray bytes are all detectable.
    private func validateLayout(dataLength: Int) throws(KilnFileError) {
        var seen: [String: Int] = [:]
        var previousEnd = 0
        var previousName: String?
        for t in tensors {
            let what = "tensor \(quoted(t.name))"
            try Self.checkName(t.name, "tensor name")
            if seen.updateValue(seen.count, forKey: t.name) != nil {
                throw KilnFileError(.graph, "duplicate tensor name \(quoted(t.name))")
            }
            try Self.checkShape(t.shape, what, allowDynamicBatch: false)
            guard let count = Shape(t.shape).checkedCount,
                case (let bytes, let overflow) = count.multipliedReportingOverflow(by: t.dtype.size), !overflow
            else {
                throw KilnFileError(.limit, "\(what): \(t.dtype.name) × \(Shape(t.shape)) overflows the size arithmetic")
            }
            guard t.length == bytes else {
                throw KilnFileError(.layout, "\(what): length \(t.length) does not match \(t.dtype.name) × \(Shape(t.shape)) = \(bytes) bytes")
            }
            guard t.offset >= 0 else { throw KilnFileError(.layout, "\(what): negative offset \(t.offset)") }
            guard t.offset % KilnPreamble.tensorAlignment == 0 else {
                throw KilnFileError(.layout, "\(what): offset \(t.offset) is not a multiple of \(KilnPreamble.tensorAlignment)")
            }
            guard t.offset >= previousEnd else {
                throw KilnFileError(
                    .layout, "\(what): offset \(t.offset) overlaps previous tensor \(quoted(previousName ?? "")) ending at \(previousEnd)")
            }
            let expected = Self.roundUp(previousEnd)  // previousEnd ≤ dataLength, so no overflow
            guard t.offset == expected else {
                let after = previousName.map { "after previous tensor \(quoted($0)) ending at \(previousEnd)" } ?? "at the start of the data section"
                throw KilnFileError(.layout, "\(what): offset \(t.offset) leaves a gap \(after) (expected \(expected))")
            }
            guard case (let end, let overflow) = t.offset.addingReportingOverflow(t.length), !overflow, end <= dataLength else {
                throw KilnFileError(
                    .layout,
                    "\(what): offset \(t.offset) + length \(t.length) runs past the end of the "
                        + "data section (\(dataLength) bytes)")
            }
            previousEnd = end
            previousName = t.name
        }
        guard Self.roundUp(previousEnd) == dataLength else {
            throw KilnFileError(
                .layout,
                "data section is \(dataLength) bytes but its tensors end at \(previousEnd) "
                    + "(expected \(Self.roundUp(previousEnd)) after padding)")
        }
    }

    /// Names are unique, every non-empty node input is defined before its node (a graph
    /// input, a tensor, or an output of an earlier node), and every graph output is defined.
    /// Requiring definition-before-use makes the node list a topological order, so one pass
    /// rejects both dangling and cyclic references.
    private func validateGraph() throws(KilnFileError) {
        // Where every value comes from, for uniqueness and for precise messages.
        var origin: [String: String] = [:]
        for t in tensors { origin[t.name] = "a tensor" }
        for v in inputs {
            if let other = origin.updateValue("a graph input", forKey: v.name) {
                throw KilnFileError(.graph, "graph input \(quoted(v.name)) is already \(other)")
            }
        }
        var producer: [String: Int] = [:]
        var nodeNames = Set<String>()
        for (i, n) in nodes.enumerated() {
            try Self.checkName(n.name, "node #\(i) name")
            let what = "node \(quoted(n.name))"
            guard nodeNames.insert(n.name).inserted else { throw KilnFileError(.graph, "duplicate node name \(quoted(n.name))") }
            try Self.checkName(n.op, "\(what) operator")
            for (label, count) in [("inputs", n.inputs.count), ("outputs", n.outputs.count)] where count > KilnLimits.maxNodeArity {
                throw KilnFileError(.limit, "\(what) has \(count) \(label), over the cap of \(KilnLimits.maxNodeArity)")
            }
            for key in n.attributes.keys { try Self.checkName(key, "\(what) attribute name") }
            // Empty output names are omitted optional outputs, as in ONNX.
            for out in n.outputs where !out.isEmpty {
                try Self.checkName(out, "\(what) output name")
                if let j = producer[out] {
                    throw KilnFileError(.graph, "\(what) output \(quoted(out)) is already produced by node \(quoted(nodes[j].name))")
                }
                if let other = origin[out] { throw KilnFileError(.graph, "\(what) output \(quoted(out)) is already \(other)") }
                producer[out] = i
            }
        }
        var defined = Set(origin.keys)
        for (i, n) in nodes.enumerated() {
            for input in n.inputs where !input.isEmpty && !defined.contains(input) {
                let what = "node \(quoted(n.name)) input \(quoted(input))"
                guard let j = producer[input] else {
                    throw KilnFileError(.graph, "\(what) is not produced before it (dangling: no graph input, tensor or node defines it)")
                }
                let by = j == i ? "the node itself" : "later node \(quoted(nodes[j].name))"
                throw KilnFileError(.graph, "\(what) is not produced before it (cyclic or out of order: produced by \(by))")
            }
            for out in n.outputs where !out.isEmpty { defined.insert(out) }
        }
        var outputNames = Set<String>()
        for v in outputs {
            guard outputNames.insert(v.name).inserted else { throw KilnFileError(.graph, "duplicate graph output \(quoted(v.name))") }
            guard defined.contains(v.name) else {
                throw KilnFileError(.graph, "graph output \(quoted(v.name)) is not produced by any node, tensor or graph input")
            }
        }
    }

    private static func checkValue(_ v: ValueInfo, _ role: String) throws(KilnFileError) {
        try checkName(v.name, "\(role) name")
        try checkShape(v.shape, "\(role) \(quoted(v.name))", allowDynamicBatch: true)
        // The engine multiplies these (with the batch in place of -1); bound it here too.
        let dims = v.shape.enumerated().map { $0.offset == 0 && $0.element == -1 ? 1 : $0.element }
        guard let count = Shape(dims).checkedCount, !count.multipliedReportingOverflow(by: v.dtype.size).overflow else {
            throw KilnFileError(.limit, "\(role) \(quoted(v.name)): \(v.dtype.name) × \(Shape(v.shape)) overflows the size arithmetic")
        }
    }

    /// Rank ≤ 8; every dimension in 0...2^31, except -1 (dynamic batch) at dimension 0 of a
    /// graph input or output.
    private static func checkShape(_ shape: [Int], _ what: String, allowDynamicBatch: Bool) throws(KilnFileError) {
        guard shape.count <= KilnLimits.maxRank else {
            throw KilnFileError(.limit, "\(what): rank \(shape.count) exceeds the cap of \(KilnLimits.maxRank)")
        }
        for (i, d) in shape.enumerated() {
            if d == -1 && i == 0 && allowDynamicBatch { continue }
            guard d >= 0 else {
                let why = allowDynamicBatch ? "only dimension 0 may be -1 (dynamic batch)" : "dimensions must be ≥ 0"
                throw KilnFileError(.malformed, "\(what): dimension \(i) is \(d); \(why)")
            }
            guard d <= KilnLimits.maxDimension else {
                throw KilnFileError(.limit, "\(what): dimension \(i) is \(d), over the cap of \(KilnLimits.maxDimension)")
            }
        }
    }

    /// Non-empty (unless allowed), ≤ 256 UTF-8 bytes, no control characters (names end up in
    /// logs, terminals and messages).
    private static func checkName(_ name: String, _ what: String, allowEmpty: Bool = false) throws(KilnFileError) {
        guard allowEmpty || !name.isEmpty else { throw KilnFileError(.malformed, "\(what) is empty") }
        guard name.utf8.count <= KilnLimits.maxNameLength else {
            throw KilnFileError(.limit, "\(what) \(quoted(name)) is \(name.utf8.count) bytes, over the cap of \(KilnLimits.maxNameLength)")
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw KilnFileError(.malformed, "\(what) \(quoted(name)) contains a control character")
        }
    }

    /// Rounds up to the 64-byte tensor alignment. Callers pass values ≤ a file size.
    static func roundUp(_ x: Int) -> Int {
        let a = KilnPreamble.tensorAlignment
        return (x + a - 1) / a * a
    }
}
