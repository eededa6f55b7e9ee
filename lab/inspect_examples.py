"""Example clips for :mod:`lab.inspect`: native renders and upscales of the course's scenes, made at run time.

Each example is an mp4 written at a small size (480x270 by default): a scene rendered
natively, and the same shot as a camera at a smaller height records it, upscaled back with an
upscaler from the registry. The answer (native, or the source height and method) is kept
with it, so a lesson can compare what :func:`lab.inspect.inspect_clip` reads with the truth.

>>> import tempfile
>>> ex = make_examples(tempfile.mkdtemp(), size="256x144", frames=2, plan=[("fabric", None, "native")])
>>> ex[0].label, ex[0].source_height
('fabric, native 256x144', None)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lab import native, scenes, video
from lab.errors import LabError
from lab.resolution import Resolution, parse

# (scene, source height as a fraction of the target, or None for native, upscaler)
DEFAULT_PLAN: tuple[tuple[str, float | None, str], ...] = (
    ("fabric", None, "native"),
    ("fabric", 0.5, "bicubic"),
    ("fabric", 0.75, "lanczos"),
    ("sign", None, "native"),
    ("sign", 2 / 3, "bilinear"),
    ("sign", 0.5, "realesrgan-x2"),
)


@dataclass(frozen=True)
class Example:
    """An example clip on disk and its truth: ``source_height`` (px) is None for a native render."""

    label: str
    path: Path
    scene: str
    method: str
    source_height: int | None

    @property
    def verdict(self) -> str:
        """What an ideal inspector says: "native" or "upscaled"."""
        return "native" if self.source_height is None else "upscaled"


def make_examples(
    folder: str | os.PathLike[str],
    *,
    size: str | Resolution = "480x270",
    frames: int = 6,
    plan: list[tuple[str, float | None, str]] | tuple[tuple[str, float | None, str], ...] = DEFAULT_PLAN,
    seed: int = 5,
    crf: int = 20,
) -> list[Example]:
    """Write the examples of ``plan`` as H.264 mp4s (CRF ``crf``) into ``folder``; their list.

    ``plan`` rows are (scene, source height / target height or None for native, upscaler name);
    the scenes pan, the source is an ideal camera at the small size (see :mod:`lab.native`).
    """
    target = parse(size)
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    examples = []
    for name, fraction, method in plan:
        scene = scenes.get(name, seed=seed, motion="pan")
        if fraction is None:
            clip = native.render_clip(scene, target, frames, show_progress=False)
            label, h = f"{name}, native {target.width}x{target.height}", None
        else:
            if not 0 < fraction < 1:
                raise LabError(f"a source height fraction must lie between 0 and 1, got {fraction}")
            h = int(round(target.height * fraction))
            w = int(round(h * target.width / target.height / 2)) * 2
            clip = native.upscaled_clip(scene, target, Resolution(w, h), method, frames, show_progress=False)
            label = f"{name}, {method} from {h}p"
        path = video.write_mp4(
            clip, out_dir / f"{label.replace(', ', '_').replace(' ', '_')}.mp4", crf=crf, show_progress=False
        )
        examples.append(Example(label, path, name, method, h))
    return examples
