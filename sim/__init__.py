"""The South Caucasus crisis of 2024-25 as an agent-based model.

Layers: `config` (TOML -> validated `Scenario`), `rules` (pure array functions), `agents` and
`model` (Mesa), `outcomes` and `outputs` (what a run writes), `locking` (one command per output
directory). Nothing here imports
`experiments` or `viz`.
"""
