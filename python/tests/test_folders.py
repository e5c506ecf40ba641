"""Commands that write folders (`sweep`, `compare`, `facts`), `load`, and Parquet twins."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import nqpsim

PLAN = {
    "name": "tiny-grid",
    "scenario": "builtin:baseline",
    "replicates": 2,
    "seed": 5,
    "design": "grid",
    "axis": [
        {"path": "policy.rd_subsidy.traditional", "values": [0.0, 0.4]},
        {"path": "policy.targeting", "values": ["inclusive", "selective"]},
    ],
}
SIZE = dict(steps=4, firms=300)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_sweep_given_as_a_dict_writes_the_folder_the_cli_writes_for_its_file(cli, in_tmp):
    r = nqpsim.sweep(PLAN, out="py", **SIZE)
    assert r.manifest["command"] == "sweep"
    assert r.points.num_rows == 4
    assert r.trajectories.num_rows == 4 * 2 * (SIZE["steps"] + 1) * 4
    plan = in_tmp / "tiny-grid.toml"
    plan.write_text(nqpsim._nqpsim.json_to_toml(__import__("json").dumps(PLAN)))
    cli("sweep", plan, "--out", "cli", "--steps", "4", "--firms", "300", "--quiet")
    for name in ("points", "trajectories", "decomposition", "summary"):
        assert (in_tmp / "py/tiny-grid" / f"{name}.csv").read_bytes() == (
            in_tmp / "cli/tiny-grid" / f"{name}.csv"
        ).read_bytes(), name
    assert not list(in_tmp.glob(".tiny-grid-*.toml")), "the temporary plan file is removed"


def test_a_parquet_sweep_reads_back_equal_to_its_csv_twin(in_tmp):
    r = nqpsim.sweep(PLAN, out="out", parquet=True, **SIZE)
    folder = in_tmp / "out/tiny-grid"
    for name in ("points", "trajectories", "decomposition", "summary"):
        csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
        assert parquet.is_file()
        from_csv = pd.read_csv(csv)
        from_parquet = pd.read_parquet(parquet)
        pd.testing.assert_frame_equal(from_parquet, from_csv, check_dtype=False, check_exact=True)
        # what load() returns is the Parquet file's table
        assert pa.table(r[name]).equals(pq.read_table(parquet))
    assert pq.ParquetFile(folder / "summary.parquet").metadata.row_group(0).column(0).compression == "ZSTD"


def test_a_rerun_removes_the_stale_parquet_twin(in_tmp):
    nqpsim.sweep(PLAN, out="out", parquet=True, **SIZE)
    nqpsim.sweep(PLAN, out="out", force=True, steps=3, firms=300)
    folder = in_tmp / "out/tiny-grid"
    assert not (folder / "trajectories.parquet").exists()
    assert nqpsim.load(folder).trajectories.num_rows == 4 * 2 * 4 * 4


def test_load_reads_a_folder_the_cli_wrote(cli, in_tmp):
    cli("run", "--steps", "3", "--firms", "200", "--out", "cli", "--quiet")
    r = nqpsim.load(in_tmp / "cli/baseline")
    assert r.manifest["command"] == "run"
    assert set(r.tables) == {"trajectories", "decomposition"}
    pd.testing.assert_frame_equal(
        r.trajectories.to_pandas(),
        pd.read_csv(in_tmp / "cli/baseline/trajectories.csv"),
        check_dtype=False,
        check_exact=True,
    )


def test_compare_returns_effects_and_fiscal_tables(in_tmp, scenarios):
    r = nqpsim.compare(None, scenarios / "digital-push.toml", out="out", replicates=3, **SIZE)
    assert r.folder.name == "baseline-vs-digital-push"
    assert r.manifest["command"] == "compare"
    effects = r.effects.to_pandas()
    assert {"metric", "effect", "lo", "hi"} <= set(effects.columns)
    assert r.fiscal.num_rows > 0
    assert "region_effects" not in r.tables  # the baseline has no regions


def test_compare_of_two_economies_with_regions_returns_their_region_effects(in_tmp, scenarios):
    questions = scenarios / "questions"
    r = nqpsim.compare(
        questions / "layout-differentiated.toml",
        questions / "layout-homogeneous.toml",
        out="out",
        replicates=2,
        **SIZE,
    )
    regions = r.region_effects.to_pandas()
    assert set(regions["region"]) == {"east", "central", "west", "northeast"}
    assert len(regions) == (SIZE["steps"] + 1) * 4 * 9


def test_facts_returns_the_facts_table(in_tmp):
    t = nqpsim.facts(out="out", replicates=2, steps=3, firms=300)
    assert "fact" in t.column_names and t.num_rows > 0


def test_load_of_a_folder_that_is_not_there_is_input_error(in_tmp):
    with pytest.raises(nqpsim.InputError, match="no such folder"):
        nqpsim.load("nowhere")
