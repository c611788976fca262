"""The controls: run settings with Reset, playback, and injecting a shock.

Each component gets the session and a `refresh` callback that redraws the page after a
change. Settings are pending until Reset (the page says so), so moving a slider never
touches the running model.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.actors import ACTORS
from sim.config import MAX_SEED
from sim.errors import ConfigError
from viz.live import INJECTABLE, KNOB_BY_KEYWORD, KNOBS, Knob, action_label, scenario_named, scenario_names
from viz.session import SPEEDS, Session, parse_seed, seed_problem
from viz.tooltip import Hint

ACTION_LABELS: dict[str, str] = {action_label(r): r.cameo for r in INJECTABLE}
#: A lone button's tooltip wrapper: as wide as the button, so the tooltip opens at the button.
INLINE = "display: inline-block"


def knob_defaults(scenario: str) -> dict[str, float]:
    """The knobs' values in a scenario (what the sliders show before any change)."""
    config = scenario_named(scenario)
    return {knob.keyword: knob.value_in(config) for knob in KNOBS}


def tip(text: str, control: solara.Element, side: str = "bottom", style: str = "") -> solara.Element:
    """Wrap a control in a tooltip that says what it changes, opening on `side` after a delay (`viz.tooltip`).

    `style` is the wrapper's: "display: inline-block" keeps a lone button's tooltip beside the button.
    """
    return Hint(text, control, side, style)


@solara.component
def RunSettingsPanel(
    session: Session,
    refresh: Callable[[], None],
    tick: solara.Reactive[int],
    scenario: solara.Reactive[str],
    seed: solara.Reactive[str],
    values: solara.Reactive[dict[str, float]],
    playing: solara.Reactive[bool],
):
    """Scenario, seed and parameter sliders; Reset builds a new run from them."""

    def pick_scenario(name: str) -> None:
        scenario.set(name)
        try:
            values.set(knob_defaults(name))
        except ConfigError as error:  # a broken file in configs/scenarios/: say so (Reset will refuse it too)
            session.fail(error)
            refresh()

    def reset() -> None:
        playing.set(False)
        session.reset(scenario.value, seed.value, values.value)
        refresh()

    with solara.Card("Run settings", margin=0, classes=["run-settings"]):
        tip(
            "Which scenario file of configs/scenarios/ to run (takes effect on Reset).",
            solara.Select("Scenario", values=scenario_names(), value=scenario.value, on_value=pick_scenario),
            "top",
        )
        tip(
            f"The run's seed: the same seed gives the same run. A whole number from 0 to {MAX_SEED}.",
            solara.InputText("Seed", value=seed, error=seed_problem(seed.value) or False, classes=["seed-input"]),
            "right",
        )
        for knob in KNOBS:
            tip(f"{knob.tooltip} (takes effect on Reset)", _KnobSlider(knob.keyword, knob.label, values), "right")
        PendingNote(session, tick, scenario, seed, values)
        tip(
            "Start the run again with the scenario, seed and values above (nothing run yet; Step runs day 1).",
            solara.Button("Reset", on_click=reset, color="primary", classes=["reset-button"], block=True),
            "right",
        )


@solara.component
def PendingNote(
    session: Session,
    tick: solara.Reactive[int],
    scenario: solara.Reactive[str],
    seed: solara.Reactive[str],
    values: solara.Reactive[dict[str, float]],
):
    """Says when the settings differ from the running model's (they apply on Reset)."""
    _ = tick.value
    settings = session.live.settings
    running = (settings.scenario, settings.seed, {**knob_defaults(settings.scenario), **dict(settings.overrides)})
    if (scenario.value, seed_or_text(seed.value), values.value) != running:
        solara.Info("Changed: press Reset to apply.", dense=True, classes=["pending-note"])


def seed_or_text(typed: str) -> int | str:
    """The typed seed as a number when it is a valid one, else the text as typed."""
    return typed if seed_problem(typed) else parse_seed(typed)


@solara.component
def _KnobSlider(keyword: str, label: str, values: solara.Reactive[dict[str, float]]):
    def set_value(value: float) -> None:
        values.set({**values.value, keyword: float(value)})

    return KnobControl(KNOB_BY_KEYWORD[keyword], label, values.value[keyword], set_value)


