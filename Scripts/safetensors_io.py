"""Reading and writing .safetensors files with numpy alone, for the fixture and conversion
scripts (the format: an 8-byte little-endian header length, a JSON header giving each
tensor's dtype, shape and byte range, then the data)."""
import json
import struct

import numpy as np


def read_safetensors(path, strip_prefix=True):
    """Every tensor as a numpy array (F16 and BF16 widened to F32 for BF16 only), keyed by
    name, without the `transformer.` prefix unless `strip_prefix` is False."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[8 + length + begin:8 + length + end]
        if entry["dtype"] == "F32":
            array = np.frombuffer(raw, dtype=np.float32)
        elif entry["dtype"] == "F16":
            array = np.frombuffer(raw, dtype=np.float16)
        elif entry["dtype"] == "BF16":
            array = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: unsupported dtype {entry['dtype']}")
        tensors[name.removeprefix("transformer.") if strip_prefix else name] = array.reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors, prefix="transformer."):
    """F32 tensors under `prefix` + name, in the given order."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[prefix + name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
