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
do. Both runs write one ceremony journal (--journal): it verifies and holds
one record per step and unit they ran, countersigned except the imprint
form of admin-add. A plan that adds carol as a third admin and first signer runs
the signed admin-add, which her own card does not sign.
"""

import hashlib
import os
import re
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


# journal step name of each step text of `ceremony run`
STEP_NAMES = (("add admin", "(imprint form", "add-admin-imprint"),
              ("add admin", "", "add-admin"), ("set thresholds", "", "set-thresholds"),
              ("load key part", "", "load-part"), ("commit", "", "commit"),
              ("set immediate", "", "set-immediate"), ("rotate", "", "rotate"))


def ran(out):
    """(journal step name, unit) of every unit a `ceremony run` output says
    it did, in order."""
    done, name = [], None
    for line in out.splitlines():
        m = re.match(r"step \d+: (.*) on ", line)
        if m:
            name = next(n for start, tail, n in STEP_NAMES
                        if m.group(1).startswith(start) and tail in m.group(1))
        m = re.match(r"  (\S+): done, transaction counter \d+$", line)
        if m:
            done.append((name, m.group(1)))
    return done


def check_journal(st, journal, done):
    r = cli(st, "journal", "verify", journal)
    check("verified" in r.out, "journal verify passes on the ceremony run's journal", str(r))
    j = cli(st, "journal", "show", "--json", journal).json()
    steps = [x for x in j["records"] if x["type"] == "step"]
    check([(x["step"], x["unit"]) for x in steps] == done,
          f"journal show lists one record per step and unit run ({len(done)})", str(j))
    check(all(x["ok"] for x in steps), "... every record ok", str(j))
    check(all(("countersigned_by" in x) == (x["step"] != "add-admin-imprint") for x in steps),
          "... countersigned, except the imprint form of admin-add", str(j))


def setup_cards(st, inst):
    """The CA card (reader 0); alice (1) and bob (2), admins, and carol (3),
    each with one key part in slot 0."""
    root = os.path.join(inst.dir, "root", "root-cert.pem")
    new_ca(st, "ca", 0, root, "ZONE-A", CA1, CA2)
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        new_ep11(st, name, reader, 0, CA1, CA2, PINS[name], label=name)
        pin = {"OPENMU_PIN": PINS[name]}
        if name != "carol":
            cli(st, "card", "sigkey-gen", "--reader", reader, "--name", name, pins=pin)
        cli(st, "card", "keypart-gen", "--reader", reader, "--label", f"part {name}", pins=pin)
    check(True, "CA card; alice, bob (admins) and carol enrolled, one key part each")


def run(st, tmp, inst):
    setup_cards(st, inst)

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
    journal = os.path.join(tmp, "plan.journal")
    badpin = dict(GOOD, OPENMU_PIN_3="000000")
    r = cli(st, "ceremony", "run", plan, "--journal", journal, pins=badpin, expect=None)
    done = ran(r.out)
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
    r = cli(st, "ceremony", "run", plan, pins=GOOD, env={"OPENMU_JOURNAL": journal})
    check("load key part 3" in r.out and "done: every unit matches" in r.out,
          "after fixing the PIN a new run completes", str(r))
    done += ran(r.out)
    check(len(done) == 8 * 3, f"the two runs ran 8 steps on 3 units ({len(done)})", str(r))
    check_journal(st, journal, done)

    secrets = _secrecy.read_secrets(st, ["alice", "bob", "carol"])
    parts = {card: s for card, kind, s in secrets if kind == "keypart"}
    mk = bytes(a ^ b ^ c for a, b, c in zip(parts["alice"], parts["bob"], parts["carol"]))
    _, j = cli_json(st, "unit", "status", "--instance", inst.ini)
    check(all(u["current_register"] == {"state": "VALID", "vp": vp(mk)} for u in j["units"]),
          "every unit: current VALID with the VP of the XOR of the three parts", str(j))
    _, j = cli_json(st, "unit", "compare", "--instance", inst.ini)
    check(j["equal"] and j["differences"] == 0, "unit compare shows no difference")
    r = cli(st, "ceremony", "run", plan, "--journal", journal, pins=GOOD)
    check("nothing to do" in r.out, "a second run reports nothing to do", str(r))
    check_journal(st, journal, done)
    r = cli(st, "ceremony", "plan", plan)
    check("nothing to do" in r.out, "... and so does ceremony plan", str(r))

    # -- a signed admin-add: the new admin's own card does not sign it -------
    cli(st, "card", "sigkey-gen", "--reader", 3, "--name", "carol",
        pins={"OPENMU_PIN": PINS["carol"]})
    more = write(os.path.join(tmp, "more.ini"),
                 PLAN.format(ini=inst.ini, sig=2).replace("signers=1;2", "signers=3;1;2")
                 + "\n[admin carol]\nreader=3\n")
    r = cli(st, "ceremony", "run", more, "--journal", journal, pins=GOOD)
    check("add admin carol" in r.out and "imprint" not in r.out
          and "done: every unit matches" in r.out,
          "a plan with a third admin as first signer adds her, signed", str(r))
    done += ran(r.out)
    check_journal(st, journal, done)
    j = cli(st, "journal", "show", "--json", journal).json()
    check(all(len(x["signers"]) == 2 for x in j["records"][-3:]),
          "... by alice and bob only, not by carol's own card", str(j))


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
