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
from cardcli import Stack, cli, main_wrapper  # noqa: E402
from unitsim_stack import Instance  # noqa: E402
import importlib.util  # noqa: E402

# The cards, PINs and plan of the ceremony-plan stack test.
_spec = importlib.util.spec_from_file_location(
    "ceremony_plan", os.path.join(HERE, "..", "stack", "test-ceremony-plan.py"))
_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_plan)


def apdus(trace, start):
    """(APDUs, PSO signatures, key-part exports) in the trace after start."""
    with open(trace) as f:
        f.seek(start)
        lines = [line[2:].strip().upper() for line in f if line.startswith("> ")]
    return (len(lines), sum(1 for a in lines if a.startswith("002A9E9A")),
            sum(1 for a in lines if a.startswith("8026")))


def bench(st, inst):
    _plan.setup_cards(st, inst)
    plan = os.path.join(st.tmp, "plan.ini")
    with open(plan, "w") as f:
        f.write(_plan.PLAN.format(ini=inst.ini, sig=2))
    pins = _plan.GOOD
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
