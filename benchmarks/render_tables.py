"""Markdown tables from the committed results files, and nothing else.

    python benchmarks/render_tables.py                    # every table, then the presets
    python benchmarks/render_tables.py --tables=ggm_mnist
    python benchmarks/render_tables.py --readme           # rewrites README.md's tables

For each table: mean ± std over seeds of the test log p(x) (K = 1000) and ELBO beside the
paper's numbers, one line per model saying whether it beats the baseline by more than the
seed spread, the validation ELBO reached after given training minutes or epochs (learning
curves), and every cell with its epochs, minutes and commit; then one row per preset shipped
in `tfavi/presets/` with the scores of its metadata. Pure Python: reads `benchmarks/results/`
and the presets' `metadata.json`.
"""

import json
import os
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks import results_file  # noqa: E402
from benchmarks.paper_tables import TABLES, PaperTable  # noqa: E402

PRESETS_DIR = str(pathlib.Path(__file__).resolve().parents[1] / "tfavi" / "presets")
README = str(pathlib.Path(__file__).resolve().parents[1] / "README.md")
README_BEGIN = "<!-- tables: written by `python benchmarks/render_tables.py --readme` -->"
README_END = "<!-- end of the written tables -->"
CURVE_BUDGETS = {
    "minutes": (5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480),
    "epoch": (1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300),
}
CURVE_HEADINGS = {
    "minutes": ("Validation ELBO reached within a training time", "minutes", "train_minutes"),
    "epoch": ("Validation ELBO reached within a number of epochs", "epochs", "epochs"),
}
"""Per `PaperTable.curve_by`: the heading, the budget column and the cell's field of its length."""


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value)."""
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def model_cells(table: PaperTable, cells: dict, model: str) -> list[dict]:
    """The model's finished cells, in seed order."""
    return [cells[k] for k in table.cells() if k in cells and cells[k]["model"] == model]


