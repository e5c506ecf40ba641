"""nqpsim from Python: the engine of the ``nqpsim`` CLI, with results as Arrow tables.

Every table is an :class:`nqpsim.Table`, which exports itself through the Arrow PyCapsule
interface (``__arrow_c_stream__``): ``pyarrow.table(t)``, ``polars.DataFrame(t)`` and
``t.to_pandas()`` read it. Its values are those of the CSV file the CLI writes for the same
scenario, seed and overrides, whatever the number of threads.

>>> import nqpsim
>>> t = nqpsim.run(steps=5, firms=500, replicates=2)
>>> t.num_rows  # 2 replicates x 6 steps x (3 sectors + all)
48
"""

from __future__ import annotations

import json
import numbers
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from . import _nqpsim
from ._errors import Error, InputError, RunError, ScenarioError
from ._nqpsim import Table

__all__ = [
    "Error",
    "InputError",
    "Results",
    "RunError",
    "ScenarioError",
    "Table",
    "check",
    "compare",
    "convert",
    "facts",
    "load",
    "run",
    "sweep",
]
__version__ = _nqpsim.__version__

PathLike = Union[str, "os.PathLike[str]"]


def _toml_value(value: Any) -> str:
    """The text of a ``--set PATH=VALUE`` value for a Python value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):  # also numpy's integers
        return str(int(value))
    if isinstance(value, numbers.Real):  # also numpy's floats (np.float64's repr is not TOML)
        return repr(float(value))  # the shortest text that reads back to the same double
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(
            json.dumps(v) if isinstance(v, str) else _toml_value(v) for v in value
        ) + "]"
    return str(value)


def _overrides(
    set: Optional[Mapping[str, Any]],
    steps: Optional[int] = None,
    firms: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
) -> list:
    """The overrides in the CLI's order: the size flags, then every ``set`` entry."""
    out = [
        f"--{flag} {value}"
        for flag, value in (
            ("steps", steps),
            ("firms", firms),
            ("replicates", replicates),
            ("seed", seed),
        )
        if value is not None
    ]
    out += [f"{path}={_toml_value(value)}" for path, value in (set or {}).items()]
    return out


