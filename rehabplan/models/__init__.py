"""Typed models: data files (exercises, protocol), input (profile) and output (plan)."""
