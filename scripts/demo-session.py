#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The demo, started by scripts/demo, on a fresh virtual deck (a private
pcscd with four vpcd readers, openmu-cardsim) and three emulated crypto
units (openmu-unitsim) in imprint mode.

--headless: a card session and a full key ceremony through openmu-cli
only: three EP11 cards are made, then `openmu-cli ceremony run
data/ceremony-sample.ini` takes the units to a VALID master key.
Otherwise: the openmu window opens on four blank cards, with the deck panel
and the sample plan proposed by the ceremony assistant, for a rehearsal."""
import os
import shlex
import signal
import subprocess
import sys

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SAMPLE_PLAN = os.path.join(SOURCE, "data", "ceremony-sample.ini")
sys.path.insert(0, os.path.join(SOURCE, "tests", "stack"))
from stackenv import Stack  # noqa: E402
from unitsim_stack import Instance  # noqa: E402

# Demo PINs of the rehearsal deck. Real ceremonies type PINs at a no-echo prompt.
DEMO_ENV = {
    "OPENMU_CA_PIN1": "111111",
    "OPENMU_CA_PIN2": "222222",
    "OPENMU_NEW_PIN": "123456",
    "OPENMU_PIN": "123456",
}


def step(title):
    print(f"\n== {title}")


def show(st, *args):
    r = st.cli(*args, env=DEMO_ENV)
    print(f"$ openmu-cli {shlex.join(args)}")
    print(r.stdout.rstrip())
    return r


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # the deck and the units are stopped on the way out


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    headless = "--headless" in sys.argv[1:]
    with Stack(readers=4) as st:
        step("three emulated crypto units (openmu-unitsim) on loopback, in imprint mode")
        units = Instance(st.tmp, "demo", units=3, recovery=0)
        units.start()
        try:
            return session(st, units) if headless else rehearsal(st, units)
        finally:
            units.stop()


def rehearsal(st, units):
    """The window on a blank deck: the officers do everything with the mouse."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("demo: no display (DISPLAY is not set): run 'scripts/demo --headless' for the "
              "scripted session, or run this from a desktop session", file=sys.stderr)
        return 2
    for name in ("ca", "alice", "bob", "carol"):
        st.new_card(name, label=name)
    root = os.path.join(units.dir, "root", "root-cert.pem")
    journal = os.path.join(st.tmp, "ceremony-journal.txt")
    step("the openmu window: the deck panel on the right holds four blank cards")
    print("  1. insert 'ca' into reader 0: Smart Cards > Initialize CA card (the manufacturer\n"
          "     root is filled in); alice, bob, carol into readers 1-3: Enroll EP11 card\n"
          "  2. alice and bob: Generate signature key (names 'Alice Admin', 'Bob Admin');\n"
          "     alice, bob, carol: Generate key part\n"
          "  3. Ceremony assistant: the sample plan " + os.path.relpath(SAMPLE_PLAN, SOURCE)
          + " takes the\n     three units to a VALID master key")
    print("Demo PINs: choose your own; nothing is kept outside " + st.tmp)
    build = os.environ["OPENMU_BUILD_DIR"]
    env = dict(os.environ, **st.env, OPENMU_ROOT_CERT=root,
               GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"))
    app = subprocess.Popen([os.path.join(build, "gui", "openmu"), "--non-unique",
                            "--cardsim-ctl", st.ctl_path, "--instance", units.ini,
                            "--journal", journal, "--plan", SAMPLE_PLAN], env=env)
    try:
        return app.wait()
    except (KeyboardInterrupt, SystemExit):
        app.terminate()
        return app.wait()


def session(st, units):
    """The scripted session of --headless."""
    step("a private pcscd with four vpcd readers, and an empty virtual deck in " + st.deck)
    for name in ("ca", "alice", "bob", "carol"):
        st.new_card(name, label=name)
    print("blank cards: ca, alice, bob, carol")

    step("the manufacturer root of the units, which the CA card will trust")
    root = os.path.join(units.dir, "root", "root-cert.pem")
    print(root)

    step("CA card in reader 0: a new zone")
    st.insert("ca", 0)
    show(st, "readers")
    show(st, "--reader", "0", "card", "init-ca", "--root", root, "--zone", "DEMO-ZONE",
         "--description", "Rehearsal zone")

    step("EP11 card for Alice in reader 1, enrolled by the CA card; a signature key")
    st.insert("alice", 1)
    show(st, "--reader", "1", "card", "init-ep11", "--ca-reader", "0", "--label", "alice")
    show(st, "--reader", "1", "card", "sigkey-gen", "--name", "Alice Admin")
    alice_cert = os.path.join(st.tmp, "alice-admin.pem")
    show(st, "--reader", "1", "card", "sigkey-cert", "--out", alice_cert)

    show(st, "--reader", "1", "card", "keypart-gen", "--label", "MK part 1")

    step("EP11 card for Bob in reader 2: a signature key and a master key part")
    st.insert("bob", 2)
    show(st, "--reader", "2", "card", "init-ep11", "--ca-reader", "0", "--label", "bob")
    show(st, "--reader", "2", "card", "sigkey-gen", "--name", "Bob Admin")
    show(st, "--reader", "2", "card", "keypart-gen", "--label", "MK part 2")
    show(st, "--reader", "2", "card", "info")

    step("EP11 card for Carol in reader 3: the third master key part")
    st.insert("carol", 3)
    show(st, "--reader", "3", "card", "init-ep11", "--ca-reader", "0", "--label", "carol")
    show(st, "--reader", "3", "card", "keypart-gen", "--label", "MK part 3")
    show(st, "--reader", "3", "card", "keyparts")

    step("Alice's administrator certificate, from her card, installed in every unit (imprint mode)")
    show(st, "--instance", units.ini, "unit", "list")
    show(st, "--instance", units.ini, "unit", "admin-add", "--cert", alice_cert)
    show(st, "--instance", units.ini, "unit", "status", "--unit", "unit1")
    show(st, "--instance", units.ini, "unit", "compare")

    step("the ceremony plan " + os.path.relpath(SAMPLE_PLAN, SOURCE) + ": what is left to do")
    show(st, "--instance", units.ini, "ceremony", "plan", SAMPLE_PLAN)

    step("the ceremony, in one command: Bob installed, thresholds 2/2, three parts, "
         "commit, set immediate")
    show(st, "--instance", units.ini, "ceremony", "run", SAMPLE_PLAN)
    show(st, "--instance", units.ini, "unit", "compare")

    step("the same plan again")
    r = show(st, "--instance", units.ini, "ceremony", "run", SAMPLE_PLAN)
    if "nothing to do" not in r.stdout:
        print("demo: the second run did not report 'nothing to do'", file=sys.stderr)
        return 1

    step("done: the deck, pcscd, openmu-cardsim and openmu-unitsim are stopped")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        print(f"demo step failed: {' '.join(map(str, e.cmd))}\n{e.stdout or ''}{e.stderr or ''}",
              file=sys.stderr)
        sys.exit(1)
