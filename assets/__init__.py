"""Small files shipped inside the package as ``lab.assets``: the trained model weights and their cards.

The top-level ``assets/`` folder of the repository is installed as this package (see
``[tool.setuptools.package-dir]`` in pyproject.toml); code finds it through
:data:`lab.models.weights.MODELS_DIR`.
"""
