"""The contributor tooling stays usable: every planted bug in tools/mutations.py can still be planted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_mutation_pattern_occurs_exactly_once():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "mutations.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bugs can be planted" in done.stdout
