"""The Python module runs the same simulator as the CLI, deterministically."""

import kafkasim
import pytest


def test_same_seed_same_hash_and_matches_the_pinned_one():
    a = kafkasim.echo_demo(seed=42, random_faults=True)
    b = kafkasim.echo_demo(seed=42, random_faults=True)
    assert a["traceHash"] == b["traceHash"]
    # The same pinned hash as tests/test_determinism.cpp: C++ and Python run the same world.
    assert a["traceHash"] == "dbe4c2a25e9b8695"
    assert a["stats"]["outOfOrder"] == 0


def test_sweep_has_one_row_per_seed_and_distinct_runs():
    frame = kafkasim.demo_sweep(range(1, 6), random_faults=True)
    assert list(frame.index) == [1, 2, 3, 4, 5]
    assert frame["traceHash"].nunique() == 5
    assert (frame["messagesSent"] >= frame["messagesDelivered"]).all()


def test_trace_frame_holds_every_event():
    report = kafkasim.echo_demo(seed=3, with_trace=True)
    events = kafkasim.trace_frame(report)
    assert len(events) == report["traceEvents"]
    assert set(events["event"]) >= {"message_sent", "message_delivered", "fault_start", "node"}
    assert events["i"].tolist() == list(range(len(events)))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="nodes must be at least 2"):
        kafkasim.echo_demo(nodes=1)
    with pytest.raises(ValueError, match="no trace"):
        kafkasim.trace_frame(kafkasim.echo_demo(seed=1))


SCENARIOS = __import__("pathlib").Path(__file__).resolve().parents[2] / "scenarios"


def test_a_scenario_runs_the_same_from_python_and_matches_its_expect():
    a = kafkasim.run_scenario(SCENARIOS / "leader-crash.json", seed=3)
    b = kafkasim.run_scenario(SCENARIOS / "leader-crash.json", seed=3)
    assert a["traceHash"] == b["traceHash"]
    assert a["outcome"] == "pass" and a["violations"] == []
    assert a["faults"][0]["type"] == "process_kill" and a["faults"][0]["nodeNames"][0].startswith("broker-")
    assert a["stats"]["recordsAcked"] > 10000


def test_an_expected_loss_is_reported_with_its_explanation():
    report = kafkasim.run_scenario(SCENARIOS / "acks1-leader-crash.json")
    assert report["outcome"] == "pass"
    lost = [v for v in report["violations"] if v["invariant"] == "acked_write_lost"]
    assert lost and "acks=1" in lost[0]["detail"]


def test_an_invalid_scenario_raises_with_its_json_path(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "durationMs": 1000, "cluster": {"brokers": 1, "configs": {"acks": 1}}}')
    with pytest.raises(ValueError, match=r"/cluster/configs/acks: unknown or unsupported Kafka config"):
        kafkasim.run_scenario(bad)


def test_scenario_sweep_has_one_row_per_seed():
    frame = kafkasim.scenario_sweep(SCENARIOS / "slow-follower.json", range(1, 4))
    assert list(frame.index) == [1, 2, 3]
    assert (frame["outcome"] == "pass").all()
    assert frame["traceHash"].nunique() == 3


def test_scenario_sweep_counts_the_rare_paths_each_seed_took():
    unclean = kafkasim.scenario_sweep(SCENARIOS / "unclean-election.json", [1])
    assert unclean.loc[1, "probe.leader_elected_unclean"] > 0
    assert "leader_elected_unclean" not in kafkasim.probes_never_taken(unclean)
    # KIP-101's leader-epoch file elects only from the ISR.
    clean = kafkasim.scenario_sweep(SCENARIOS / "kip101-leader-epoch.json", [1])
    never = kafkasim.probes_never_taken(clean)
    assert "leader_elected_unclean" in never
    assert set(never) < set(kafkasim.probe_names())
    assert len(set(kafkasim.probe_names())) == len(kafkasim.probe_names())


def test_shrink_writes_a_smaller_file_that_fails_the_same_way(tmp_path):
    fixture = SCENARIOS.parent / "tests" / "fixtures" / "shrink-acks1.json"
    shrunk = kafkasim.shrink(fixture, seed=1)
    assert shrunk["invariant"] == "acked_write_lost"
    assert shrunk["faultsAfter"] < shrunk["faultsBefore"] == 6
    assert len(shrunk["scenario"]["faults"]) == shrunk["faultsAfter"]
    assert shrunk["report"]["outcome"] == "fail"
    written = tmp_path / "min.json"
    written.write_text(shrunk["text"])
    again = kafkasim.run_scenario(written)
    assert again["traceHash"] == shrunk["report"]["traceHash"]
    assert "acked_write_lost" in {v["invariant"] for v in again["violations"]}
    with pytest.raises(ValueError, match="does not find liveness unexpectedly"):
        kafkasim.shrink(fixture, seed=1, invariant="liveness")
