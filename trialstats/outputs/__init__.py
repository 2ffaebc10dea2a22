"""The outputs of every report, in one registry (registry.py) and their plan for a study (plan.py)."""
