# SPDX-License-Identifier: Apache-2.0
"""16 concurrent clients (12 on unit1, 4 on unit2) mix STATUS and service
calls (create, list, wrap + unwrap, delete of their own keys) for 10 s; each
client checks every answer (signature, request hash, content). Afterwards
the keys made before are all there and unwrap, the key count of STATUS
equals the listed keys, and a restarted server shows the same state."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitsim_stack import Admins, Instance, check, imprint, run_main, status  # noqa: E402

CLIENTS = {"unit1": 12, "unit2": 4}
SECONDS = 10


def prepare(inst, adm, unit, tmp):
    imprint(inst, unit, adm, ["alice"], 1, 1)
    r = inst.client(unit, "load-key", *adm.sign("alice"), "0f" * 32, "f0" * 31 + "01")
    check(r.rc == 0, f"{unit}: master key", str(r))
    r = inst.client(unit, "admin", "set-immediate", *adm.sign("alice"))
    check(r.rc == 0, f"{unit}: set immediate", str(r))
    r = inst.client(unit, "create-keys", "300", "base")
    check(r.rc == 0, f"{unit}: 300 keys", str(r))
    snap = os.path.join(tmp, f"{unit}.snap")
    r = inst.client(unit, "snapshot", snap)
    check(r.rc == 0, f"{unit}: snapshot", str(r))
    return snap


def body(tmp, started):
    inst = Instance(tmp, "conc", units=2, recovery=0)
    started.append(inst)
    inst.start()
    adm = Admins(tmp, ["alice"])
    snaps = {u: prepare(inst, adm, u, tmp) for u in CLIENTS}
    before = {u: status(inst, u)["counter"] for u in CLIENTS}

    procs = []
    t0 = time.monotonic()
    for unit, n in CLIENTS.items():
        for _ in range(n):
            procs.append((unit, inst.client_bg(unit, "stress", str(SECONDS))))
    total_ops = 0
    for unit, p in procs:
        out, err = p.communicate(timeout=SECONDS + 60)
        check(p.returncode == 0, f"{unit}: a stress client got only correct answers",
              out + err)
        total_ops += int(out.split("ops=")[1].split()[0])
    elapsed = time.monotonic() - t0
    print(f"# {len(procs)} clients, {total_ops} requests in {elapsed:.1f} s "
          f"({total_ops / elapsed:.0f} requests/s)")

    counts = {}
    for unit in CLIENTS:
        st = status(inst, unit)
        check(st["counter"] == before[unit], f"{unit}: no admin command happened", st)
        r = inst.client(unit, "verify", snaps[unit], "3", "subset")
        check(r.rc == 0, f"{unit}: the 300 keys made before are intact", str(r))
        counts[unit] = st["keys"]
        r = inst.client(unit, "snapshot", os.path.join(tmp, f"{unit}.after"))
        check(r.rc == 0 and f"snapshot {st['keys']} keys" in r.stdout,
              f"{unit}: STATUS and KEY LIST agree on {st['keys']} keys", str(r))
    inst.stop()
    inst.start()
    for unit in CLIENTS:
        st = status(inst, unit)
        check(st["keys"] == counts[unit], f"{unit}: the same state after a restart", st)
        r = inst.client(unit, "verify", os.path.join(tmp, f"{unit}.after"), "5")
        check(r.rc == 0, f"{unit}: every key unwraps after the restart", str(r))


if __name__ == "__main__":
    run_main(body)