def render(table: PaperTable, cells: dict) -> str:
    """The table's Markdown: summary, verdicts, learning curves and cells."""
    sections = [
        f"### {table.title}",
        summary_table(table, cells),
        "\n".join(verdicts(table, cells)),
        curve_table(table, cells),
        cell_table(table, cells),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def summary_table(table: PaperTable, cells: dict) -> str:
    lines = [
        f"| model | seeds | test log p(x), K={table.num_importance_samples} | test ELBO "
        "| paper log p(x) / ELBO | epochs | train min per seed |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in table.models:
        done = model_cells(table, cells, model)
        lines.append(
            f"| `{model}` | {len(done)} of {len(table.seeds)} | "
            f"{_mean_std_text(done, 'test_log_px')} | {_mean_std_text(done, 'test_elbo')} | "
            f"{_paper_text(table.paper.get(model))} | {_range_text(done, 'epochs', '{:d}')} | "
            f"{_range_text(done, 'train_minutes', '{:.0f}')} |"
        )
    used = sorted({tuple(c["overrides"]) for c in cells.values()}) or [table.overrides]
    recipe = "; ".join(", ".join(o) or "none" for o in used)
    lines.append(
        f"\nPaper: {table.source}. Recipe overrides of the cells: {recipe}. Command of a "
        f"cell: `python {table.script} --cell=<model>/seed<k>`."
    )
    return "\n".join(lines)


def verdicts(table: PaperTable, cells: dict) -> list[str]:
    """Whether each model beats the baseline's log p(x) by more than the seed spread (the
    sum of the two standard deviations, i.e. the mean ± std intervals do not overlap)."""
    base = [c["test_log_px"] for c in model_cells(table, cells, table.baseline)]
    lines = []
    for model in table.models:
        if model == table.baseline:
            continue
        ours = [c["test_log_px"] for c in model_cells(table, cells, model)]
        if len(ours) < 2 or len(base) < 2:
            lines.append(
                f"- `{model}` against `{table.baseline}`: not yet known (needs at least two "
                "seeds of each)."
            )
            continue
        (m, s), (mb, sb) = mean_std(ours), mean_std(base)
        gain, spread = m - mb, s + sb
        if gain > spread:
            verdict = "beats `{}` by more than the seed spread"
        elif gain > 0:
            verdict = "is ahead of `{}` by no more than the seed spread"
        else:
            verdict = "does not beat `{}`"
        lines.append(
            f"- `{model}` {verdict.format(table.baseline)}: log p(x) {gain:+.2f} nats, seed "
            f"spread {spread:.2f} (std {s:.2f} + {sb:.2f})."
        )
    return lines


def curve_table(table: PaperTable, cells: dict) -> str:
    """Mean over seeds of the best validation ELBO reached within each budget of training
    minutes or epochs (`table.curve_by`)."""
    heading, column, length = CURVE_HEADINGS[table.curve_by]
    longest = max((c[length] for c in cells.values()), default=0.0)
    budgets = [t for t in CURVE_BUDGETS[table.curve_by] if t <= longest]
    budgets = budgets or ([longest] if cells else [])
    if not budgets:
        return ""
    lines = [
        f"{heading} (mean over seeds):\n",
        f"| {column} | " + " | ".join(f"`{m}`" for m in table.models) + " |",
        "|---|" + "---|" * len(table.models),
    ]
    for budget in budgets:
        row = []
        for model in table.models:
            reached = [
                _best_within(c["curve"], table.curve_by, budget)
                for c in model_cells(table, cells, model)
            ]
            reached = [r for r in reached if r is not None]
            row.append(f"{statistics.mean(reached):.2f}" if reached else "")
        lines.append(f"| {budget:g} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def cell_table(table: PaperTable, cells: dict) -> str:
    lines = [
        "| cell | test log p(x) | test ELBO | images | epochs | train min | commit | date |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in table.cells():
        if key in cells:
            c = cells[key]
            lines.append(
                f"| {key} | {c['test_log_px']:.2f} | {c['test_elbo']:.2f} | {c['examples']:,} | "
                f"{c['epochs']} | {c['train_minutes']:.1f} | {c['git_commit'][:7]} | "
                f"{c['date'][:10]} |"
            )
        else:
            lines.append(f"| {key} | to do | | | | | | |")
    return "\n".join(lines)


def preset_table(presets_dir: str = PRESETS_DIR) -> str:
    """One row per shipped preset (a folder with `metadata.json`): its training and scores."""
    lines = [
        "| preset | data set | recipe | seed | epochs | train min | test ELBO "
        "| test log p(x) (K) | test images |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    names = sorted(os.listdir(presets_dir)) if os.path.isdir(presets_dir) else []
    for name in names:
        path = os.path.join(presets_dir, name, "metadata.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            m = json.load(f)
        metrics = m["metrics"]
        lines.append(
            f"| `{name}` | {m['dataset']} | `configs/{m['recipe']}.py` | {m['seed']} | "
            f"{m['epochs']} | {m['train_minutes']:.0f} | {metrics['test_elbo']:.2f} | "
            f"{metrics['test_log_px']:.2f} ({metrics['num_importance_samples']}) | "
            f"{metrics['test_examples']:,} |"
        )
    return "\n".join(lines) if len(lines) > 2 else "No trained preset is shipped yet."


def _best_within(curve: list[dict], axis: str, budget: float):
    values = [p["val_elbo"] for p in curve if p[axis] <= budget and p["val_elbo"] is not None]
    return max(values) if values else None


def _mean_std_text(done: list[dict], field: str) -> str:
    """Mean ± std over the seeds done; one seed has no spread to show."""
    if len(done) < 2:
        return f"{done[0][field]:.2f}" if done else "—"
    mean, std = mean_std([c[field] for c in done])
    return f"{mean:.2f} ± {std:.2f}"


def _range_text(done: list[dict], field: str, spec: str) -> str:
    values = sorted(c[field] for c in done)
    if not values:
        return "—"
    low, high = spec.format(values[0]), spec.format(values[-1])
    return low if low == high else f"{low}–{high}"


def _paper_text(numbers) -> str:
    if numbers is None:
        return "not reported"
    return " / ".join("—" if n is None else f"{n:.2f}" for n in numbers)


def all_tables(names=tuple(TABLES)) -> str:
    """The tables `names`, then the presets table."""
    tables = [render(TABLES[n], results_file.read_cells(TABLES[n].results_path)) for n in names]
    return "\n".join([*tables, f"### Trained presets\n\n{preset_table()}\n"])


def with_tables(readme: str, tables: str) -> str:
    """`readme` with the text between `README_BEGIN` and `README_END` replaced by `tables`."""
    head, begin, rest = readme.partition(README_BEGIN)
    _, end, tail = rest.partition(README_END)
    if not begin or not end:
        raise SystemExit(f"{README} lacks the lines {README_BEGIN!r} and {README_END!r}.")
    return f"{head}{README_BEGIN}\n\n{tables}\n{README_END}{tail}"


def main(argv: list[str]) -> None:
    names, readme = list(TABLES), False
    for arg in argv:
        if arg.startswith("--tables="):
            names = arg.split("=", 1)[1].split(",")
        elif arg == "--readme":
            readme = True
        else:
            raise SystemExit(
                f"Unknown argument {arg!r}; usage: render_tables.py [--tables=a,b] [--readme]"
            )
    tables = all_tables(names)
    if not readme:
        print(tables, end="")
        return
    with open(README) as f:
        text = with_tables(f.read(), tables)
    with open(f"{README}.tmp", "w") as f:
        f.write(text)
    os.replace(f"{README}.tmp", README)
    print(f"Rewrote the tables of {README}.")


if __name__ == "__main__":
    main(sys.argv[1:])
