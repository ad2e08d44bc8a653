"""Synthetic data generators for the shipped Kiln models (all seeded, no downloads)."""
