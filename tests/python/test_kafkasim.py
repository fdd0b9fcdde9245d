"""The Python module runs the same simulator as the CLI, deterministically."""

import kafkasim
import pytest


def test_same_seed_same_hash_and_matches_the_pinned_one():
    a = kafkasim.echo_demo(seed=42, random_faults=True)
    b = kafkasim.echo_demo(seed=42, random_faults=True)
    assert a["traceHash"] == b["traceHash"]
    # The same pinned hash as tests/test_determinism.cpp: C++ and Python run the same world.
    assert a["traceHash"] == "7486d210015e83f2"
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
