# SPDX-License-Identifier: Apache-2.0
"""A ceremony plan that replaces a master key by rotation, through
openmu-cli only: pcscd + vpcd + openmu-cardsim (4 readers) and
openmu-unitsim (3 units in imprint mode).

The cards of test-ceremony-plan.py run its first plan (set immediate);
300 storage keys are created in every unit through the service API and a
blob is wrapped. Three new key parts are generated (slot 1). A rotate plan
whose replaces= is not the units' current VP has nothing to do and changes
nothing. The rotate plan with replaces=<current VP> lists load, commit and
rotate (no set immediate); its run completes: every unit's current VP is
the VP of the XOR of the three new parts (white-box), its new register is
EMPTY, every storage key still unwraps to the same value (the listing's
VPs are computed from the keys as they unwrap now) and so does the blob;
the journal holds a countersigned rotate record per unit; a second run has
nothing to do. A unit whose current key is not the one replaced but whose
new register is in use makes the plan refuse, naming the unit, until that
register is cleared.
"""

import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardcli import OK, Stack, check, cli, cli_json, keyparts, main_wrapper  # noqa: E402
from unitsim_stack import Instance  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_plan = load("ceremony_plan", "test-ceremony-plan.py")
_secrecy = _plan._secrecy
PINS, GOOD, PLAN, vp, write = _plan.PINS, _plan.GOOD, _plan.PLAN, _plan.vp, _plan.write
REFUSED = 6
KEYS = 300
UNITS = ("unit1", "unit2", "unit3")


def rotate_plan(inst, replaces):
    return (PLAN.format(ini=inst.ini, sig=2).replace("slot=0\n", "slot=1\n")
            .replace("signers=1;2\n", f"signers=1;2\nfinish=rotate\nreplaces={replaces}\n"))


def status(st, inst):
    return cli_json(st, "unit", "status", "--instance", inst.ini)[1]["units"]


def token(inst, unit):
    return os.path.join(inst.dir, "units", unit, "service-token")


def key_cli(st, inst, unit, *args):
    return cli_json(st, "unit", "key", *args, "--instance", inst.ini, "--unit", unit,
                    "--token", token(inst, unit))[1]


def store_keys(st, inst, data):
    """KEYS keys in every unit; returns their listings and a blob per unit
    wrapped under its last key."""
    listed, blobs = {}, {}
    for unit in UNITS:
        j = key_cli(st, inst, unit, "create", "--count", KEYS)
        check(len(j["keys"]) == KEYS, f"{KEYS} keys created in {unit}")
        listed[unit] = key_cli(st, inst, unit, "list")["keys"]
        blobs[unit] = key_cli(st, inst, unit, "wrap", "--handle", listed[unit][-1]["handle"],
                              "--in", data)["blob"]
    return listed, blobs


def check_keys(st, inst, data, listed, blobs):
    with open(data, "rb") as f:
        plain = f.read()
    for unit in UNITS:
        keys = key_cli(st, inst, unit, "list")["keys"]
        check(len(keys) == KEYS and keys == listed[unit],
              f"{unit}: every stored key unwraps to the same value (same {KEYS} VPs)")
        j = key_cli(st, inst, unit, "unwrap", "--handle", listed[unit][-1]["handle"],
                    "--blob-hex", blobs[unit])
        check(bytes.fromhex(j["data"]) == plain,
              f"{unit}: a blob wrapped before the rotation unwraps after it")


def unchanged(before, after):
    keep = ("transaction_counter", "current_register", "new_register")
    return [[u[k] for k in keep] for u in before] == [[u[k] for k in keep] for u in after]


