#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The ceremony assistant driven as the officers use it: Xvfb + private
D-Bus + AT-SPI (dogtail), against a private pcscd + openmu-cardsim (4
readers) and an openmu-unitsim instance of 2 units in imprint mode.

The cards are prepared with openmu-cli (the CA card in reader 0; alice and
bob, admins with a key part each, in readers 1 and 2; carol with a key part
in reader 3). In the window: the assistant, from scratch with the readers
it proposes, lists the cards and the steps; the run asks each card's PIN in
a dialog; a wrong PIN for carol's card stops it at her key part, and Resume
finishes it. Both units then hold the same VALID master key, whose VP is
the one of the XOR of the three parts (white-box, from the card images);
the journal verifies; a second assistant, from a plan file, has nothing to
do. A screenshot of the assistant mid-ceremony goes to docs/screenshots/."""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "stack"))

from guikit import SHOTS, check, choose, click, fill, node, page, run_main, wait, wait_text  # noqa: E402,E501
import guienv  # noqa: E402
from cardcli import Stack, cli, cli_json  # noqa: E402
from unitsim_stack import Instance  # noqa: E402
import importlib.util  # noqa: E402

# The cards, PINs and plan of the ceremony-plan stack test, driven here
# through the window instead of openmu-cli.
_spec = importlib.util.spec_from_file_location(
    "ceremony_plan", os.path.join(HERE, "..", "stack", "test-ceremony-plan.py"))
_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_plan)
_secrecy = _plan._secrecy
CA1, CA2, PINS, vp = _plan.CA1, _plan.CA2, _plan.PINS, _plan.vp
READER_OF = {"alice": 1, "bob": 2, "carol": 3}


def assistant(app):
    """The assistant's toplevel window (None once it is closed)."""
    return next((w for w in app.children if w is not None and w.name == "Ceremony assistant"),
                None)


def open_assistant(app):
    click(app, "Ceremony assistant")
    try:
        return wait(lambda: assistant(app), "the ceremony assistant window", 5)
    except AssertionError:
        print([(w.name, w.roleName) for w in app.children])
        raise


def answer_pins(app, asst, pin_of_reader, until, shot_at=None, wrong=None):
    """Answers every "Card PIN" dialog with the PIN of the reader its
    guidance names, until the ceremony status contains one of until.
    wrong: (reader, pin) answered once instead of the right PIN.
    shot_at: a reader whose PIN dialog is photographed (once)."""
    asked = []
    end = time.monotonic() + 180
    while True:
        check_deadline = time.monotonic() < end
        if not check_deadline:
            raise AssertionError(f"the ceremony did not reach {until} in 180 s")
        status = node(asst, "ceremony status", "label")
        text = status.text if status is not None else ""
        for u in until:
            if u in text:
                return text, asked
        dlg = app.findChild(lambda n: n.roleName == "dialog" and n.name == "Card PIN",
                            retry=False, requireResult=False)
        if dlg is None:
            time.sleep(0.1)
            continue
        guide = wait(lambda: node(dlg, "guidance", "label"), "the PIN dialog's guidance").text
        reader = next((r for r in pin_of_reader if f'"{r}"' in guide), None)
        check(reader is not None, "the PIN dialog names the reader of the card it needs", guide)
        if shot_at is not None and reader == shot_at:
            guienv.screenshot(os.path.join(SHOTS, "ceremony-assistant.png"))
            print(f"# screenshot {SHOTS}/ceremony-assistant.png", flush=True)
            shot_at = None
        pin = pin_of_reader[reader]
        if wrong is not None and wrong[0] == reader:
            pin, wrong = wrong[1], None
        fill(dlg, {"pin": pin})
        node(dlg, "Continue", "push button").click()
        asked.append(reader)
        time.sleep(0.3)  # the dialog goes away before the next one comes


