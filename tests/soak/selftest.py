#!/usr/bin/env python3
"""Self-test of the soak test's judgements, on made-up histories and calls:
each check must refuse what it exists to catch (a skipped weight, a doubled
step, a release that never ends, a webhook called by two live processes), and
accept what Flagger's rules allow. Runs in well under a second; run.sh runs it
before the soak.

    python3 tests/soak/selftest.py
"""
import os
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import canary_problems, legal, log_time, repeated_calls, half_ceilings, pooled_thirds  # noqa: E402
from history import parse_status  # noqa: E402


def st(phase, weight=0, failed=0, spec="r1"):
    return {"phase": phase, "weight": weight, "failed": failed, "spec": spec}


INIT = st("Initialized", spec="r0")
HEALTHY = [st("Progressing"), st("Progressing", 10), st("Progressing", 20), st("Progressing", 30),
           st("Promoting", 30), st("Finalising"), st("Succeeded")]
BROKEN = [st("Progressing", spec="r2"), st("Progressing", 10, spec="r2"), st("Progressing", 10, 1, spec="r2"),
          st("Progressing", 10, 2, spec="r2"), st("Failed", 0, 2, spec="r2")]


def problems(hist, kinds):
    p = canary_problems("c00", hist, [f"commit{i}" for i in range(len(hist))], kinds)
    return {k: len(v) for k, v in p.items() if v}


class Transitions(unittest.TestCase):
    def test_legal_successors(self):
        cases = [
            (INIT, st("Progressing"), True),                                  # new revision
            (st("Succeeded", spec="r1"), st("Progressing", spec="r2"), True),
            (st("Failed", 0, 2, spec="r1"), st("Progressing", spec="r2"), True),
            (st("Progressing", 10, spec="r1"), st("Progressing", spec="r2"), False),  # mid-analysis restart
            (st("Progressing", 10), st("Progressing", 20), True),
            (st("Progressing", 10), st("Progressing", 30), False),           # a step skipped
            (st("Progressing", 30), st("Progressing", 40), False),           # past maxWeight
            (st("Progressing", 10), st("Progressing", 10, 1), True),         # a failed check
            (st("Progressing", 10, 1), st("Progressing", 10, 3), False),
            (st("Progressing", 10, 1), st("Failed", 0, 1), False),           # before the threshold
            (st("Progressing", 10, 2), st("Failed", 0, 2), True),
            (st("Progressing", 20), st("Promoting", 20), False),
            (st("Progressing", 30), st("Promoting", 30), True),
            (st("Promoting", 30), st("Finalising"), True),
            (st("Promoting", 30), st("Succeeded"), False),                   # Finalising skipped
            (st("Finalising"), st("Succeeded"), True),
            (st("Succeeded"), st("Progressing"), False),                     # same revision again
        ]
        for a, b, want in cases:
            with self.subTest(a=a, b=b):
                self.assertEqual(legal(a, b), want)

    def test_a_healthy_and_a_broken_release_are_fine(self):
        self.assertEqual(problems([INIT] + HEALTHY + BROKEN, ["healthy", "broken"]), {})

    def test_a_doubled_step_is_caught(self):
        hist = [INIT] + HEALTHY[:3] + [HEALTHY[2]] + HEALTHY[3:]
        self.assertEqual(problems(hist, ["healthy"]), {"repeated": 1, "wrong": 1})

    def test_a_skipped_step_is_caught(self):
        hist = [INIT] + HEALTHY[:2] + HEALTHY[3:]
        self.assertEqual(problems(hist, ["healthy"]), {"illegal": 1, "wrong": 1})

    def test_an_unfinished_release_is_caught(self):
        self.assertEqual(problems([INIT] + HEALTHY[:4], ["healthy"]), {"unfinished": 1})

    def test_a_release_never_analysed_is_caught(self):
        self.assertEqual(problems([INIT] + HEALTHY, ["healthy", "broken"]), {"wrong": 1})

    def test_a_broken_release_promoted_is_caught(self):
        self.assertEqual(problems([INIT] + HEALTHY, ["broken"]), {"wrong": 1})

    def test_no_initialisation_is_caught(self):
        self.assertEqual(problems(HEALTHY, ["healthy"]), {"illegal": 1})


