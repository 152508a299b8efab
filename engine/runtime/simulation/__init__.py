"""Simulation, traces and lower bounds (not used when serving requests).

``sim``     the discrete-event simulator: drives the shipped serving step (:mod:`engine.runtime.serving`), policy,
            pool, budget and staging in virtual time with a service-time model
``trace``   synthetic request traces (Zipf voices, bursty interactive, batch jobs)
``belady``  offline lower bounds on swaps (compulsory, Belady's MIN)
``bound``   the documented latency bound, computed for a simulated run
"""