def ceremony(g):
    with Stack(readers=4) as st:
        inst = Instance(st.tmp, "inst", units=2, recovery=0)
        inst.start()
        try:
            _plan.setup_cards(st, inst)
            names = [r["name"] for r in cli_json(st, "readers")[1]["readers"]]
            journal = os.path.join(st.tmp, "journal.txt")
            plan = os.path.join(st.tmp, "plan.ini")
            with open(plan, "w") as f:
                f.write(_plan.PLAN.format(ini=inst.ini, sig=2))
            app = g.start_app(["--non-unique", "--cardsim-ctl", st.ctl_path, "--instance",
                               inst.ini, "--journal", journal],
                              env=st.env)
            run_assistant(g, st, app, inst, names, journal, plan)
        finally:
            inst.stop()
        status = g.stop_app()
        check(status == 0, "openmu quits cleanly", f"status {status}")


def run_assistant(g, st, app, inst, names, journal, plan):
    wait_text(app, "readers status", "4 with a card")
    asst = open_assistant(app)
    click(asst, "From scratch", role="radio button")
    wait(lambda: node(asst, "admin 1 reader", "combo box"), "the form's reader choices")
    click(asst, "Next")
    wait_text(asst, "preview status", "steps to run", 60)
    steps = node(asst, "steps", "label").text
    for text in ("add admin alice", "add admin bob", "set thresholds: signature 2, revocation 2",
                 "load key part 1 of 3", "load key part 3 of 3", "commit", "set immediate"):
        check(text in steps, f"the assistant lists the step \"{text}\"", steps)
    check("unit1, unit2" in steps, "... on both units", steps)
    cards = node(asst, "cards needed", "label").text
    check(f"admin alice goes in reader {names[1]}" in cards and
          f"key part 3: slot 0 of the card in reader {names[3]}" in cards,
          "the assistant says which card goes in which reader", cards)

    click(asst, "Apply")
    pin_of = {names[READER_OF[n]]: PINS[n] for n in PINS}
    text, asked = answer_pins(app, asst, pin_of, ("Stopped", "Done"),
                              shot_at=names[3], wrong=(names[3], "000000"))
    check("Stopped" in text and "key part 3" in text and "tries left" in text
          and "Resume" in text,
          "a wrong PIN for carol's card stops the run at her key part, saying how to resume",
          text)
    check(set(asked) == {names[1], names[2], names[3]},
          "the run asked the PINs of the three cards, each in a dialog", str(asked))
    _, j = cli_json(st, "unit", "status", "--instance", inst.ini)
    check(all(u["new_register"]["state"] == "PARTIAL" for u in j["units"]),
          "... the units hold two parts (PARTIAL)", str(j))

    click(asst, "Resume")
    text, _ = answer_pins(app, asst, pin_of, ("Stopped", "Done"))
    check("Done" in text, "Resume finishes the ceremony", text)
    log = node(asst, "ceremony log", "label").text
    check("resumed" in log and "load key part 3 of 3" in log and "set immediate" in log
          and "unit2: done" in log, "the progress view shows every step on every unit", log)

    secrets = _secrecy.read_secrets(st, ["alice", "bob", "carol"])
    parts = {card: s for card, kind, s in secrets if kind == "keypart"}
    mk = bytes(a ^ b ^ c for a, b, c in zip(parts["alice"], parts["bob"], parts["carol"]))
    _, j = cli_json(st, "unit", "status", "--instance", inst.ini)
    check(len(j["units"]) == 2 and
          all(u["current_register"] == {"state": "VALID", "vp": vp(mk)} for u in j["units"]),
          "both units: current master key VALID with the VP of the XOR of the three parts",
          str(j))
    secret_texts = [*PINS.values(), CA1, CA2, mk.hex(), *(v.hex() for v in parts.values())]
    shown = [n.text or "" for n in app.findChildren(lambda n: n.roleName == "label")]
    for w in app.children:
        shown += [n.text or "" for n in w.findChildren(lambda n: n.roleName == "label")]
    with open(os.path.join(g.tmp, "openmu.log"), errors="replace") as f:
        logged = f.read()
    leaks = [t for t in secret_texts if any(t.lower() in x.lower() for x in shown + [logged])]
    check(not leaks and len(shown) > 20,
          f"no PIN, key part or master key in the {len(shown)} labels of the windows or in "
          "the app's output", str(leaks))
    click(asst, "Next")
    click(asst, "Close")
    wait(lambda: assistant(app) is None, "the assistant closes")

    r = cli(st, "journal", "verify", journal)
    check("ok" in r.out.lower() or r.rc == 0, "openmu-cli journal verify passes", str(r))
    page(app, "Journal")
    wait_text(app, "journal status", "Journal verified")
    page(app, "Crypto Units")
    wait_text(app, "units status", "2 units")

    asst = open_assistant(app)
    entry = wait(lambda: node(asst, "plan file", "text"), "the plan file entry")
    entry.click()
    entry.typeText(plan)
    click(asst, "Next")
    wait_text(asst, "preview status", "Nothing to do", 60)
    check(True, "a second assistant, from the plan file, has nothing to do")
    click(asst, "Cancel")
    wait(lambda: assistant(app) is None, "the assistant closes")
    rotate(st, app, inst, names)


