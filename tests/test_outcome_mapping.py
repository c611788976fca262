"""`CaucasusModel.outcomes()` as a flat mapping of scalars, beside the readable `outcomes.json` form."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np

from sim.ensemble import run_ensemble
from sim.model import CaucasusModel, resolve_scenario
from sim.outcomes import OUTCOME_NAMES, RunOutcomes
from sim.outputs import write_run


def test_the_outcomes_are_a_flat_mapping_of_scalars_keyed_by_the_table_columns():
    outcomes = CaucasusModel("baseline", rng=1).run().outcomes()
    assert tuple(outcomes.keys()) == OUTCOME_NAMES  # registry order, one key per table column
    assert len(outcomes) == len(OUTCOME_NAMES)
    assert all(type(value) in (bool, int, float, str) for value in outcomes.values())
    assert dict(outcomes.items()) == {name: outcomes[name] for name in outcomes}


def test_the_mapping_is_the_ensemble_engines_row_for_the_same_seed():
    outcomes = CaucasusModel("baseline", rng=3).run().outcomes()
    columns = run_ensemble(resolve_scenario("baseline"), [5, 3]).outcomes()
    for name in OUTCOME_NAMES:
        expected = columns[name][1].item()
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(outcomes[name]), name
        else:
            assert outcomes[name] == expected, name


def test_the_flat_values_and_the_json_form_say_the_same():
    outcomes = CaucasusModel("baseline", rng=1).run().outcomes()
    start = outcomes.start
    assert outcomes.response_counts == {
        name.removeprefix("n_"): outcomes[name] for name in OUTCOME_NAMES if name.startswith("n_")
    }
    assert outcomes["blocs"] == " | ".join(" ".join(camp) for camp in outcomes.blocs)
    assert outcomes["corridor_arrangement"] == outcomes.corridor_arrangement
    for day_key, date in (("rupture_day", outcomes.rupture_date), ("corridor_day", outcomes.corridor_date)):
        day = outcomes[day_key]
        assert (date is None and math.isnan(day)) or date == (start + dt.timedelta(days=int(day))).isoformat()


def test_a_mapping_round_trips_through_its_own_items_and_outcomes_json(tmp_path):
    model = CaucasusModel("baseline", rng=2).run()
    outcomes = model.outcomes()
    rebuilt = RunOutcomes(outcomes.scenario, outcomes.seed, dict(outcomes), outcomes.start)
    assert rebuilt == outcomes
    assert list(rebuilt.items())[0] == ("rupture", outcomes["rupture"])
    write_run(model, outcomes, tmp_path / "run")
    written = json.loads((tmp_path / "run" / "outcomes.json").read_text())
    assert {key: written[key] for key in outcomes.to_dict()} == outcomes.to_dict()  # outcomes.json unchanged in form
    assert isinstance(written["response_counts"], dict) and isinstance(written["blocs"], list)


def test_a_run_in_progress_has_nan_for_what_has_not_happened_yet():
    model = CaucasusModel("baseline", rng=1)
    for _ in range(10):
        model.step()
    outcomes = model.outcomes()
    assert np.isnan(outcomes["rupture_day"]) and outcomes["rupture"] is False and outcomes.rupture_date is None
