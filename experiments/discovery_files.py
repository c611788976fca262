"""The files of a scenario discovery: its directory, tables, figures and Markdown report.

`write_discovery(discovery, out)` writes, whole (into a hidden staging directory beside `out`,
renamed into place once every file is written: `sim.outputs.staged_directory`), replacing a
previous discovery there:

- `trajectory.csv`: PRIM's peeling trajectory (box id, coverage, density, mass, res_dim, n, k);
- `box.csv`: the chosen box: each restricted parameter's limits, the sweep's range, quasi-p values;
- `cart_leaves.csv`: CART's leaves, densest first, with their rules;
- `tradeoff.png`, `box.png`, `cart_tree.png` (unless figures are off) and `discovery.md`.

`out` may be missing, empty or hold a previous discovery (its `discovery.md` and only files a
discovery writes); anything else is a ConfigError before anything is written. The default is
`DIR/discovery/<condition>` (the condition's characters other than letters and digits become `_`;
`caucasus verify` accepts a `discovery/` in a sweep directory).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from experiments.analysis_files import write_file
from experiments.discovery import MASS_MIN, PASTE_ALPHA, PEEL_ALPHA, Discovery
from experiments.formatting import number
from sim.errors import ConfigError, MachineError
from sim.outputs import staged_directory

REPORT = "discovery.md"
TABLES = ("trajectory.csv", "box.csv", "cart_leaves.csv")
FIGURES = ("tradeoff.png", "box.png", "cart_tree.png")
WRITE = "write the discovery"
SIGNIFICANT = 0.05  # quasi-p above which the report flags a restriction as weak (Bryant & Lempert 2010)
TREE_DEPTH_SHOWN = 3  # levels of the CART tree drawn (the leaves table has them all): judgement, for legibility


def default_out(directory: Path, condition: str) -> Path:
    """`DIR/discovery/<condition>`, every run of characters other than letters and digits as `_`."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", condition).strip("_")[:60] or "condition"
    return Path(directory) / "discovery" / slug


def check_out(out_dir: Path) -> None:
    """Refuse an `out_dir` that is a file or a link, or holds anything but a previous discovery."""
    if out_dir.name in ("", "..", "."):
        raise ConfigError(str(out_dir), None, "names no directory of its own; choose another --out")
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), None, "is a file or a symbolic link; choose another --out")
    try:
        held = list(out_dir.iterdir()) if out_dir.is_dir() else []
    except OSError as error:
        raise MachineError.from_os_error(out_dir, "read the output directory", error) from None
    known = {REPORT, *TABLES, *FIGURES}
    names = {entry.name for entry in held}
    if held and not (REPORT in names and names <= known and all(e.is_file() and not e.is_symlink() for e in held)):
        raise ConfigError(str(out_dir), None, "holds files that are not a discovery; choose another --out")


def write_discovery(discovery: Discovery, out_dir: Path, *, figures: bool = True) -> tuple[Path, ...]:
    """Write the tables, figures and report into `out_dir` (whole, or nothing); the paths written."""
    out_dir = Path(out_dir)
    check_out(out_dir)
    with staged_directory(out_dir, WRITE, name_files=True, check=lambda: check_out(out_dir)) as staging:
        names = [
            write_file(staging / "trajectory.csv", lambda p: discovery.trajectory.to_csv(p, index=False)).name,
            write_file(staging / "box.csv", lambda p: discovery.box.to_csv(p, index=False)).name,
            write_file(staging / "cart_leaves.csv", lambda p: discovery.leaves.to_csv(p, index=False)).name,
        ]
        if figures:
            names += [path.name for path in _write_figures(discovery, staging)]
        written = [out_dir / name for name in names]
        write_file(staging / REPORT, lambda p: p.write_text(report_markdown(discovery, written), "utf-8"))
    return (*written, out_dir / REPORT)


