#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`scripts/demo` without flags, as a person starts it: under Xvfb with a
private D-Bus and AT-SPI, scripts/demo-session.py (what scripts/demo runs
after building) must open the openmu window on a fresh virtual deck of four
blank cards with the deck panel, three emulated units in imprint mode on the
Crypto Units page, and the sample plan proposed by the ceremony assistant.
SIGTERM ends the demo: the window closes and the emulators stop.

Then openmu alone, with no pcscd, no instance file and no journal: the
window opens and each page says what is missing and how to fix it."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from guikit import check, click, node, page, run_main, wait, wait_text  # noqa: E402,E501
from stackenv import source_path  # noqa: E402


def demo(g):
    script = source_path("scripts/demo-session.py")
    app = g.start_app([], cmd=["/usr/bin/python3", script])
    wait_text(app, "deck status", "4 cards, 4 virtual readers", 60)
    wait_text(app, "readers status", "4 readers, 0 with a card")
    check(True, "scripts/demo opens the window on a deck of 4 blank cards and 4 readers")
    page(app, "Crypto Units")
    text = wait_text(app, "units status", "3 units", 60)
    check(True, f"the Crypto Units page shows the demo instance: {text}")
    click(app, "Ceremony assistant")
    asst = wait(lambda: next((w for w in app.children
                              if w is not None and w.name == "Ceremony assistant"), None),
                "the ceremony assistant")
    plan = wait(lambda: node(asst, "plan file", "text"), "the plan file entry").text
    check(plan.endswith("data/ceremony-sample.ini"),
          "the assistant proposes the sample plan", plan)
    click(asst, "Cancel")
    status = g.stop_app()
    check(status == 0, "SIGTERM ends the demo cleanly", f"status {status}")


def nothing(g):
    gone = os.path.join(g.tmp, "no-pcscd.sock")
    app = g.start_app(["--non-unique"], env={"PCSCLITE_CSOCK_NAME": gone,
                                             "OPENMU_INSTANCE": "", "OPENMU_JOURNAL": ""})
    text = wait_text(app, "readers status", "No smart card service")
    check("pcscd" in text, "no pcscd: the Smart Cards page says to start pcscd", text)
    page(app, "Crypto Units")
    text = wait_text(app, "units status", "No instance file")
    check("--instance" in text, "no instance: the Crypto Units page says how to give one", text)
    page(app, "Journal")
    text = wait_text(app, "journal status", "No journal")
    check("--journal" in text, "no journal: the Journal page says how to give one", text)
    status = g.stop_app()
    check(status == 0, "openmu quits cleanly", f"status {status}")


if __name__ == "__main__":
    run_main(demo, nothing)
