"""Timbre and emotion analysis: speaker encoders, embedding cache, clustering, emotion suggestions, the grid.

The facade is :class:`engine.analysis.service.AnalysisService` (``engine.analysis``).
Importing this package imports nothing heavy; torch and scikit-learn load inside the modules that need them.
"""
