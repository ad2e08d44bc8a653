/// Loading a model from, and saving it to, the .kiln format.
extension GraphModel {
    /// A model whose initializers point into the file's memory map (zero copy: pages are
    /// shared by every process serving the same file).
    public init(file: KilnFile) throws(KilnFileError) {
        var initializers: [String: Tensor] = [:]
        for (i, entry) in file.header.tensors.enumerated() {
            let bytes = file.tensorBytes(at: i)
            let storage = TensorStorage(borrowing: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!, byteCount: bytes.count, owner: file)
            initializers[entry.name] = Tensor(shape: Shape(entry.shape), dtype: entry.dtype, storage: storage)
        }
        self.init(
            metadata: file.header.metadata, inputs: file.header.inputs, outputs: file.header.outputs, nodes: file.header.nodes,
            initializers: initializers)
    }

    /// Writes the model (tensors in name order, so equal models give equal files).
    public func write(to path: String) throws(KilnFileError) {
        let tensors = initializers.keys.sorted().map { name in
            let t = initializers[name]!
            return KilnTensor(name: name, dtype: t.dtype, shape: t.shape.dims, bytes: Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount)))
        }
        try KilnFileWriter.write(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, tensors: tensors, to: path)
    }
}
