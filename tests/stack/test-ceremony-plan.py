# SPDX-License-Identifier: Apache-2.0
"""Ceremony plans through openmu-cli only: pcscd + vpcd + openmu-cardsim
(4 readers) and openmu-unitsim (3 units in imprint mode).

The cards stay in their readers: a CA card (0), alice (1) and bob (2),
admins with one key part each, and carol (3) with one key part. An
impossible plan is refused; `ceremony plan` lists the steps; a `ceremony
run` with a wrong PIN for carol's card stops at the third part with a
message saying how to resume; after fixing the PIN a new run completes:
every unit has a VALID current register with the VP of the XOR of the three
parts (white-box), `unit compare` is clean, and a third run has nothing to
do.
"""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardcli import OK, Stack, check, cli, cli_json, new_ca, new_ep11, main_wrapper  # noqa: E402
from unitsim_stack import Instance  # noqa: E402
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "card_secrecy", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "test-card-secrecy.py"))
_secrecy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_secrecy)

CA1, CA2 = "739214", "581736"
PINS = {"alice": "620481", "bob": "407395", "carol": "952608"}
GOOD = {"OPENMU_PIN_1": PINS["alice"], "OPENMU_PIN_2": PINS["bob"],
        "OPENMU_PIN_3": PINS["carol"]}

PLAN = """# test plan
[plan]
instance={ini}

[admin alice]
reader=1

[admin bob]
reader=2

[thresholds]
signature={sig}
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


def vp(key):
    return (hashlib.sha256(b"\x01" + key).digest()[:28] + b"\x00" * 4).hex()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def run(st, tmp, inst):
    root = os.path.join(inst.dir, "root", "root-cert.pem")
    new_ca(st, "ca", 0, root, "ZONE-A", CA1, CA2)
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        new_ep11(st, name, reader, 0, CA1, CA2, PINS[name], label=name)
        pin = {"OPENMU_PIN": PINS[name]}
        if name != "carol":
            cli(st, "card", "sigkey-gen", "--reader", reader, "--name", name, pins=pin)
        cli(st, "card", "keypart-gen", "--reader", reader, "--label", f"part {name}", pins=pin)
    check(True, "CA card; alice, bob (admins) and carol enrolled, one key part each")

    plan = write(os.path.join(tmp, "plan.ini"), PLAN.format(ini=inst.ini, sig=2))
    bad = write(os.path.join(tmp, "bad.ini"), PLAN.format(ini=inst.ini, sig=3))
    r = cli(st, "ceremony", "plan", bad, expect=None)
    check(r.rc != OK and "[thresholds]" in r.err and "impossible" in r.err,
          "a plan with signature threshold 3 for 2 admins is refused", str(r))
    typo = write(os.path.join(tmp, "typo.ini"),
                 PLAN.format(ini=inst.ini, sig=2).replace("slot=0\n", "slott=0\n", 1))
    r = cli(st, "ceremony", "plan", typo, expect=None)
    check(r.rc != OK and "[part 1]" in r.err and "slott" in r.err,
          "an unknown key is refused, naming its group", str(r))
    wrong = write(os.path.join(tmp, "wrong.ini"),
                  PLAN.format(ini=inst.ini, sig=2).replace("[part 3]\nreader=3",
                                                           "[part 3]\nreader=9"))
    r = cli(st, "ceremony", "plan", wrong, expect=None)
    check(r.rc != OK and "9" in r.err, "an unknown reader is refused", str(r))

    r = cli(st, "ceremony", "plan", plan)
    for text in ("add admin alice", "add admin bob", "set thresholds: signature 2, revocation 2",
                 "load key part 1 of 3", "load key part 3 of 3", "commit", "set immediate"):
        check(text in r.out, f"ceremony plan lists \"{text}\"", str(r))
    check("unit1, unit2, unit3" in r.out, "... on the three units", str(r))

    # -- a failing step stops the run; a new run resumes ---------------------
    badpin = dict(GOOD, OPENMU_PIN_3="000000")
    r = cli(st, "ceremony", "run", plan, pins=badpin, expect=None)
    check(r.rc != OK and "ceremony stopped at step" in r.err and "load key part 3" in r.err
          and "again" in r.err and "resumes" in r.err,
          "a wrong PIN for carol's card stops the run at part 3, saying how to resume", str(r))
    _, j = cli_json(st, "unit", "status", "--instance", inst.ini)
    check(all(u["new_register"]["state"] == "PARTIAL" for u in j["units"]),
          "... the units hold two parts (PARTIAL)", str(j))
    r = cli(st, "ceremony", "plan", plan)
    check("add admin" not in r.out and "thresholds" not in r.out
          and "load key part 3 of 3" in r.out and "load key part 1" not in r.out,
          "ceremony plan now lists only part 3, commit and set immediate", str(r))
    r = cli(st, "ceremony", "run", plan, pins=GOOD)
    check("load key part 3" in r.out and "done: every unit matches" in r.out,
          "after fixing the PIN a new run completes", str(r))

    secrets = _secrecy.read_secrets(st, ["alice", "bob", "carol"])
    parts = {card: s for card, kind, s in secrets if kind == "keypart"}
    mk = bytes(a ^ b ^ c for a, b, c in zip(parts["alice"], parts["bob"], parts["carol"]))
    _, j = cli_json(st, "unit", "status", "--instance", inst.ini)
    check(all(u["current_register"] == {"state": "VALID", "vp": vp(mk)} for u in j["units"]),
          "every unit: current VALID with the VP of the XOR of the three parts", str(j))
    _, j = cli_json(st, "unit", "compare", "--instance", inst.ini)
    check(j["equal"] and j["differences"] == 0, "unit compare shows no difference")
    r = cli(st, "ceremony", "run", plan, pins=GOOD)
    check("nothing to do" in r.out, "a second run reports nothing to do", str(r))
    r = cli(st, "ceremony", "plan", plan)
    check("nothing to do" in r.out, "... and so does ceremony plan", str(r))


def main():
    with Stack(readers=4) as st:
        inst = Instance(st.tmp, "plan", units=3, recovery=0)
        try:
            inst.start()
            run(st, st.tmp, inst)
        finally:
            inst.stop()


if __name__ == "__main__":
    main_wrapper(main)
