"""The what-if tab: branch the live run with a shock or a changed parameter, see both lines."""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.actors import ACTORS
from sim.cameo import APOLOGY
from sim.outcomes import OUTCOMES
from viz.charts import date_labels, whatif_option
from viz.clock import branch_text
from viz.controls import ACTION_LABELS, INLINE, KnobControl, tip
from viz.echarts import chart
from viz.live import KNOBS, action_label
from viz.markdown import Markdown
from viz.session import Session
from viz.tooltip import Hint
from viz.whatif import METRICS, ParameterChange, ShockChange, WhatIf

SHOCK, PARAMETER = "an extra shock", "a changed parameter"


@solara.component
def WhatIfPanel(session: Session, refresh: Callable[[], None], tick: solara.Reactive[int]):
    """Choose a change, branch from today, compare the two continuations."""
    _ = tick.value
    kind = solara.use_reactive(SHOCK)
    actor, target = solara.use_reactive("RUS"), solara.use_reactive("AZE")
    action = solara.use_reactive(action_label(APOLOGY))  # the act the article says never came
    knob = solara.use_reactive(KNOBS[0].label)
    value = solara.use_reactive(0.9)
    metric = solara.use_reactive(next(iter(METRICS)))
    live = session.live
    codes = [a.value for a in ACTORS]

    def run_branch() -> None:
        if kind.value == SHOCK:
            change = ShockChange(actor.value, target.value, ACTION_LABELS[action.value])
        else:
            keyword = next(k.keyword for k in KNOBS if k.label == knob.value)
            change = ParameterChange(keyword, value.value)
        session.branch(change)
        refresh()

    with solara.Card(
        "What if…",
        margin=0,
        subtitle=f"Branch {branch_text(live.model.config, live.day)}: the same seed runs on to the horizon "
        "with and without the change.",
        classes=["whatif-panel"],
    ):
        tip(
            "Branch with one more shock tomorrow, or with a parameter changed from tomorrow on.",
            solara.ToggleButtonsSingle(value=kind, values=[SHOCK, PARAMETER]),
            "top",
        )
        if kind.value == SHOCK:
            # One tooltip for the pair, beside it: above would cover the toggle, below the Action picker.
            pair = solara.Row(
                children=[
                    solara.Select("Actor", values=codes, value=actor),
                    solara.Select("Target", values=codes, value=target),
                ],
                style="width: 520px; max-width: 100%",
            )
            Hint("Who acts in the branch, and whom the act is aimed at.", pair, "right", "display: inline-block")
            tip("The act, with its Goldstein score.", solara.Select("Action", values=list(ACTION_LABELS), value=action))
        else:
            chosen = next(k for k in KNOBS if k.label == knob.value)

            def pick_parameter(label: str) -> None:  # start the slider at the run's current value
                knob.set(label)
                picked = next(k for k in KNOBS if k.label == label)
                value.set(picked.value_in(live.model.config))

            tip(
                "Which parameter the branch changes.",
                solara.Select("Parameter", values=[k.label for k in KNOBS], value=knob.value, on_value=pick_parameter),
            )
            tip(
                chosen.tooltip,
                KnobControl(chosen, "New value", value.value, value.set),
            )
        tip(
            "Replay the run to the last completed day twice, apply the change to one copy, run both on.",
            solara.Button("Branch now", on_click=run_branch, color="primary", classes=["branch-button"]),
            style=INLINE,
        )
    if session.whatif is not None:
        WhatIfResult(session.whatif, metric)


@solara.component
def WhatIfResult(whatif: WhatIf, metric: solara.Reactive[str]):
    """Both lines and their difference for a chosen metric, and both outcomes."""

    def build_option() -> dict:
        as_run, changed = whatif.series(metric.value)
        return whatif_option(date_labels(whatif.as_run), as_run, changed, metric.value, whatif.branch_day)

    # made once per branch and metric, not on every step of the live run that redraws this tab
    option = solara.use_memo(build_option, [whatif, metric.value])
    outcomes = solara.use_memo(lambda: outcome_table(whatif), [whatif])
    with solara.Card(
        f"What-if after day {whatif.branch_day}: {whatif.change.describe()}", margin=0, classes=["whatif-result"]
    ):
        tip(
            "What to compare between the two continuations.",
            solara.Select("Compare", values=list(METRICS), value=metric),
        )
        chart(option, 380, "view-whatif")
        Markdown(outcomes, classes=["whatif-outcomes"])


def outcome_table(whatif: WhatIf) -> str:
    """A Markdown table of both continuations' outcomes at the horizon, one row per outcome of the registry."""
    base, other = whatif.outcomes()
    rows = [
        (
            outcome.title,
            outcome.display(base.json_values[outcome.json_key]),
            outcome.display(other.json_values[outcome.json_key]),
        )
        for outcome in OUTCOMES
    ]
    lines = ["| outcome | as run | what-if |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    return "\n".join(lines)