def rotate(st, app, inst, names):
    """A new master key from new key parts (slot 1), finishing with rotate:
    the keys stored under the old one still unwrap to the same values."""
    def keys(unit):
        token = os.path.join(inst.dir, "units", unit, "service-token")
        return cli_json(st, "unit", "key", "list", "--instance", inst.ini, "--unit", unit,
                        "--token", token)[1]["keys"]
    for unit in ("unit1", "unit2"):
        token = os.path.join(inst.dir, "units", unit, "service-token")
        cli_json(st, "unit", "key", "create", "--instance", inst.ini, "--unit", unit,
                 "--token", token, "--count", 50)
    before = {unit: keys(unit) for unit in ("unit1", "unit2")}
    for name in READER_OF:
        cli(st, "card", "keypart-gen", "--reader", READER_OF[name], "--label",
            f"new part {name}", pins={"OPENMU_PIN": PINS[name]})
    asst = open_assistant(app)
    click(asst, "From scratch", role="radio button")
    for i in (1, 2, 3):
        sb = wait(lambda: node(asst, f"part {i} slot", "spin button"), f"part {i} slot")
        sb.value = 1
    choose(asst, "finish", "rotate (replace the current master key)")
    click(asst, "Next")
    wait_text(asst, "preview status", "steps to run", 60)
    steps = node(asst, "steps", "label").text
    check("rotate" in steps and "set immediate" not in steps and "add admin" not in steps,
          "replacing the master key: the assistant lists the loads, commit and rotate", steps)
    click(asst, "Apply")
    pin_of = {names[READER_OF[n]]: PINS[n] for n in PINS}
    text, _ = answer_pins(app, asst, pin_of, ("Stopped", "Done"))
    check("Done" in text, "the rotate ceremony finishes", text)
    secrets = _secrecy.read_secrets(st, ["alice", "bob", "carol"])
    new = [s for card, kind, s in secrets if kind == "keypart"]
    check(len(new) == 6, "each card holds its old and its new key part", str(len(new)))
    parts = {}
    for card, kind, s in secrets:
        if kind == "keypart":
            parts.setdefault(card, []).append(s)
    mk = bytes(a ^ b ^ c for a, b, c in zip(parts["alice"][1], parts["bob"][1],
                                           parts["carol"][1]))
    _, j = cli_json(st, "unit", "status", "--instance", inst.ini)
    check(all(u["current_register"] == {"state": "VALID", "vp": vp(mk)} for u in j["units"]),
          "both units: the new master key is current, VP of the XOR of the new parts", str(j))
    check(all(len(before[u]) == 50 and keys(u) == before[u] for u in before),
          "the 50 keys stored in each unit under the old master key unwrap to the same values")
    click(asst, "Next")
    click(asst, "Close")


if __name__ == "__main__":
    run_main(ceremony)
