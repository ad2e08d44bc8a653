#!/usr/bin/env bash
# Regenerates Sources/ModelConvert/ONNX/onnx.pb.swift. Run by hand when onnx.proto changes,
# never in CI (building the protoc plugin takes minutes). Needs: protobuf-compiler (apt),
# python3 -m pip download onnx (for onnx.proto), and swift-protobuf's protoc-gen-swift at
# the same version as Package.swift's swift-protobuf dependency.
# Generated here from onnx 1.19.0's onnx/onnx.proto with swift-protobuf 1.39.0.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps -d "$work" onnx==1.19.0
python3 - "$work" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/onnx-*.whl")[0]
open(sys.argv[1] + "/onnx.proto", "wb").write(zipfile.ZipFile(wheel).read("onnx/onnx.proto"))
PY
git clone -q https://github.com/apple/swift-protobuf.git "$work/swift-protobuf"
git -C "$work/swift-protobuf" checkout -q 1.39.0
swift build --package-path "$work/swift-protobuf" --product protoc-gen-swift
protoc --plugin=protoc-gen-swift="$work/swift-protobuf/.build/debug/protoc-gen-swift" \
    --swift_out=Visibility=Public:"$work" --proto_path="$work" "$work/onnx.proto"
cp "$work/onnx.pb.swift" "$repo/Sources/ModelConvert/ONNX/onnx.pb.swift"
echo "wrote Sources/ModelConvert/ONNX/onnx.pb.swift"
