"""Scenario discovery in the sweep explorer: PRIM's box for a condition on the opened sweep.

A small panel under the sweep's charts: a condition (as `caucasus discover DIR --outcome EXPR`
takes it, default `rupture`) and a Discover button, which runs `experiments.discovery.discover`
on the opened sweep (every run, whatever the parameter filters) and shows what it found: the
chosen PRIM box with its limits and quasi-p values, and CART's densest leaves. Nothing is
written; `caucasus discover` writes the full report with its figures. A bad condition shows the
command's message (the allowed columns).
"""

from __future__ import annotations

import solara

from experiments.discovery import Discovery, discover, outcome_columns
from experiments.discovery_files import box_markdown, markdown_table
from experiments.store import Sweep
from sim.errors import ConfigError
from viz.markdown import Markdown
from viz.tooltip import Hint

LEAVES_SHOWN = 3  # CART leaves shown in the panel, densest first (the command's report lists all)


def default_condition(sweep: Sweep) -> str:
    """`rupture` when the sweep kept it, else its first true/false outcome, else nothing."""
    columns = outcome_columns(sweep)
    flags = [c for c in columns if sweep.runs[c].dtype == bool]
    return "rupture" if "rupture" in flags else (flags[0] if flags else "")


def discovery_markdown(found: Discovery) -> str:
    """What the panel shows of a discovery: the counts, the chosen box and the densest CART leaves."""
    cases, runs, stats = int(found.cases.sum()), len(found.cases), found.chosen_stats
    return "\n\n".join(
        [
            f"`{found.condition.text}` holds in {cases:,} of {runs:,} runs ({cases / runs:.1%}).",
            f"**PRIM box {found.chosen}** of {len(found.trajectory)} on the peeling trajectory: "
            f"coverage {stats['coverage']:.1%}, density {stats['density']:.1%}, mass {stats['mass']:.1%}.",
            box_markdown(found.box),
            f"**CART**, the {LEAVES_SHOWN} densest of {len(found.leaves)} leaves:",
            markdown_table(found.leaves[["rule", "coverage", "density", "mass"]].head(LEAVES_SHOWN)),
        ]
    )


def run_discovery(sweep: Sweep, condition: str) -> tuple[str | None, str | None]:
    """The panel's Markdown and None, or None and the message of a bad condition."""
    try:
        return discovery_markdown(discover(sweep, condition)), None
    except ConfigError as error:
        return None, str(error)


@solara.component
def DiscoveryPanel(sweep: Sweep):
    """A condition, a Discover button, and the box found (or why there is none)."""
    condition, set_condition = solara.use_state(default_condition(sweep))
    result, set_result = solara.use_state((None, None))
    markdown, error = result

    with solara.Card("Scenario discovery: PRIM and CART (EMA Workbench)", margin=0) as card:
        solara.Text(
            "Where in parameter space does a condition hold? Over every run (the filters do not apply); "
            "`caucasus discover DIR --outcome EXPR` writes the full report with its figures."
        )
        with solara.Row(style={"align-items": "center"}):
            field = solara.InputText(
                "Condition", value=condition, on_value=set_condition, classes=["discover-condition"]
            )
            Hint(
                'An outcome condition, e.g. rupture or corridor_arrangement == "neutral_operator"',
                field,
                "top",
                "flex-grow: 1",
            )
            button = solara.Button(
                "Discover",
                on_click=lambda: set_result(run_discovery(sweep, condition)),
                color="primary",
                classes=["discover-run"],
            )
            Hint("Run PRIM and CART on the opened sweep and show the box found", button, "top")
        if error:
            solara.Error(error, classes=["discover-error"])
        if markdown:
            Markdown(markdown, classes=["discover-box"])
    return card
