"""etc/'s samples are what the code declares: regenerated, they must not change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLES = {
    "tricircle.conf.sample": [
        "oslo-config-generator", "--namespace", "tricircle", "--namespace", "oslo.policy",
    ],
    "policy.yaml.sample": ["oslopolicy-sample-generator", "--namespace", "tricircle"],
}  # fmt: skip


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_the_sample_is_current(sample: str, tmp_path: Path) -> None:
    command, *args = SAMPLES[sample]
    made = tmp_path / sample
    subprocess.run([BIN / command, *args, "--output-file", made], check=True)
    assert made.read_text() == (ROOT / "etc" / sample).read_text(), (
        f"etc/{sample} is out of date: regenerate it with `{' '.join(SAMPLES[sample])} "
        f"--output-file etc/{sample}`"
    )
