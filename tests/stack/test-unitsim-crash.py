# SPDX-License-Identifier: Apache-2.0
"""Crash safety of ROTATE: 5000 keys, then 24 times: load and commit a new
master key, start a rotate, SIGKILL the server at a moment that moves
through the whole request (before, while re-enciphering, while the state
file is being written, after), restart it and check that the unit holds
either the whole old state (old current key, new register still committed)
or the whole new state (new current key, new register empty), and that all
5000 keys are there with their VPs and unwrap their test blobs.

The state write is slowed down (test only: OPENMU_UNITSIM_TEST_SLOW_WRITE_US)
so that kills land inside it; a left-over state.tmp proves they did. All
5000 VPs are compared with the snapshot and every 7th blob is unwrapped (the
unit itself refuses to load a state where any key does not open under the
current master key or does not match its VP)."""

import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitsim_stack import Admins, Instance, check, imprint, run_main, status  # noqa: E402

ROUNDS = 24
SLOW_US = 6000  # per 64 KiB piece: ~14 pieces for 5000 keys


def body(tmp, started):
    inst = Instance(tmp, "crash", units=1, recovery=0)
    started.append(inst)
    inst.start()
    adm = Admins(tmp, ["alice", "bob"])
    imprint(inst, "unit1", adm, ["alice", "bob"], 1, 1)
    r = inst.client("unit1", "load-key", *adm.sign("alice"), "a1" * 32, "b2" * 32)
    check(r.rc == 0, "first master key", str(r))
    r = inst.client("unit1", "admin", "set-immediate", *adm.sign("alice"))
    check(r.rc == 0, "set immediate", str(r))
    r = inst.client("unit1", "create-keys", "5000")
    check(r.rc == 0, "5000 keys created", str(r))
    snap = os.path.join(tmp, "snapshot.txt")
    r = inst.client("unit1", "snapshot", snap)
    check(r.rc == 0, "snapshot of every key", str(r))
    inst.stop()

    slow = {"OPENMU_UNITSIM_TEST_SLOW_WRITE_US": str(SLOW_US)}
    tmpfile = os.path.join(inst.dir, "units", "unit1", "state.tmp")
    rng = random.Random(int(os.environ.get("OPENMU_CRASH_SEED", "5")))
    outcomes = {"old": 0, "new": 0}
    cut_writes = 0
    t_start = time.monotonic()
    for i in range(ROUNDS):
        inst.start(env=slow)
        st = status(inst, "unit1")
        old_vp = st["cur-vp"]
        if st["new-state"] != "3":
            parts = [os.urandom(32).hex() for _ in range(2)]
            r = inst.client("unit1", "load-key", *adm.sign("alice"), *parts)
            check(r.rc == 0, f"round {i}: new master key committed", str(r))
        new_vp = status(inst, "unit1")["new-vp"]
        # spread the kill over the whole request, with jitter
        delay = (i % 8) / 8 * 0.12 + rng.uniform(0, 0.02)
        bg = inst.client_bg("unit1", "admin", "rotate", *adm.sign("bob"))
        time.sleep(delay)
        pid = inst.proc.pid
        os.kill(pid, signal.SIGKILL)
        inst.proc.wait()
        inst.proc.stdout.close()
        inst.proc = None
        bg.communicate(timeout=30)
        if os.path.exists(tmpfile):
            cut_writes += 1
        inst.start(env=slow)
        check(not os.path.exists(tmpfile), f"round {i}: restart drops a cut state write")
        st = status(inst, "unit1")
        if st["cur-vp"] == new_vp:
            outcome = "new"
            ok = st["new-state"] == "0"
        else:
            outcome = "old"
            ok = st["cur-vp"] == old_vp and st["new-state"] == "3" and st["new-vp"] == new_vp
        outcomes[outcome] += 1
        check(ok and st["keys"] == "5000",
              f"round {i} (kill after {delay * 1000:.0f} ms): consistent {outcome} state", st)
        r = inst.client("unit1", "verify", snap, "7")
        check(r.rc == 0 and "verified 5000" in r.stdout,
              f"round {i}: no key lost or half re-enciphered", str(r))
        inst.stop()
    print(f"# {ROUNDS} kills in {time.monotonic() - t_start:.1f} s: old state {outcomes['old']} "
          f"times, new state {outcomes['new']} times, {cut_writes} kills inside the state write")
    check(outcomes["old"] > 0 and outcomes["new"] > 0, "kills landed before and after the commit")
    check(cut_writes > 0, "some kills landed inside the state write")


if __name__ == "__main__":
    run_main(body)
