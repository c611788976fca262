"""The outcome registry: every outcome reduces to one value per run, read the same everywhere."""

from __future__ import annotations

import numpy as np

from sim.actors import Actor
from sim.blocs import bloc_camps, camps_to_blocs
from sim.ensemble import run_ensemble
from sim.events_log import EventKind
from sim.model import CaucasusModel, resolve_scenario
from sim.outcomes import OUTCOME_NAMES, OUTCOMES, outcome_table


def test_every_outcome_has_one_value_per_run_and_a_documented_meaning():
    result = run_ensemble(resolve_scenario("baseline"), [1, 2, 3])
    columns = result.outcomes()
    assert tuple(columns) == OUTCOME_NAMES
    assert all(len(values) == 3 for values in columns.values())
    for outcome in OUTCOMES:
        assert outcome.title and outcome.unit and outcome.meaning, outcome.name
        assert outcome.json_key in result.run_outcomes(0).to_dict(), outcome.name


def test_the_first_detention_outcome_is_the_first_detention_in_the_log():
    for scenario, seed in (("baseline", 1), ("baseline", 4), ("no_raid", 1), ("putin_apologises", 2)):
        model = CaucasusModel(scenario, rng=seed).run()
        detentions = [
            r.date.isoformat()
            for r in model.log
            if r.kind == EventKind.RESPONSE and r.actor == Actor.AZE and r.target == Actor.RUS and r.cameo == "173"
        ]
        assert model.outcomes().aze_detains_rus_date == (detentions[0] if detentions else None), (scenario, seed)


def test_outcomes_of_a_run_in_progress_cover_the_days_run():
    model = CaucasusModel("baseline", rng=1)
    assert model.outcomes().trust_AZE_RUS_min == model.state.trust[1, 0]  # before the first day: the current trust
    for _ in range(150):
        model.step()
    table = outcome_table(model.simulation)
    assert table["trust_AZE_RUS_min"][0] == model.trust_history[:150, 1, 0].min()
    assert np.isnan(table["aze_detains_rus_day"][0])  # the raid (day 189) is yet to come


def test_a_table_of_some_outcomes_gives_the_full_tables_columns():
    result = run_ensemble(resolve_scenario("baseline"), [1, 2, 3, 4])
    full = outcome_table(result.simulation)
    kept = ["rupture", "trust_AZE_RUS_min", "blocs", "n_173"]  # a sweep keeps a few (one of many columns, a string)
    some = run_ensemble(resolve_scenario("baseline"), [1, 2, 3, 4]).outcomes(kept)
    assert set(kept) <= set(some) < set(full)
    for name in kept:
        assert np.array_equal(some[name], full[name]), name
    camps = bloc_camps(result.state.trust)  # each run's label written from its own split
    assert full["blocs"].tolist() == [" | ".join(" ".join(bloc) for bloc in camps_to_blocs(row)) for row in camps]
