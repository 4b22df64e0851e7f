#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The openmu window driven as a person uses it: Xvfb + private D-Bus +
AT-SPI (dogtail), against a private pcscd + openmu-cardsim (2 readers) and
an openmu-unitsim instance of 2 units.

1. The deck panel inserts and removes a card; the Smart Cards page sees it.
2. A CA card and an EP11 card are made through the dialogs; a key part is
   generated; openmu-cli confirms what the cards now hold.
3. Crypto Units shows both units side by side, the difference highlighted.
4. With every APDU delayed by 200 ms, pages are switched and labels read
   while a card operation runs; the app's longest main-loop stall is printed.
Screenshots of each page go to docs/screenshots/."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "stack"))

from guikit import check, click, dialog, fill, node, page, run_main, shot, text_of, wait, wait_text  # noqa: E402,E501
from stackenv import Stack  # noqa: E402
from unitsim_stack import Admins, Instance  # noqa: E402

# A card operation run on the main loop would stall it for at least one
# delayed APDU (200 ms): the check is that none does. The figure itself is
# printed (it is normally a few ms).
STALL_LIMIT_MS = 200.0
CA_PIN1, CA_PIN2, EP_PIN = "123456", "654321", "246813"


def make_root(tmp):
    key, pem = os.path.join(tmp, "root.key"), os.path.join(tmp, "root.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-521", "-nodes", "-keyout", key, "-out", pem,
                    "-sha512", "-days", "3650", "-subj", "/O=OpenMU test manufacturer/CN=root",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                   check=True, capture_output=True)
    return pem


def cli_json(st, *args):
    import json
    r = st.cli(*args, "--json")
    return json.loads(r.stdout)


def functional(g):
    with Stack(readers=2) as st:
        inst = Instance(st.tmp, "inst", units=2)
        inst.start()
        try:
            admins = Admins(st.tmp, ["alice"])
            r = inst.client("unit1", "admin", "add-admin", "--input-file", admins.cert["alice"])
            check(r.rc == 0, "unit1 gets an admin in imprint mode (unit2 none)", str(r))
            root = make_root(st.tmp)
            journal = os.path.join(st.tmp, "journal.txt")
            open(journal, "w").close()
            for name in ("ca1", "ep1"):
                st.new_card(name)
            stall = os.path.join(g.tmp, "stall-functional")
            app = g.start_app(["--non-unique", "--cardsim-ctl", st.ctl_path, "--instance",
                               inst.ini, "--journal", journal],
                              env={**st.env, "OPENMU_TEST_STALL_LOG": stall,
                                   "OPENMU_ROOT_CERT": root})
            run_functional(g, st, app)
        finally:
            inst.stop()
        status = g.stop_app()
        check(status == 0, "openmu quits cleanly on SIGTERM", f"status {status}")


