"""kafkasim: a deterministic simulator of an Apache Kafka cluster, from Python.

    import kafkasim
    report = kafkasim.run_scenario("scenarios/leader-crash.json", seed=7)   # the run report
    report["outcome"], report["violations"], report["stats"]
    frame = kafkasim.scenario_sweep("scenarios/nemesis.json", range(1, 21))  # one row per seed
    kafkasim.probes_never_taken(frame)      # the rare paths (model/probes.h) no seed took
    shrunk = kafkasim.shrink("tests/fixtures/shrink-acks1.json", seed=1)  # a failing seed cut down
    open("min.json", "w").write(shrunk["text"])                            # to the faults it needs
    report = kafkasim.echo_demo(seed=7, random_faults=True)
    report["traceHash"]
    frame = kafkasim.demo_sweep(range(1, 21))        # one row per seed (pandas)
    events = kafkasim.trace_frame(kafkasim.echo_demo(seed=7, with_trace=True))

pandas is imported only by the functions that return frames, so `import kafkasim` works
without it.
"""

import json

from ._kafkasim import echo_demo, probe_names, run_scenario_json, shrink_scenario_json

__all__ = ["run_scenario", "scenario_sweep", "probes_never_taken", "probe_names", "shrink", "echo_demo",
           "demo_sweep", "trace_frame"]


def run_scenario(path, seed=None, with_trace=False):
    """Runs a scenario file (SCENARIO_FORMAT.md) under its seed or `seed`; returns the run report
    as a dict, with the JSONL trace under "trace" if asked. An invalid file raises ValueError
    with one line per problem."""
    return json.loads(run_scenario_json(str(path), seed, with_trace))


def scenario_sweep(path, seeds):
    """Runs a scenario for every seed; returns a DataFrame with one row per seed: outcome,
    trace hash, violations per invariant, the report's stats, and "probe.NAME" columns counting
    the rare paths (model/probes.h) each seed took."""
    import pandas as pd

    rows = []
    for seed in seeds:
        report = run_scenario(path, seed=seed)
        row = {"seed": seed, "outcome": report["outcome"], "traceHash": report["traceHash"],
               "faults": len(report["faults"]), "violations": len(report["violations"])}
        for name in {v["invariant"] for v in report["violations"]}:
            row[name] = sum(1 for v in report["violations"] if v["invariant"] == name)
        stats = dict(report["stats"])
        latency = stats.pop("produceLatencyMs")
        row.update(stats)
        row.update({"latencyP50Ms": latency["p50"], "latencyP99Ms": latency["p99"]})
        row.update({f"probe.{name}": count for name, count in report["probes"].items()})
        rows.append(row)
    return pd.DataFrame(rows).set_index("seed")


def probes_never_taken(frame):
    """The rare paths (model/probes.h) no row of a scenario_sweep frame took, in probe order:
    what that sweep has not tested, whatever its checkers found."""
    taken = {column.removeprefix("probe.") for column in frame.columns
             if column.startswith("probe.") and frame[column].fillna(0).sum() > 0}
    return [name for name in probe_names() if name not in taken]


def shrink(path, seed, invariant=None):
    """Shrinks a failing seed of a scenario file as `kafkasim shrink` does; returns a dict: the
    shrunk file's "text" (to write) and "scenario" (its document), the "invariant" it keeps,
    "faultsBefore"/"faultsAfter", "durationBeforeMs"/"durationAfterMs", "runs", and the
    shrunk file's own run "report". A seed without the finding raises ValueError."""
    return json.loads(shrink_scenario_json(str(path), seed, invariant or ""))


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
