"""scripts/setup.sh picks a Python quietly, even where pyenv shims name versions not installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_pyenv_shim_for_a_missing_python_is_skipped_without_noise(tmp_path: Path) -> None:
    for name in ("python3.13", "python3.12"):  # as pyenv's shims answer for missing versions
        shim = tmp_path / name
        shim.write_text(f'#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n')
        shim.chmod(0o755)
    script = (ROOT / "scripts/setup.sh").read_text()
    function = script[
        script.index("python_bin() {") : script.index("\n}\n", script.index("python_bin() {")) + 3
    ]
    result = subprocess.run(
        ["bash", "-c", f"{function}\npython_bin"],
        env={"PATH": f"{tmp_path}:/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    assert result.stdout.strip() in ("python3.11", "python3")
