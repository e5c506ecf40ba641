"""Shared fixtures: the CLI binary the package is compared with, and a scratch folder."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _cli() -> Path:
    """The nqpsim binary: $NQPSIM_BIN, else one cargo built in this checkout, else built now."""
    if os.environ.get("NQPSIM_BIN"):
        return Path(os.environ["NQPSIM_BIN"])
    for profile in ("ci", "release", "debug"):
        exe = REPO / "target" / profile / "nqpsim"
        if exe.is_file():
            return exe
    subprocess.run(["cargo", "build", "--quiet", "--bin", "nqpsim"], cwd=REPO, check=True)
    return REPO / "target" / "debug" / "nqpsim"


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI with the given arguments; returns the completed process."""
    exe = _cli()

    def run(*args, cwd=None, check=True):
        return subprocess.run(
            [str(exe), *map(str, args)], cwd=cwd, capture_output=True, text=True, check=check
        )

    return run


@pytest.fixture
def scenarios():
    return REPO / "scenarios"
