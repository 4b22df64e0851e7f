# SPDX-License-Identifier: Apache-2.0
"""A key ceremony end to end, through openmu-cli only: pcscd + vpcd +
openmu-cardsim (4 readers, APDU trace on) and openmu-unitsim (3 units,
--dump-plaintext on).

A CA card holding the units' manufacturer root enrolls three EP11 cards:
alice and bob (admins, one key part each) and carol (one key part). Both
admins are installed in imprint mode, the thresholds set to 2/2 (signed by
both cards), the three parts loaded into every unit (each card verifies
each unit and wraps its part; one PIN entry per card), committed (two
signatures) and set immediate: every unit then has a VALID current master
key whose VP is the VP of the XOR of the three parts (read white-box from
the card images with $OPENMU_CARD_SECRETS) and `unit compare` is clean.

Security checks: a unit of another manufacturer root gets no key part (the
card refuses); a block signed once where two signatures are needed is
refused by the unit; the card of an admin of another zone, not installed,
is refused before any admin command is sent. Secrecy: no key part, master
key or private key appears in the cardsim trace, the unitsim plaintext
dump, or any program output.
"""

import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardcli import (OK, Stack, check, cli, cli_json, new_ca, new_ep11,  # noqa: E402
                     main_wrapper)
from unitsim_stack import CLIENT, Instance  # noqa: E402
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "card_secrecy", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "test-card-secrecy.py"))
_secrecy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_secrecy)
read_secrets, Haystack = _secrecy.read_secrets, _secrecy.Haystack

REFUSED, TRUST = 6, 5
CA1, CA2 = "739214", "581736"
PINS = {"alice": "620481", "bob": "407395", "carol": "952608", "dave": "318264"}


def vp(key):
    return (hashlib.sha256(b"\x01" + key).digest()[:28] + b"\x00" * 4).hex()


JOURNAL = []  # the run's journal file, set in run()


CEREMONY_CMDS = {"admin-add", "admin-rm", "thresholds-set", "mk-load", "mk-commit",
                 "mk-setimm", "mk-rotate", "mk-clrnew", "mk-clrcur", "zeroize"}


def journal_args(args):
    return ("--journal", JOURNAL[0]) if args[0] in CEREMONY_CMDS else ()


def unit_cli(st, inst, *args, pins=None, expect=OK):
    return cli(st, "unit", *args, "--instance", inst.ini, *journal_args(args),
               pins=pins, expect=expect)


def unit_json(st, inst, *args, pins=None, expect=OK):
    r = cli(st, "unit", *args, "--instance", inst.ini, *journal_args(args), "--json",
            pins=pins, expect=expect)
    return r, r.json()