#: A knob's label above its slider's track (Vuetify puts it inline, which squeezes the track).
KNOB_CSS = """
.knob .v-slider__input-slot, .knob .v-input__slot { flex-wrap: wrap; }
.knob .v-input__slot > .v-label { width: 100%; white-space: normal; height: auto; line-height: 1.25; }
.knob .v-input__slot { height: auto !important; }
"""


def range_text(knob: Knob) -> str:
    """A knob's allowed range as the page writes it: '0 to 10'."""
    return f"{knob.low:g} to {knob.high:g}"


@solara.component
def KnobControl(knob: Knob, label: str, value: float, on_value: Callable[[float], None]):
    """A knob's slider, with its value beside it as an editable number and the allowed range.

    A typed number outside the range (or not a number) is refused with a line under the field,
    and the value stays as it was.
    """
    refused = solara.use_reactive("")

    def slid(number: float) -> None:
        refused.set("")
        on_value(float(number))

    def typed(number: float | None) -> None:
        if number is None or not knob.low <= number <= knob.high:
            refused.set(f"{number} refused: allowed {range_text(knob)}; the value stays {value:g}.")
            return
        slid(number)

    with solara.Column(gap="0px", classes=["knob", f"knob-{knob.keyword}"]) as column:
        solara.Style(KNOB_CSS)
        with solara.Row(gap="8px", style="align-items: flex-end"):
            with solara.Div(style="flex: 1 1 auto; min-width: 0"):
                solara.SliderFloat(label, value=value, min=knob.low, max=knob.high, step=knob.step, on_value=slid)
            with solara.Div(style="flex: 0 0 84px"):
                solara.InputFloat(range_text(knob), value=value, on_value=typed, dense=True, classes=["knob-value"])
        if refused.value:
            solara.Text(refused.value, style="color: #c62828; font-size: 12px", classes=["knob-refused"])
    return column


@solara.component
def PlaybackPanel(
    session: Session,
    refresh: Callable[[], None],
    tick: solara.Reactive[int],
    playing: solara.Reactive[bool],
    speed: solara.Reactive[str],
):
    """Step, step to the next scripted shock, Play/Pause and the play speed."""

    def step() -> None:
        session.step()
        refresh()

    def next_shock() -> None:
        session.step_to_next_shock()
        refresh()

    _ = tick.value
    finished = session.live.finished
    with solara.Card("Play", margin=0, classes=["playback"]):
        with solara.Row():
            tip(
                "Run the next day (the clock's 'next' date): its events and rules apply, then every actor chooses "
                "its action for the day after.",
                solara.Button("Step", on_click=step, disabled=playing.value or finished, classes=["step-button"]),
                "top",
            )
            tip(
                "Run day by day at the chosen speed until Pause or the horizon.",
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=lambda: playing.set(not playing.value),
                    disabled=finished and not playing.value,
                    classes=["play-button"],
                ),
                "top",
            )
            tip(
                "Run through the day of the next scripted shock of the scenario (e.g. the raid).",
                solara.Button("To next shock", on_click=next_shock, disabled=playing.value or finished, text=True),
                "top",
            )
        tip(
            "How fast Play runs; at higher speeds several days are run per redraw.",
            solara.Select("Speed", values=list(SPEEDS), value=speed),
        )


@solara.component
def InjectPanel(session: Session, refresh: Callable[[], None]):
    """Pick actor, target and action (with its Goldstein score); Inject fires it next step."""
    actor = solara.use_reactive("RUS")
    target = solara.use_reactive("AZE")
    action = solara.use_reactive(action_label(INJECTABLE[0]))
    codes = [a.value for a in ACTORS]

    def inject() -> None:
        session.inject(actor.value, target.value, ACTION_LABELS.get(action.value))
        refresh()

    with solara.Card("Inject a shock", margin=0, classes=["inject-panel"]):
        with solara.Row():
            tip("Who acts.", solara.Select("Actor", values=codes, value=actor, classes=["inject-actor"]), "top")
            tip(
                "Whom the act is aimed at.",
                solara.Select("Target", values=codes, value=target, classes=["inject-target"]),
                "top",
            )
        tip(
            "The act, from the CAMEO escalation ladder or a conciliatory act; the Goldstein score (-10 to +10) "
            "says how hostile or cooperative it is.",
            solara.Select("Action", values=list(ACTION_LABELS), value=action, classes=["inject-action"]),
        )
        tip(
            "Queue the act for tomorrow (the next step); it shows in the event log as injected.",
            solara.Button("Inject", on_click=inject, color="warning", classes=["inject-button"]),
            style=INLINE,
        )
