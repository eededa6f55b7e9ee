"""Weight files of the models trained here: safetensors with the architecture in the metadata.

One reader and one writer, so every model reports a missing, damaged or foreign file the same
way and says how to get it back.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from lab.errors import LabError

if TYPE_CHECKING:
    import torch


def _models_dir() -> Path:
    """The folder of the trained weights and model cards: ``lab/assets/models`` of the installed package.

    The repository keeps them in its top-level ``assets/models/``, installed as the package
    ``lab.assets`` (editable installs map it back to the checkout). A checkout that is only on
    ``sys.path``, not installed, has no ``lab.assets``: its ``assets/models`` is used instead.
    """
    try:
        return Path(str(resources.files("lab.assets"))) / "models"
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "assets" / "models"


MODELS_DIR = _models_dir()
"""Where the trained weights (``*.safetensors``) and their model cards (``*.md``) live."""


def write_weights(
    module: torch.nn.Module, path: str | Path, metadata: dict[str, str], *, dtype: torch.dtype | None = None
) -> Path:
    """Save ``module``'s state dict with string ``metadata`` to ``path`` (written atomically).

    ``metadata["arch"]`` (or the key :func:`read_weights` is told to check) names the
    architecture. ``dtype`` casts the stored tensors (float16 halves the file; loading into
    a float32 module casts back).
    """
    from safetensors.torch import save_file

    from lab.files import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().to(dtype or v.dtype).contiguous() for k, v in module.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata=metadata)
    return path


def read_weights(
    path: str | Path, *, arch: str, retrain: str, arch_key: str = "arch"
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read (state dict, metadata) from a file written by :func:`write_weights` for ``arch``.

    ``retrain`` is the command that recreates the file; it goes into the error raised for a
    missing file. A damaged file, a folder, or a file whose ``metadata[arch_key]`` is not
    ``arch`` raises :class:`LabError` too.
    """
    from safetensors import safe_open

    path = Path(path)
    if path.is_dir():
        raise LabError(f"{path} is a directory; give the .safetensors file itself")
    if not path.is_file():
        raise LabError(
            f"{arch} weights not found at {path}; retrain them with `{retrain}` or restore the file from the repository"
        )
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error type for a damaged file
        raise LabError(f"cannot read {path} ({exc}); the file is damaged: restore it or retrain it") from exc
    if meta.get(arch_key) != arch:
        raise LabError(f"{path} is not a {arch} weight file ({arch_key}={meta.get(arch_key)!r})")
    return state, meta


def load_state(module: torch.nn.Module, state: dict[str, torch.Tensor], path: str | Path, arch: str) -> None:
    """``module.load_state_dict(state)``, reporting a shape mismatch as :class:`LabError`."""
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise LabError(f"{path} does not match the {arch} architecture: {exc}") from exc