class Webhooks(unittest.TestCase):
    STEP = ("c00", "r1", "rollout", "Progressing", "blob")

    def run_calls(self, calls, killed=None, lost=None):
        stops = {1: ([(killed, "kill -9")] if killed else []) + ([(lost, "lease lost")] if lost else [])}
        return repeated_calls({self.STEP: calls}, stops, {1: "replica-0.1", 2: "replica-1.1"})

    def test_once_is_fine(self):
        self.assertEqual(self.run_calls([{"time": 10.0, "pid": 1}]), ([], {}))

    def test_two_live_processes_is_caught(self):
        overlap, _ = self.run_calls([{"time": 10.0, "pid": 1}, {"time": 10.5, "pid": 2}])
        self.assertEqual(len(overlap), 1)
        self.assertIn("replica-0.1", overlap[0])
        self.assertIn("replica-1.1", overlap[0])

    def test_again_after_the_caller_was_killed_is_allowed(self):
        self.assertEqual(self.run_calls([{"time": 10.0, "pid": 1}, {"time": 12.0, "pid": 2}], killed=11.0),
                         ([], {"kill -9": 1}))

    def test_again_after_the_caller_lost_its_lease_is_allowed(self):
        self.assertEqual(self.run_calls([{"time": 10.0, "pid": 1}, {"time": 12.0, "pid": 2}], lost=11.0),
                         ([], {"lease lost": 1}))

    def test_a_lease_lost_after_the_second_call_is_caught(self):
        overlap, _ = self.run_calls([{"time": 10.0, "pid": 1}, {"time": 12.0, "pid": 2}], lost=12.5)
        self.assertEqual(len(overlap), 1)

    def test_killed_after_the_second_call_is_caught(self):
        overlap, _ = self.run_calls([{"time": 10.0, "pid": 1}, {"time": 12.0, "pid": 2}], killed=13.0)
        self.assertEqual(len(overlap), 1)

    def test_the_same_process_again_is_caught(self):
        overlap, _ = self.run_calls([{"time": 10.0, "pid": 1}, {"time": 10.2, "pid": 1}])
        self.assertEqual(len(overlap), 1)

    def test_the_same_process_again_after_its_pass_failed_is_allowed(self):
        self.assertEqual(self.run_calls([{"time": 10.0, "pid": 1}, {"time": 12.0, "pid": 1}], lost=11.0),
                         ([], {"lease lost": 1}))

    def test_an_unknown_caller_killed_between_is_allowed(self):
        calls = [{"time": 10.0, "pid": 0}, {"time": 12.0, "pid": 2}]
        self.assertEqual(repeated_calls({self.STEP: calls}, {0: [(11.0, "kill -9")]}, {2: "replica-1.1"}),
                         ([], {"kill -9": 1}))

    def test_an_unknown_caller_is_caught(self):
        overlap, _ = self.run_calls([{"time": 10.0, "pid": 0}, {"time": 10.2, "pid": 0}])
        self.assertEqual(len(overlap), 1)


class Flatness(unittest.TestCase):
    def test_warm_up_is_left_out(self):
        # Growth during the 10 s warm-up, flat after it.
        samples = [(t, 100 + min(t, 10) * 5) for t in range(0, 41)]
        self.assertEqual(half_ceilings(samples, 10, 10, 1), (150, 150))

    def test_steady_growth_shows(self):
        samples = [(t, 100 + t) for t in range(0, 61)]  # +1 a second; halves 10-35 and 35-60
        self.assertEqual(half_ceilings(samples, 10, 10, 1), (135, 160))

    def test_a_bounded_swing_is_flat(self):
        # Packs pile up and are compacted every 15 s: the count swings 20-34.
        samples = [(t, 20 + t % 15) for t in range(0, 121)]
        self.assertEqual(half_ceilings(samples, 10, 10, 1), (34, 34))

    def test_a_rising_swing_shows(self):
        samples = [(t, 20 + t % 15 + t // 10) for t in range(0, 121)]
        first, last = half_ceilings(samples, 10, 10, 1)
        self.assertGreater((last - first) / first, 0.10)

    def test_too_short_a_life_is_not_judged(self):
        self.assertIsNone(half_ceilings([(t, 1) for t in range(0, 29)], 10, 10, 1))


class PooledThirds(unittest.TestCase):
    def test_lives_restarted_later_at_the_same_level_are_flat(self):
        # Three lives of 30 s each, every one at 100 after a 5 s warm-up at 300.
        lives = [[(t, 300 if t < start + 5 else 100) for t in range(start, start + 30)] for start in (0, 30, 60)]
        self.assertEqual(pooled_thirds(lives, 5, 1), (100, 100))

    def test_lives_that_start_higher_as_history_grows_show(self):
        # Each life flat, but each restart starts 40% higher: what per-life checks miss.
        lives = [[(t, level) for t in range(start, start + 30)] for start, level in ((0, 100), (30, 140), (60, 196))]
        first, last = pooled_thirds(lives, 5, 1)
        self.assertEqual((first, last), (100, 196))

    def test_a_spike_does_not_move_a_median(self):
        life = [(t, 500 if t == 80 else 100) for t in range(0, 90)]
        self.assertEqual(pooled_thirds([life], 5, 1), (100, 100))

    def test_too_few_samples_are_not_judged(self):
        self.assertIsNone(pooled_thirds([[(t, 1) for t in range(0, 12)]], 5, 1))


class LogTime(unittest.TestCase):
    def test_json_log_time(self):
        self.assertEqual(log_time("2026-12-07T00:48:13.348Z"), 1796604493.348)
        self.assertEqual(log_time("not a time"), 0)


class StatusFile(unittest.TestCase):
    def test_fields_of_the_status_mapping(self):
        text = ("apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: c00\nstatus:\n"
                "  phase: Progressing\n  canaryWeight: 20\n  failedChecks: 1\n  iterations: 0\n"
                "  lastAppliedSpec: \"8f2a0c1d3e4b5a69\"\n  promoted:\n    template:\n      canaryWeight: 99\n")
        self.assertEqual(parse_status(text), st("Progressing", 20, 1, "8f2a0c1d3e4b5a69"))


if __name__ == "__main__":
    unittest.main(verbosity=1)
