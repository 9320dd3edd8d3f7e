"""The planner's parts: patient context, exercise choice, running load, week scheduling, identity.

``rehabplan.planner.build_plan`` is the entry point; these modules stay pure (no clock,
randomness or I/O) so the same input always gives the same plan.
"""
