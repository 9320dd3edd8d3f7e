"""Typed models for the data files (exercises, protocol), the input (profile) and the output (plan)."""
