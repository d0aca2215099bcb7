"""Synthetic Flanders: a deterministic generator of a realistic VLOK store."""