def run_functional(g, st, app):
    wait_text(app, "readers status", "2 readers, 0 with a card")
    wait_text(app, "deck status", "2 cards, 2 virtual readers")
    check(True, "the window lists 2 empty readers and the deck's 2 cards")

    click(app, "insert ca1 into 0")
    wait_text(app, "readers status", "2 readers, 1 with a card")
    check(st.held()[0] == "ca1", "the deck panel inserted ca1 into reader 0")
    wait_text(app, "card type", "blank")
    check(True, "the Smart Cards page shows the blank card in reader 0")
    click(app, "remove from 0")
    wait_text(app, "readers status", "2 readers, 0 with a card")
    check(st.held()[0] is None, "the deck panel removed the card; the reader list followed")
    click(app, "insert ca1 into 0")
    wait_text(app, "readers status", "1 with a card")
    wait_text(app, "card type", "blank")

    click(app, "Initialize CA card")
    dlg = dialog(app, "Initialize CA card")
    fill(dlg, {"zone": "ZONE-A", "zone-description": "Test zone", "label": "CA one",
               "pin1": CA_PIN1, "pin2": CA_PIN2})
    node(dlg, "Initialize", "push button").click()
    msg = wait_text(app, "message", "CA card of zone ZONE-A created", 60)
    check(CA_PIN1 not in msg and CA_PIN2 not in msg, "the CA card was created; no PIN shown")
    wait_text(app, "card type", "CA")
    info = cli_json(st, "card", "info", "--reader", "0")
    check(info.get("type") == "CA" and info.get("zone_id") == "ZONE-A",
          "openmu-cli sees a CA card of zone ZONE-A in reader 0", str(info))

    click(app, "insert ep1 into 1")
    wait_text(app, "readers status", "2 with a card")
    click(app, "reader 1", role="list item")
    wait_text(app, "card type", "blank")
    click(app, "Enroll EP11 card")
    dlg = dialog(app, "Enroll EP11 card")
    guide = node(dlg, "guidance", "label").text
    check("CA card in another reader" in guide, "the enroll dialog says where the CA card goes")
    fill(dlg, {"label": "Officer one", "pin1": CA_PIN1, "pin2": CA_PIN2, "new-pin": EP_PIN})
    node(dlg, "Enroll", "push button").click()
    wait_text(app, "message", "EP11 card enrolled", 60)
    wait_text(app, "card type", "EP11")
    wait_text(app, "card zone", "ZONE-A")
    check(True, "the EP11 card was enrolled through the dialog by the CA card in reader 0")

    click(app, "Generate key part")
    dlg = dialog(app, "Generate key part")
    fill(dlg, {"description": "master key part A", "pin1": EP_PIN})
    node(dlg, "Generate", "push button").click()
    msg = wait_text(app, "message", "Key part generated in slot", 60)
    part = wait(lambda: app.findChild(lambda n: n.name.startswith("key part ") and
                                      n.roleName == "label", retry=False,
                                      requireResult=False), "the key part in the list")
    check("master key part A" in part.text and "VP" in part.text,
          "the key part is listed with its description and VP", part.text)
    parts = cli_json(st, "card", "keyparts", "--reader", "1")["keyparts"]
    check(len(parts) == 1 and parts[0]["vp"].lower() in msg.lower(),
          "openmu-cli lists the same key part and VP", f"{parts} / {msg}")
    shot(app, "smart-cards.png")

    page(app, "Crypto Units")
    # `openmu-unitsim init --units 2 --recovery 1`: 2 operational + 1 recovery unit
    text = wait_text(app, "units status", "3 units")
    check("3 differences" in text,
          "Crypto Units compares the units; unit1's admin makes 3 rows differ", text)
    admin = wait(lambda: app.findChild(lambda n: n.name.startswith("unit1 admin:") and
                                       n.roleName == "label", retry=False,
                                       requireResult=False), "unit1's admin cell")
    check(admin.text == "alice", "unit1's admin is shown by name", admin.text)
    trust = wait_text(app, "trust unit1", "OA chain verified")
    check(True, f"trust indicator: {trust}")
    shot(app, "crypto-units.png")

    page(app, "Journal")
    wait_text(app, "journal status", "Journal verified")
    shot(app, "journal.png")
    page(app, "Smart Cards")


def responsiveness(g):
    with Stack(readers=2, delay_ms=200) as st:
        st.new_card("slow")
        st.insert("slow", 0)
        root = make_root(st.tmp)
        stall = os.path.join(g.tmp, "stall-delay")
        app = g.start_app(["--non-unique"],
                          env={**st.env, "OPENMU_TEST_STALL_LOG": stall,
                               "OPENMU_ROOT_CERT": root})
        wait_text(app, "card type", "blank", 60)
        click(app, "Initialize CA card")
        dlg = dialog(app, "Initialize CA card")
        fill(dlg, {"zone": "ZONE-B", "label": "slow CA", "pin1": CA_PIN1, "pin2": CA_PIN2})
        node(dlg, "Initialize", "push button").click()
        wait_text(app, "message", "Working with the card")
        worst = 0.0
        reads = 0  # label reads completed while the operation still ran
        tour = (("Crypto Units", "units status", "No instance file"),
                ("Journal", "journal status", "No journal"),
                ("Smart Cards", "readers status", "2 readers"))
        t_start = time.monotonic()
        while "Working with the card" in (text_of(app, "message") or ""):
            title, label, want = tour[reads % len(tour)]
            t0 = time.monotonic()
            page(app, title)
            wait_text(app, label, want, 10)
            worst = max(worst, time.monotonic() - t0)
            if "Working with the card" in (text_of(app, "message") or ""):
                reads += 1
        ran = time.monotonic() - t_start
        check(reads >= 3, f"{reads} page switches and label reads completed while the "
              f"card operation ran ({ran:.1f} s; slowest switch+read {worst * 1000:.0f} ms)")
        wait_text(app, "message", "CA card of zone ZONE-B created", 180)
        check(True, "the delayed operation finished")
        status = g.stop_app()
        check(status == 0, "openmu quits cleanly", f"status {status}")
        vals = dict(line.split("=", 1) for line in open(stall).read().split())
        ms = float(vals["max_stall_ms"])
        print(f"# longest main-loop stall with 200 ms per APDU: {ms:.1f} ms "
              f"({vals['ticks']} ticks)", flush=True)
        check(ms < STALL_LIMIT_MS, f"longest main-loop stall {ms:.1f} ms < {STALL_LIMIT_MS} ms")


if __name__ == "__main__":
    run_main(functional, responsiveness)