def _write_figures(discovery: Discovery, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    paths = []
    figure = discovery.prim_box.show_tradeoff(annotated=False)
    stats = discovery.chosen_stats
    axes = figure.axes[0]
    axes.scatter([stats["coverage"]], [stats["density"]], s=160, facecolors="none", edgecolors="red", linewidths=2)
    axes.annotate(
        f"chosen: box {discovery.chosen}",
        (stats["coverage"], stats["density"]),
        xytext=(8, 8),
        textcoords="offset points",
    )
    axes.set_title(f"PRIM trade-off: {discovery.condition.text}")
    paths.append(_save(figure, out_dir / "tradeoff.png"))
    if len(discovery.box):
        boxes = discovery.prim_box.inspect(discovery.chosen, style="graph")
        figure = boxes[0] if isinstance(boxes[0], plt.Figure) else plt.gcf()
        figure.suptitle(f"Chosen box {discovery.chosen}: {discovery.condition.text}")
        paths.append(_save(figure, out_dir / "box.png"))
    figure, axes = plt.subplots(figsize=(24, 9))
    plot_tree(
        discovery.tree,
        feature_names=discovery.feature_names,
        class_names=["no", "yes"],
        filled=True,
        max_depth=TREE_DEPTH_SHOWN,
        fontsize=7,
        ax=axes,
        impurity=False,
        proportion=True,
    )
    axes.set_title(f"CART (first {TREE_DEPTH_SHOWN} levels): {discovery.condition.text}")
    paths.append(_save(figure, out_dir / "cart_tree.png"))
    return paths


def _save(figure: object, path: Path) -> Path:
    import matplotlib.pyplot as plt

    try:
        figure.savefig(path, dpi=110, bbox_inches="tight")
    except OSError as error:
        raise MachineError.from_os_error(path, WRITE, error) from None
    finally:
        plt.close(figure)
    return path


def summary_text(discovery: Discovery) -> str:
    """What was found, in a few lines for the terminal."""
    cases, runs = int(discovery.cases.sum()), len(discovery.cases)
    stats = discovery.chosen_stats
    lines = [
        f"Scenario discovery: {discovery.sweep.name}, condition {discovery.condition.text!r}",
        f"  holds in {cases:,} of {runs:,} runs ({cases / runs:.1%})",
        f"  PRIM: {len(discovery.trajectory)} boxes on the peeling trajectory; chosen box {discovery.chosen}: "
        f"coverage {stats['coverage']:.1%}, density {stats['density']:.1%}, mass {stats['mass']:.1%}, "
        f"{int(stats['res_dim'])} restricted parameter(s)",
    ]
    for row in discovery.box.itertuples():
        lines.append(f"    {row.parameter}: {number(row.box_min)} .. {number(row.box_max)}  {_qp_text(row)}")
    top = discovery.leaves.iloc[0]
    lines.append(
        f"  CART: {len(discovery.leaves)} leaves; densest: {top['rule']} "
        f"(density {top['density']:.1%}, coverage {top['coverage']:.1%})"
    )
    return "\n".join(lines)


def _qp_text(row: object) -> str:
    values = [
        f"{side} qp {value:.2g}" for side, value in (("lower", row.qp_lower), ("upper", row.qp_upper)) if value == value
    ]
    weak = any(value > SIGNIFICANT for value in (row.qp_lower, row.qp_upper) if value == value)
    return "(" + ", ".join(values) + (", weak" if weak else "") + ")"


def report_markdown(discovery: Discovery, files: Sequence[Path]) -> str:
    """`discovery.md`: the condition, PRIM's trade-off and chosen box, CART's leaves, the figures."""
    sweep, stats = discovery.sweep, discovery.chosen_stats
    cases, runs = int(discovery.cases.sum()), len(discovery.cases)
    parts = [
        f"# Scenario discovery: {sweep.name}",
        f"Condition `{discovery.condition.text}` holds in {cases:,} of {runs:,} runs ({cases / runs:.1%}); "
        f"sweep `{sweep.directory}`, {len(sweep.parameters)} parameters, every run a row.",
        "## PRIM",
        f"EMA Workbench PRIM, peel_alpha {PEEL_ALPHA}, paste_alpha {PASTE_ALPHA}, mass_min {MASS_MIN}. "
        f"Chosen box {discovery.chosen} of {len(discovery.trajectory)}: coverage {stats['coverage']:.1%} "
        f"(the share of the runs where the condition holds that lie in the box), density {stats['density']:.1%} "
        f"(the share of the runs in the box where it holds; {cases / runs:.1%} over the whole sweep), "
        f"mass {stats['mass']:.1%} of the runs, {int(stats['res_dim'])} restricted parameter(s).",
        box_markdown(discovery.box),
        f"Quasi-p values (Bryant & Lempert 2010): a restriction with a value above {SIGNIFICANT} adds little.",
        "### Peeling trajectory",
        markdown_table(
            discovery.trajectory[["id", "coverage", "density", "mass", "res_dim"]].astype({"id": int, "res_dim": int})
        ),
        "## CART",
        f"scikit-learn's decision tree through the EMA Workbench, leaves of at least {MASS_MIN:.0%} of the runs, "
        "densest first.",
        markdown_table(discovery.leaves[["rule", "coverage", "density", "mass"]]),
        "## Files",
        "\n".join(f"- `{path.name}`" for path in files),
        *[f"![{path.stem}]({path.name})" for path in files if path.suffix == ".png"],
    ]
    return "\n\n".join(parts) + "\n"


def box_markdown(box: pd.DataFrame) -> str:
    """The chosen box as a Markdown table (one row per restricted parameter)."""
    if box.empty:
        return "The chosen box restricts no parameter (it holds every run)."
    shown = box.rename(
        columns={
            "box_min": "box min",
            "box_max": "box max",
            "sweep_min": "sweep min",
            "sweep_max": "sweep max",
            "qp_lower": "qp lower",
            "qp_upper": "qp upper",
        }
    )
    return markdown_table(shown)


def markdown_table(frame: pd.DataFrame) -> str:
    """A frame as a Markdown table (missing numbers empty)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(_cell(value) for value in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if value != value else number(value)
    return str(value).replace("|", "\\|")
