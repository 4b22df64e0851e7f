# SPDX-License-Identifier: Apache-2.0
"""Benchmark (figures only, no assertion): a full 3-unit ceremony through
pcscd + vpcd + openmu-cardsim + openmu-unitsim, run by `openmu-cli ceremony
run` from a plan: admins, thresholds, three key parts loaded into every unit,
commit, set immediate. Prints its wall time and APDU count, and the time of
the same number of cryptographic operations alone (bench-ceremony-crypto),
measured in the same run."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
from cardcli import Stack, cli, new_ca, new_ep11, main_wrapper  # noqa: E402
from unitsim_stack import Instance  # noqa: E402

CA1, CA2 = "739214", "581736"
PINS = {"alice": "620481", "bob": "407395", "carol": "952608"}
PLAN = """[plan]
instance={ini}
[admin alice]
reader=1
[admin bob]
reader=2
[thresholds]
signature=2
revocation=2
[master-key]
parts=3
signers=1;2
[part 1]
reader=1
slot=0
[part 2]
reader=2
slot=0
[part 3]
reader=3
slot=0
"""


def apdus(trace, start):
    """(APDUs, PSO signatures, key-part exports) in the trace after start."""
    with open(trace) as f:
        f.seek(start)
        lines = [line[2:].strip().upper() for line in f if line.startswith("> ")]
    return (len(lines), sum(1 for a in lines if a.startswith("002A9E9A")),
            sum(1 for a in lines if a.startswith("8026")))


def bench(st, inst):
    root = os.path.join(inst.dir, "root", "root-cert.pem")
    new_ca(st, "ca", 0, root, "ZONE-A", CA1, CA2)
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        new_ep11(st, name, reader, 0, CA1, CA2, PINS[name], label=name)
        pin = {"OPENMU_PIN": PINS[name]}
        if name != "carol":
            cli(st, "card", "sigkey-gen", "--reader", reader, "--name", name, pins=pin)
        cli(st, "card", "keypart-gen", "--reader", reader, "--label", name, pins=pin)
    plan = os.path.join(st.tmp, "plan.ini")
    with open(plan, "w") as f:
        f.write(PLAN.format(ini=inst.ini))
    pins = {"OPENMU_PIN_1": PINS["alice"], "OPENMU_PIN_2": PINS["bob"],
            "OPENMU_PIN_3": PINS["carol"]}
    start = os.path.getsize(st.trace_path)
    t0 = time.monotonic()
    cli(st, "ceremony", "run", plan, pins=pins)
    wall = (time.monotonic() - t0) * 1000
    n, sigs, exports = apdus(st.trace_path, start)
    r = subprocess.run([os.environ["OPENMU_BENCH_CRYPTO"], str(sigs), str(exports)],
                       capture_output=True, text=True, check=True)
    sign_ms, export_ms = (float(x) for x in r.stdout.split())
    crypto = sign_ms + export_ms
    print(f"3-unit ceremony (2 admins, thresholds 2/2, 3 parts, commit, set immediate): "
          f"wall {wall:.0f} ms, {n} APDUs ({sigs} card signatures, {exports} key-part exports)")
    print(f"the same cryptography alone: {crypto:.0f} ms (signatures {sign_ms:.0f} ms, "
          f"key-part transport {export_ms:.0f} ms); wall / crypto = {wall / crypto:.1f}")


def main():
    with Stack(readers=4, trace=True) as st:
        inst = Instance(st.tmp, "bench", units=3, recovery=0)
        try:
            inst.start()
            bench(st, inst)
        finally:
            inst.stop()


if __name__ == "__main__":
    main_wrapper(main)