def _path(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def run(
    scenario: Optional[PathLike] = None,
    set: Optional[Mapping[str, Any]] = None,
    *,
    steps: Optional[int] = None,
    firms: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> Table:
    """Run a scenario (a TOML file; the embedded baseline if ``None``) and return its
    trajectories, as ``nqpsim run`` writes them to ``trajectories.csv``.

    ``set`` maps scenario field paths to values, as ``--set PATH=VALUE`` does
    (``{"policy.rd_subsidy.traditional": 0.3}``); ``steps``, ``firms``, ``replicates`` and
    ``seed`` are the CLI's flags of the same names. Nothing is written to disk. The run
    holds no GIL; Ctrl-C stops it at the next step boundary and raises ``KeyboardInterrupt``.

    The returned table has three more attributes: ``decomposition`` (the table of
    ``decomposition.csv``), ``regions`` (the table of ``regions.csv`` where the scenario has
    model 2's regions, else ``None``) and ``info`` (a dict: scenario name and files,
    overrides, threads, wall time).
    """
    trajectories, decomposition, regions, info = _nqpsim.run(
        _path(scenario), _overrides(set, steps, firms, replicates, seed), threads
    )
    return _RunTable(trajectories, decomposition, regions, json.loads(info))


class _RunTable:
    """The trajectories of a run, with its decomposition, regions and facts (see :func:`run`)."""

    def __init__(self, table: Table, decomposition: Table, regions: Optional[Table], info: dict):
        self._table = table
        self.decomposition = decomposition
        self.regions = regions
        self.info = info

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self):
        return self._table.__arrow_c_schema__()

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return repr(self._table)

    def __getattr__(self, name: str):
        return getattr(self._table, name)


def check(scenario: Optional[PathLike] = None, set: Optional[Mapping[str, Any]] = None) -> dict:
    """Validate a scenario (the embedded baseline if ``None``) and return it resolved, with
    every default written out, as a dict (what ``nqpsim check`` prints, as TOML)."""
    return json.loads(_nqpsim.check(_path(scenario), _overrides(set)))


class Results:
    """What an nqpsim output folder holds: ``tables`` (name without extension -> Table),
    ``manifest`` (the parsed ``manifest.json``, or ``None``) and ``folder``. A table is also
    an attribute (``r.summary``) and an item (``r["summary"]``)."""

    def __init__(self, folder: Path, manifest: Optional[dict], tables: dict):
        self.folder = folder
        self.manifest = manifest
        self.tables = tables

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def __getattr__(self, name: str) -> Table:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"nqpsim.Results({str(self.folder)!r}: {', '.join(self.tables)})"


def load(folder: PathLike) -> Results:
    """Read any folder nqpsim wrote (run, sweep, merge, compare, facts): every table in it
    (the Parquet twin of a CSV file where ``nqpsim convert`` wrote one) and its manifest."""
    folder = Path(folder)
    manifest, tables = _nqpsim.load_folder(os.fspath(folder))
    return Results(folder, None if manifest is None else json.loads(manifest), dict(tables))


def sweep(
    plan: Union[PathLike, Mapping[str, Any]],
    out: PathLike = "output",
    *,
    set: Optional[Mapping[str, Any]] = None,
    steps: Optional[int] = None,
    firms: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    force: bool = False,
    resume: bool = False,
    summary_only: bool = False,
    parquet: bool = False,
) -> Results:
    """Run a sweep plan, as ``nqpsim sweep PLAN --out OUT``, and :func:`load` its folder.

    ``plan`` is a plan file or a dict with the plan file's keys (relative paths in it are read
    from the current folder; a dict needs a ``name``). ``parquet=True`` also writes the
    Parquet twins of its CSV files (``nqpsim convert``)."""
    if isinstance(plan, Mapping):
        name = plan.get("name")
        if not name:
            raise InputError("a sweep plan given as a dict needs a `name`")
        text = _nqpsim.json_to_toml(json.dumps(dict(plan)))
        # in the current folder, so that its relative paths read as the user wrote them
        with tempfile.NamedTemporaryFile(
            "w", suffix=".toml", prefix=f".{name}-", dir=".", delete=False
        ) as f:
            f.write(text)
        try:
            folder = _nqpsim.sweep(
                f.name,
                _overrides(set, steps, firms, replicates, seed),
                threads,
                os.fspath(out),
                force,
                resume,
                summary_only,
            )
        finally:
            os.unlink(f.name)
    else:
        folder = _nqpsim.sweep(
            os.fspath(plan),
            _overrides(set, steps, firms, replicates, seed),
            threads,
            os.fspath(out),
            force,
            resume,
            summary_only,
        )
    if parquet:
        _nqpsim.convert(os.fspath(folder))
    return load(folder)


def compare(
    base: Optional[PathLike],
    policy: PathLike,
    out: PathLike = "output",
    *,
    set: Optional[Mapping[str, Any]] = None,
    steps: Optional[int] = None,
    firms: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    force: bool = False,
    discount_rate: float = 0.03,
    level: float = 0.95,
    bootstrap: int = 2000,
) -> Results:
    """Paired effects of ``policy`` against ``base`` (``None``: the embedded baseline), as
    ``nqpsim compare BASE POLICY --out OUT``; returns the comparison's folder, loaded:
    ``effects``, ``fiscal``, ``region_effects`` where both sides have model 2's regions, and
    the manifest. Either side may be a run's folder."""
    folder = _nqpsim.compare(
        _path(base),
        os.fspath(policy),
        _overrides(set, steps, firms, replicates, seed),
        threads,
        os.fspath(out),
        force,
        discount_rate,
        level,
        bootstrap,
    )
    return load(folder)


def facts(
    source: Optional[PathLike] = None,
    out: PathLike = "output",
    *,
    set: Optional[Mapping[str, Any]] = None,
    steps: Optional[int] = None,
    firms: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    force: bool = False,
    bands: Optional[PathLike] = None,
) -> Table:
    """The stylized facts of a scenario's firms (``nqpsim facts``): runs ``source`` (a
    scenario file, the embedded baseline if ``None``) or reads a ``run --panel all`` folder,
    writes ``facts.csv`` into its folder and returns it."""
    folder = _nqpsim.facts(
        _path(source),
        _overrides(set, steps, firms, replicates, seed),
        threads,
        os.fspath(out),
        force,
        _path(bands),
    )
    return load(folder)["facts"]


def convert(folder: PathLike) -> list:
    """Write the Parquet (zstd) twin of every CSV file of a finished output folder, as
    ``nqpsim convert``; returns ``[(csv, parquet, rows, csv_bytes, parquet_bytes)]``."""
    return _nqpsim.convert(os.fspath(folder))
