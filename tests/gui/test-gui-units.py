#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The admin commands of the Crypto Units page driven as the officers use
them: Xvfb + private D-Bus + AT-SPI (dogtail), against a private pcscd +
openmu-cardsim (4 readers) and an openmu-unitsim instance of 2 units in
imprint mode.

The cards are prepared with openmu-cli: the CA card of the units' root in
reader 0, alice and bob (EP11, admin signature keys) in readers 1 and 2,
carol (EP11, one key part, no admin key) in reader 3. In the window:

1. Add admin, from alice's then bob's card: the units are in imprint mode,
   so the dialog asks no signature; both names appear in the units table.
2. Set thresholds 2/2: the dialog lists alice and bob (not carol) as
   signing cards and asks 2 signatures; with both ticked and their PINs,
   imprint mode ends on both units.
3. Set thresholds 1/1 with only alice ticked: the unit's refusal (not
   enough signatures) is in the info bar in plain words; thresholds and
   transaction counters are unchanged.
4. The ceremony journal holds one record per unit and command and
   verifies; the signed ones are countersigned."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "stack"))

from guikit import check, click, dialog, fill, node, page, run_main, wait, wait_text  # noqa: E402,E501
from cardcli import Stack, cli, cli_json, new_ca, new_ep11  # noqa: E402
from unitsim_stack import Instance  # noqa: E402

CA1, CA2 = "739214", "581736"
PINS = {"alice": "620481", "bob": "407395", "carol": "952608"}
READER_OF = {"alice": 1, "bob": 2, "carol": 3}


def prepare_cards(st, inst):
    root = os.path.join(inst.dir, "root", "root-cert.pem")
    new_ca(st, "ca", 0, root, "ZONE-A", CA1, CA2)
    for name, reader in READER_OF.items():
        new_ep11(st, name, reader, 0, CA1, CA2, PINS[name], label=name)
        pin = {"OPENMU_PIN": PINS[name]}
        if name == "carol":
            cli(st, "card", "keypart-gen", "--reader", reader, "--label", "part carol",
                pins=pin)
        else:
            cli(st, "card", "sigkey-gen", "--reader", reader, "--name", name, pins=pin)
    check(True, "cards prepared with openmu-cli: CA; alice and bob (admins); carol (key part)")


def cell(app, unit, key):
    """Text of the units table cell of unit and row key ('imprint', ...)."""
    n = node(app, f"{unit} {key}", "label")
    return None if n is None else n.text


def admin_cells(app, unit):
    """Names in unit's admin rows of the units table (empty cells: '-')."""
    found = app.findChildren(lambda n: n.roleName == "label" and
                             n.name.startswith(f"{unit} admin:"))
    return sorted(n.text for n in found if n.text != "-")


def status_json(st, inst):
    return {u["name"]: u for u in cli_json(st, "unit", "status", "--instance",
                                           inst.ini)[1]["units"]}


def add_admin(app, name):
    click(app, "Add admin")
    dlg = dialog(app, "Add admin")
    click(dlg, f"new admin {name}", role="radio button")
    what = wait_text(dlg, "command summary", f"install admin {name}")
    check("imprint mode" in what and "unit1 and unit2" in what,
          f"the dialog says it installs {name} on both units, unsigned (imprint mode)", what)
    need = wait_text(dlg, "signatures needed", "No admin signature needed")
    check("imprint mode" in need, "... and that no signature is needed", need)
    click(dlg, "Add admin")
    msg = wait_text(app, "message", f"unit2: admin {name} installed", 60)
    check(f"unit1: admin {name} installed" in msg,
          f"the info bar says {name} was installed on both units", msg)


def thresholds_dialog(app, sig, rev):
    click(app, "Set thresholds")
    dlg = dialog(app, "Set thresholds")
    for label, value in (("signature threshold", sig), ("revocation threshold", rev)):
        spin = wait(lambda: node(dlg, label, "spin button"), f"spin button '{label}'")
        spin.value = value
    wait_text(dlg, "command summary", f"signature threshold {sig}, revocation threshold {rev}")
    return dlg


def sign_with(dlg, names):
    for name in names:
        click(dlg, f"signer {name}", role="check box")
        ok = node(dlg, "Set thresholds", "push button")
        check(not ok.sensitive, f"OK waits for the PIN of {name}'s ticked card")
        fill(dlg, {f"PIN of {name}": PINS[name]})


