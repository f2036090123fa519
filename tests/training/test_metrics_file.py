"""metrics.jsonl: strict JSON lines, repaired to agree with the checkpoint a run resumes from."""

import json

from tfavi.training import metrics_file


def _record(epoch, nelbo=1.5):
    return {"epoch": epoch, "step": 5 * epoch, "train": {"nelbo": nelbo}, "val": {"nelbo": 2.0}}


def test_non_finite_values_are_written_as_null_with_the_reason(tmp_path):
    metrics_file.append(str(tmp_path), _record(1, nelbo=float("nan")))
    line = (tmp_path / "metrics.jsonl").read_text()
    record = json.loads(line, parse_constant=lambda token: 1 / 0)  # Rejects NaN/Infinity.
    assert record["train"]["nelbo"] is None and "train.nelbo=nan" in record["reason"]


def test_reconcile_drops_records_past_the_checkpoint_and_truncated_lines(tmp_path, capsys):
    lines = [json.dumps(_record(e)) for e in (1, 2, 3)]
    text = "\n".join(lines[:2]) + "\n" + lines[2][:20]  # The last write was cut short.
    (tmp_path / "metrics.jsonl").write_text(text)
    warnings = metrics_file.reconcile(str(tmp_path), step=5)
    assert (tmp_path / "metrics.jsonl").read_text() == lines[0] + "\n"
    assert len(warnings) == 2 and "past the checkpoint" in capsys.readouterr().out
    rejected = (tmp_path / "metrics.rejected.jsonl").read_text().splitlines()
    assert rejected == [lines[1], lines[2][:20]]


def test_reconcile_drops_garbled_lines_and_rewrites_bare_nan_tokens(tmp_path):
    good = json.dumps(_record(2))
    text = '{"epoch": 1, "step": 5, "train": {"nelbo": NaN}}\n\x00\x00garbled\n' + good + "\n"
    (tmp_path / "metrics.jsonl").write_text(text)
    metrics_file.reconcile(str(tmp_path), step=10)
    records = metrics_file.read(str(tmp_path))
    assert [r["epoch"] for r in records] == [1, 2]
    assert records[0]["train"]["nelbo"] is None and "reason" in records[0]
    assert "NaN" not in (tmp_path / "metrics.jsonl").read_text()


def test_reconcile_leaves_a_file_that_agrees_untouched(tmp_path):
    text = json.dumps(_record(1)) + "\n"
    (tmp_path / "metrics.jsonl").write_text(text)
    before = (tmp_path / "metrics.jsonl").stat().st_mtime_ns
    assert metrics_file.reconcile(str(tmp_path), step=5) == []
    assert (tmp_path / "metrics.jsonl").stat().st_mtime_ns == before
    assert not (tmp_path / "metrics.rejected.jsonl").exists()
