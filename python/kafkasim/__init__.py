"""kafkasim: a deterministic simulator of an Apache Kafka cluster, from Python.

    import kafkasim
    report = kafkasim.echo_demo(seed=7, random_faults=True)
    report["traceHash"]
    frame = kafkasim.demo_sweep(range(1, 21))        # one row per seed (pandas)
    events = kafkasim.trace_frame(kafkasim.echo_demo(seed=7, with_trace=True))

pandas is imported only by the functions that return frames, so `import kafkasim` works
without it.
"""

import json

from ._kafkasim import echo_demo

__all__ = ["echo_demo", "demo_sweep", "trace_frame"]


def demo_sweep(seeds, **options):
    """Runs the echo demo for every seed; returns a DataFrame with one row per seed."""
    import pandas as pd

    rows = []
    for seed in seeds:
        report = echo_demo(seed=seed, **options)
        row = {"seed": report["seed"], "traceHash": report["traceHash"],
               "events": report["events"], "faults": len(report["faults"])}
        row.update(report["stats"])
        rows.append(row)
    return pd.DataFrame(rows).set_index("seed")


def trace_frame(report):
    """The trace of a report made with with_trace=True, as a DataFrame (one row per event)."""
    import pandas as pd

    if "trace" not in report:
        raise ValueError("the report has no trace: run it with with_trace=True")
    events = [json.loads(line) for line in report["trace"].splitlines()]
    frame = pd.DataFrame(events)
    frame["timeMs"] = frame["timeUs"] / 1000.0
    return frame