def run_units(app, st, inst, journal):
    wait_text(app, "readers status", "4 with a card")
    page(app, "Crypto Units")
    wait_text(app, "units status", "2 units", 60)
    check(cell(app, "unit1", "imprint") == "yes" and cell(app, "unit2", "imprint") == "yes",
          "both units start in imprint mode")

    # 1. two admins in imprint mode, from their cards
    add_admin(app, "alice")
    wait(lambda: admin_cells(app, "unit1") == ["alice"] and
         admin_cells(app, "unit2") == ["alice"], "alice in the units table", 30)
    check(True, "the units table shows admin alice on both units")
    add_admin(app, "bob")
    wait(lambda: admin_cells(app, "unit1") == ["alice", "bob"] and
         admin_cells(app, "unit2") == ["alice", "bob"], "alice and bob in the units table", 30)
    check(True, "the units table shows admins alice and bob on both units")

    # 2. thresholds 2/2 signed by both cards: imprint mode ends
    dlg = thresholds_dialog(app, 2, 2)
    what = node(dlg, "command summary", "label").text
    check("This ends imprint mode" in what, "the dialog says imprint mode ends", what)
    need = wait_text(dlg, "signatures needed", "Needs 2 admin signatures")
    check("new signature threshold" in need,
          "... and that it needs 2 signatures (the new signature threshold)", need)
    check(node(dlg, "signer alice", "check box") is not None and
          node(dlg, "signer bob", "check box") is not None and
          node(dlg, "signer carol", "check box") is None,
          "the signing cards offered are alice's and bob's (carol's card has no admin key)")
    sign_with(dlg, ["alice", "bob"])
    click(dlg, "Set thresholds")
    msg = wait_text(app, "message", "unit2: thresholds set: signature 2, revocation 2", 60)
    check("unit1: thresholds set: signature 2, revocation 2 (2 signatures" in msg and
          not any(pin in msg for pin in PINS.values()),
          "the info bar says both units took the thresholds with 2 signatures; no PIN shown",
          msg)
    wait(lambda: cell(app, "unit1", "imprint") == "no" and cell(app, "unit2", "imprint") == "no",
         "imprint mode off in the units table", 30)
    check(cell(app, "unit1", "signature-threshold") == "2" and
          cell(app, "unit2", "revocation-threshold") == "2",
          "the units table shows imprint mode ended, thresholds 2/2")
    before = status_json(st, inst)
    check(all(not u["imprint"] and u["signature_threshold"] == 2 for u in before.values()),
          "openmu-cli confirms: both units out of imprint mode, thresholds 2/2", str(before))

    # 3. one signing card where two are needed: the unit refuses
    dlg = thresholds_dialog(app, 1, 1)
    wait_text(dlg, "signatures needed", "Needs 2 admin signatures")
    sign_with(dlg, ["alice"])
    click(dlg, "Set thresholds")
    msg = wait_text(app, "message", "unit2: not done", 60)
    check("unit1 refused" in msg and "not enough administrator signatures" in msg and
          "tick more signing cards" in msg and "--signer-reader" not in msg,
          "the info bar gives the units' refusal in plain words (not enough signatures)", msg)
    after = status_json(st, inst)
    check(all(after[u]["signature_threshold"] == 2 and after[u]["revocation_threshold"] == 2
              and after[u]["transaction_counter"] == before[u]["transaction_counter"]
              for u in after),
          "nothing changed on the units: thresholds 2/2, same transaction counters", str(after))

    # 4. the journal: one record per unit and command, countersigned when signed
    j = cli(st, "journal", "show", "--json", journal).json()
    steps = [x for x in j["records"] if x["type"] == "step"]
    kinds = [(x["step"], x["unit"], x["ok"]) for x in steps]
    want = [("add-admin-imprint", "unit1", True), ("add-admin-imprint", "unit2", True)] * 2 + \
        [("set-thresholds", "unit1", True), ("set-thresholds", "unit2", True),
         ("set-thresholds", "unit1", False), ("set-thresholds", "unit2", False)]
    check(j["verified"] and kinds == want,
          "the journal verifies and holds one record per unit and command", str(kinds))
    v = cli(st, "journal", "verify", "--json", journal).json()
    check(v["countersigned"] == 4, "the 4 signed records are countersigned", str(v))


def units(g):
    with Stack(readers=4) as st:
        inst = Instance(st.tmp, "inst", units=2, recovery=0)
        inst.start()
        try:
            prepare_cards(st, inst)
            journal = os.path.join(st.tmp, "journal.txt")
            app = g.start_app(["--non-unique", "--cardsim-ctl", st.ctl_path,
                               "--instance", inst.ini, "--journal", journal],
                              env=st.env)
            run_units(app, st, inst, journal)
        finally:
            inst.stop()
        status = g.stop_app()
        check(status == 0, "openmu quits cleanly", f"status {status}")


if __name__ == "__main__":
    run_main(units)