def run(st, tmp, inst):
    _plan.setup_cards(st, inst)
    first = write(os.path.join(tmp, "first.ini"), PLAN.format(ini=inst.ini, sig=2))
    r = cli(st, "ceremony", "run", first, pins=GOOD)
    check("set immediate" in r.out and "done: every unit matches" in r.out,
          "the first plan installs a master key (set immediate)", str(r))
    units = status(st, inst)
    old = units[0]["current_register"]["vp"]
    check(all(u["current_register"] == {"state": "VALID", "vp": old} for u in units),
          "every unit has the same VALID current master key", str(units))

    data = write(os.path.join(tmp, "data.bin"), "rotate me " * 30)
    listed, blobs = store_keys(st, inst, data)
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        cli(st, "card", "keypart-gen", "--reader", reader, "--label", f"second {name}",
            pins={"OPENMU_PIN": PINS[name]})
    secrets = _secrecy.read_secrets(st, ["alice", "bob", "carol"])
    parts = {}
    for card, kind, sec in secrets:
        if kind == "keypart":
            parts.setdefault(card, []).append(sec)  # in slot order
    slot1 = {c: next(k["vp"] for k in keyparts(st, r) if k["slot"] == 1)
             for c, r in (("alice", 1), ("bob", 2), ("carol", 3))}
    check(all(len(parts[c]) == 2 and vp(parts[c][1]) == slot1[c] for c in slot1),
          "two key parts on every card, the second in slot 1 (white-box)", str(slot1))
    mk2 = bytes(a ^ b ^ c for a, b, c in zip(parts["alice"][1], parts["bob"][1],
                                             parts["carol"][1]))
    check(vp(mk2) != old, "three new key parts in slot 1 (white-box: a new master key)")

    # -- replaces= not the units' key: nothing to do, nothing changed ----------
    other = ("0" if old[0] != "0" else "1") + old[1:]
    wrong = write(os.path.join(tmp, "wrong.ini"), rotate_plan(inst, other))
    before = status(st, inst)
    r = cli(st, "ceremony", "plan", wrong)
    check(r.out.startswith("nothing to do:") and len(r.out.splitlines()) == 1,
          "a rotate plan whose replaces= is not the current VP has nothing to do", str(r))
    r = cli(st, "ceremony", "run", wrong, pins=GOOD)
    check(r.out.startswith("nothing to do:") and len(r.out.splitlines()) == 1,
          "... and its run does nothing", str(r))
    check(unchanged(before, status(st, inst)),
          "... the units' registers and transaction counters are unchanged")

    # -- the rotate plan -----------------------------------------------------------
    plan = write(os.path.join(tmp, "rotate.ini"), rotate_plan(inst, old))
    r = cli(st, "ceremony", "plan", plan)
    lines = [ln for ln in r.out.splitlines() if ln.startswith("  ")]
    want = ("load key part 1 of 3 from slot 1", "load key part 2 of 3 from slot 1",
            "load key part 3 of 3 from slot 1", "commit the new master key register",
            "rotate: re-encipher the key storage under the new master key")
    check(len(lines) == len(want) and all(w in ln and ln.endswith("on unit1, unit2, unit3")
                                          for w, ln in zip(want, lines)),
          "ceremony plan lists load x3, commit, rotate on the three units (no set "
          "immediate)", str(r))
    journal = os.path.join(tmp, "rotate.journal")
    r = cli(st, "ceremony", "run", plan, "--journal", journal, pins=GOOD)
    done = _plan.ran(r.out)
    check("done: every unit matches" in r.out and done[-3:] == [("rotate", u) for u in UNITS],
          "ceremony run completes, rotating every unit last", str(r))
    _plan.check_journal(st, journal, done)
    units = status(st, inst)
    check(all(u["current_register"] == {"state": "VALID", "vp": vp(mk2)}
              and u["new_register"]["state"] == "EMPTY" and u["key_count"] == KEYS
              for u in units),
          "every unit: current VALID with the VP of the XOR of the new parts, new EMPTY, "
          f"{KEYS} keys kept", str(units))
    check_keys(st, inst, data, listed, blobs)
    before = status(st, inst)
    r = cli(st, "ceremony", "run", plan, "--journal", journal, pins=GOOD)
    check("nothing to do" in r.out, "a second run reports nothing to do", str(r))
    r = cli(st, "ceremony", "plan", plan)
    check("nothing to do" in r.out, "... and so does ceremony plan", str(r))
    check(unchanged(before, status(st, inst)), "... and nothing changed")

    # -- another key with a new register in use: refused, naming the unit -------
    cli(st, "unit", "mk-load", "--reader", 1, "--slot", 0, "--signer-reader", 1,
        "--unit", "unit2", "--instance", inst.ini,
        pins={"OPENMU_PIN": PINS["alice"], "OPENMU_SIGNER_PIN1": PINS["alice"]})
    before = status(st, inst)
    for cmd in ("plan", "run"):
        r = cli(st, "ceremony", cmd, plan, pins=GOOD, expect=REFUSED)
        check("unit2: its current master key" in r.err and "replaces=" in r.err
              and "mk-clrnew --unit unit2" in r.err and r.out == "",
              f"ceremony {cmd}: unit2 (another key, a part loaded) is refused by name",
              str(r))
    check(unchanged(before, status(st, inst)), "... and nothing was sent to any unit")
    cli(st, "unit", "mk-clrnew", "--signer-reader", 1, "--unit", "unit2", "--instance",
        inst.ini, pins={"OPENMU_SIGNER_PIN1": PINS["alice"]})
    r = cli(st, "ceremony", "plan", plan, expect=OK)
    check("nothing to do" in r.out, "once its new register is cleared: nothing to do", str(r))


def main():
    with Stack(readers=4) as st:
        inst = Instance(st.tmp, "rotate", units=3, recovery=0)
        try:
            inst.start()
            run(st, st.tmp, inst)
        finally:
            inst.stop()


if __name__ == "__main__":
    main_wrapper(main)