def check_journal(st, tmp, path):
    """journal verify passes on the run's journal and fails on copies with one
    record edited, one dropped and two swapped."""
    r = cli(st, "journal", "verify", path)
    check("verified" in r.out, "journal verify passes on the run's journal", str(r))
    with open(path) as f:
        lines = f.read().splitlines(keepends=True)
    steps = [i for i, ln in enumerate(lines) if " type=step " in ln]
    check(len(steps) >= 20, f"the journal holds {len(steps)} step records")
    k = steps[len(steps) // 2]
    edited = list(lines)
    edited[k] = edited[k].replace(" result=ok ", " result=refused:x ", 1)
    check(edited[k] != lines[k], "... a record to edit")
    dropped = lines[:k] + lines[k + 1:]
    swapped = list(lines)
    swapped[k], swapped[k + 1] = swapped[k + 1], swapped[k]
    for what, text in (("one record edited", edited), ("one record dropped", dropped),
                       ("two records swapped", swapped)):
        copy = os.path.join(tmp, "journal-copy")
        with open(copy, "w") as f:
            f.write("".join(text))
        r = cli(st, "journal", "verify", copy, expect=1)
        check(f"line {k + 1}:" in r.err, f"journal verify fails on a copy with {what} "
              f"(line {k + 1} named)", str(r))


def admin_requests(dump):
    """Number of ADMIN requests (op 03) in the unitsim plaintext dump."""
    if not os.path.exists(dump):
        return 0
    n = 0
    with open(dump) as f:
        for line in f:
            payload = line.split()[1]
            if payload.startswith("800101810103"):
                n += 1
    return n


def body(st, tmp):
    dump = os.path.join(tmp, "plaintext.dump")
    inst = Instance(tmp, "ceremony", units=3, recovery=0)
    foreign = Instance(tmp, "foreign", units=1, recovery=0)
    started = []
    try:
        inst.start(extra=("--dump-plaintext", dump))
        started.append(inst)
        foreign.start()
        started.append(foreign)
        run(st, tmp, inst, foreign, dump)
    finally:
        for i in started:
            i.stop()


def run(st, tmp, inst, foreign, dump):
    JOURNAL[:] = [os.path.join(tmp, "ceremony.journal")]
    root = os.path.join(inst.dir, "root", "root-cert.pem")
    new_ca(st, "ca", 0, root, "ZONE-A", CA1, CA2)
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        new_ep11(st, name, reader, 0, CA1, CA2, PINS[name], label=name)
        pin = {"OPENMU_PIN": PINS[name]}
        if name != "carol":
            cli(st, "card", "sigkey-gen", "--reader", reader, "--name", name, pins=pin)
        cli(st, "card", "keypart-gen", "--reader", reader, "--label", f"part {name}", pins=pin)
    check(True, "CA card with the unit root; alice, bob (admins) and carol enrolled")

    # -- admins and thresholds ------------------------------------------------
    for reader in (1, 2):
        _, j = unit_json(st, inst, "admin-add", "--reader", reader)
        check(all(u["installed"] for u in j["units"]) and len(j["units"]) == 3,
              f"admin-add --reader {reader} (imprint form) on the 3 units")
    signers = ["--signer-reader", 1, "--signer-reader", 2]
    two = {"OPENMU_SIGNER_PIN1": PINS["alice"], "OPENMU_SIGNER_PIN2": PINS["bob"]}
    one = {"OPENMU_SIGNER_PIN1": PINS["alice"]}
    _, j = unit_json(st, inst, "thresholds-set", "--sig", 2, "--rev", 2, *signers, pins=two)
    check(all(u["ok"] and u["signatures"] == 2 for u in j["units"]),
          "thresholds 2/2 set on every unit with two card signatures")

    # -- a captured signed block replayed: the unit refuses ---------------------
    with open(dump) as f:
        captured = [line.split() for line in f if line.split()[1].startswith("800101810103")]
    unit, payload = captured[-1]
    before_status = unit_json(st, inst, "status", "--unit", unit)[1]["units"][0]
    r = subprocess.run([CLIENT, "--instance", inst.ini, "--unit", unit, "replay", payload],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and r.stdout.strip() == "status counter",
          f"the captured thresholds-set block replayed to {unit} is refused as a replay",
          r.stdout + r.stderr)
    after_status = unit_json(st, inst, "status", "--unit", unit)[1]["units"][0]
    check(after_status["transaction_counter"] == before_status["transaction_counter"],
          "... and changes nothing")

    # -- a block signed once where two are needed: the unit refuses ----------
    r, j = unit_json(st, inst, "admin-rm", "--reader", 2, "--signer-reader", 1, pins=one,
                     expect=REFUSED)
    check(all(u["error"]["kind"] == "unit" and u["error"]["status"] == "quorum"
              for u in j["units"]), "admin-rm with one signature (2 needed): quorum refused")

    # -- an admin of another zone, not installed: refused before sending ----
    st.new_card("ca-b")
    st.remove(0)
    st.insert("ca-b", 0)
    cli(st, "card", "init-ca", "--reader", 0, "--root", root, "--zone", "ZONE-B",
        pins={"OPENMU_CA_PIN1": CA1, "OPENMU_CA_PIN2": CA2})
    st.remove(3)
    new_ep11(st, "dave", 3, 0, CA1, CA2, PINS["dave"], label="dave")
    cli(st, "card", "sigkey-gen", "--reader", 3, "--name", "dave",
        pins={"OPENMU_PIN": PINS["dave"]})
    before = admin_requests(dump)
    r = unit_cli(st, inst, "mk-clrnew", "--signer-reader", 3,
                 pins={"OPENMU_SIGNER_PIN1": PINS["dave"]}, expect=REFUSED)
    check("not installed" in r.err and "nothing was signed or sent" in r.err,
          "a card of zone B whose admin is not installed is refused", str(r))
    check(admin_requests(dump) == before, "... and no admin command reached any unit")
    st.remove(3)
    st.insert("carol", 3)

    # -- a unit of another manufacturer root: the card refuses to wrap ------
    cli(st, "unit", "admin-add", "--reader", 1, "--instance", foreign.ini)
    cli(st, "unit", "thresholds-set", "--sig", 1, "--rev", 1, "--signer-reader", 1,
        "--instance", foreign.ini, pins=one)
    r = cli(st, "unit", "mk-load", "--reader", 1, "--slot", 0, "--signer-reader", 1,
            "--instance", foreign.ini, pins={"OPENMU_PIN": PINS["alice"]}, expect=TRUST)
    check("does not chain" in r.err and "no key part left the card" in r.err,
          "the card refuses a unit of another manufacturer root", str(r))
    _, j = cli_json(st, "unit", "status", "--instance", foreign.ini)
    check(j["units"][0]["new_register"]["state"] == "EMPTY",
          "... and that unit's new register stays EMPTY")

    # -- load three parts, commit, set immediate --------------------------------
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        pins = {"OPENMU_PIN": PINS[name], "OPENMU_SIGNER_PIN1": PINS["alice"]}
        _, j = unit_json(st, inst, "mk-load", "--reader", reader, "--slot", 0,
                         "--signer-reader", 1, pins=pins)
        check(all(u["ok"] for u in j["units"]) and len({u["vp"] for u in j["units"]}) == 1,
              f"{name}'s part loaded into the 3 units (one PIN entry)")
    secrets = read_secrets(st, ["ca", "alice", "bob", "carol", "ca-b", "dave"])
    parts = {card: s for card, kind, s in secrets if kind == "keypart"}
    check(set(parts) == {"alice", "bob", "carol"}, "one key part on each card (white-box)")
    mk = bytes(a ^ b ^ c for a, b, c in zip(parts["alice"], parts["bob"], parts["carol"]))
    _, j = unit_json(st, inst, "mk-commit", "--vp", vp(mk), *signers, pins=two)
    check(all(u["ok"] and u["vp"] == vp(mk) for u in j["units"]),
          "committed with two signatures; register VP = VP(part1 ^ part2 ^ part3)")
    unit_json(st, inst, "mk-setimm", "--signer-reader", 1, pins=one)
    _, j = unit_json(st, inst, "status")
    check(all(u["current_register"] == {"state": "VALID", "vp": vp(mk)} for u in j["units"]),
          "every unit: current register VALID with the VP of the XOR of the parts")
    r, j = unit_json(st, inst, "compare")
    check(j["equal"] and j["differences"] == 0, "unit compare shows no difference")
    check_journal(st, tmp, JOURNAL[0])

    # -- 5000 keys per unit, then a second master key loaded and rotated --------
    before = {}
    blobs = {}
    data = os.path.join(tmp, "data.bin")
    with open(data, "wb") as f:
        f.write(os.urandom(300))
    for unit in ("unit1", "unit2", "unit3"):
        token = os.path.join(inst.dir, "units", unit, "service-token")
        _, j = cli_json(st, "unit", "key", "create", "--instance", inst.ini, "--unit", unit,
                        "--token", token, "--count", 5000)
        check(len(j["keys"]) == 5000, f"5000 keys created in {unit}")
        _, j = cli_json(st, "unit", "key", "list", "--instance", inst.ini, "--unit", unit,
                        "--token", token)
        before[unit] = j["keys"]
        _, j = cli_json(st, "unit", "key", "wrap", "--instance", inst.ini, "--unit", unit,
                        "--token", token, "--handle", j["keys"][-1]["handle"], "--in",
                        data)
        blobs[unit] = j["blob"]
    for name, reader in (("alice", 1), ("bob", 2), ("carol", 3)):
        cli(st, "card", "keypart-gen", "--reader", reader, "--label", f"second {name}",
            pins={"OPENMU_PIN": PINS[name]})
        pins = {"OPENMU_PIN": PINS[name], "OPENMU_SIGNER_PIN1": PINS["alice"]}
        _, j = unit_json(st, inst, "mk-load", "--reader", reader, "--slot", 1,
                         "--signer-reader", 1, pins=pins)
        check(all(u["ok"] for u in j["units"]), f"{name}'s second part loaded")
    secrets = read_secrets(st, ["ca", "alice", "bob", "carol", "ca-b", "dave"])
    second = {}
    for card, kind, sec in secrets:
        if kind == "keypart":
            second.setdefault(card, []).append(sec)
    mk2 = bytes(a ^ b ^ c for a, b, c in zip(second["alice"][1], second["bob"][1],
                                             second["carol"][1]))
    unit_json(st, inst, "mk-commit", "--vp", vp(mk2), *signers, pins=two)
    unit_json(st, inst, "mk-rotate", "--signer-reader", 1, pins=one)
    _, j = unit_json(st, inst, "status")
    check(all(u["current_register"] == {"state": "VALID", "vp": vp(mk2)} and
              u["new_register"]["state"] == "EMPTY" and u["key_count"] == 5000
              for u in j["units"]),
          "after mk-rotate every unit has the second master key current, 5000 keys kept")
    for unit in ("unit1", "unit2", "unit3"):
        token = os.path.join(inst.dir, "units", unit, "service-token")
        _, j = cli_json(st, "unit", "key", "list", "--instance", inst.ini, "--unit", unit,
                        "--token", token)
        check(j["keys"] == before[unit],
              f"{unit}: every key unwraps under the new master key to the same value")
        _, j = cli_json(st, "unit", "key", "unwrap", "--instance", inst.ini, "--unit", unit,
                        "--token", token, "--handle", before[unit][-1]["handle"],
                        "--blob-hex", blobs[unit])
        with open(data, "rb") as f:
            check(bytes.fromhex(j["data"]) == f.read(),
                  f"{unit}: a blob wrapped before the rotation unwraps after it")

    # -- secrecy -----------------------------------------------------------------
    st.stop_cardsim()
    hay = []
    for path in (st.trace_path, dump):
        with open(path, "rb") as f:
            hay.append(Haystack(os.path.basename(path), f.read()))
    check(len(hay[0].raw) > 10000 and len(hay[1].raw) > 10000,
          "the cardsim trace and the unitsim dump are not trivial")
    hay.append(Haystack("program outputs", "\n".join(st.outputs).encode()))
    with open(JOURNAL[0], "rb") as f:
        hay.append(Haystack("the ceremony journal", f.read()))
    wanted = [(c, k, s) for c, k, s in secrets if k != "pin1" and k != "pin2"]
    wanted.append(("instance", "master-key", mk))
    wanted.append(("instance", "second master key", mk2))
    for card, kind, s in wanted:
        for h in hay:
            leak = h.leak(s)
            if leak is not None:
                raise AssertionError(f"{kind} of {card} appears in {h.what}")
    check(True, f"none of {len(wanted)} secrets (key parts, master key, private keys) "
                "in traces, dumps or outputs")


def main():
    with Stack(readers=4, trace=True) as st:
        body(st, st.tmp)


if __name__ == "__main__":
    main_wrapper(main)
