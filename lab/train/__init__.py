"""Training the small models that ship with the course: ``python -m lab.train <kind> [options]``.

Each kind is a module of this package (``-`` in the kind becomes ``_`` in the module name)
that defines ``add_arguments(parser)``, a frozen ``TrainConfig`` (its fields are the options,
``TrainConfig.from_args`` reads a parsed command line) and ``run(args)``, which takes the parsed
command line or a ``TrainConfig``:

* ``texture``: the pixel-space texture diffusion model of :mod:`lab.diffusion`
  (:mod:`lab.train.texture`);
* ``sr`` and ``diffusion-sr``: the learned and generative upscalers of :mod:`lab.models`.

Every trainer shows a progress bar with the running loss and writes its weights as
``.safetensors`` plus a model card into ``assets/models/``. Modules whose name starts with ``_``
hold what the trainers share (the learning-rate schedule, the loss bar, the upscalers' data and
card); they are not kinds.

>>> "texture" in kinds()
True
"""

from __future__ import annotations

import pkgutil


def kinds() -> list[str]:
    """Names of the available training kinds (module names with ``_`` shown as ``-``).

    Discovered by listing this package, so a trainer module works as soon as it exists.
    """
    names = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        names.append(info.name.replace("_", "-"))
    return sorted(names)


def module_name(kind: str) -> str:
    """Import path of the trainer for ``kind``: ``'diffusion-sr'`` -> ``'lab.train.diffusion_sr'``."""
    return f"{__name__}.{kind.replace('-', '_')}"
