# SPDX-License-Identifier: Apache-2.0
"""openmu-cli card commands when things go wrong, through pcscd + vpcd +
openmu-cardsim.

- Wrong PINs count down ("2 tries left", then "1 try left"); the third
  blocks the card (exit 5, the message names the zone); a blocked card stays
  blocked with the right PIN.
- The blocked card is not unblocked by the CA card of another zone (exit 4,
  both zone ids named), nor by a CA card that merely reuses its zone id (its
  key differs, the EP11 card refuses); its own CA card unblocks it.
- A CA operation with one wrong CA PIN fails (the message names the PIN and
  the tries left) and changes nothing: the blank card's image stays byte for
  byte the same.
- A copy to a card of another zone is refused (exit 4, both zone ids).
- A card that is not an OpenMU card (vsmartcard's vicc) gives "not an OpenMU
  card" (exit 4); empty readers, unknown readers, wrong card types, missing
  PIN sources, malformed PINs, several candidate cards and unreadable files
  give their documented exit codes.
- A card pulled while `card keyparts` / `card keypart-gen` run (openmu-cardsim
  with --delay-ms so that they take seconds) gives a clear error (exit 3,
  "removed"); the card image is intact, loads again and works.
Malformed APDUs are tested at the applet level, not here.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardcli import (OK, FAILED, USAGE, NO_CARD, WRONG_CARD, BLOCKED, IO,  # noqa: E402
                     Stack, check, cli, cli_argv, cli_json, make_root, ca_pins, info,
                     keyparts, swap, new_ca, new_ep11, main_wrapper)
import vicc  # noqa: E402

A1, A2 = "110022", "330044"   # CA of ZONE-A
B1, B2 = "550066", "770088"   # CA of ZONE-B
X1, X2 = "121212", "343434"   # a second "ZONE-A" CA with its own key
P1, PB = "908172", "635241"   # EP11 cards
DELAY_MS = 400


def wrong_pins(st):
    r = cli(st, "card", "keypart-gen", "--reader", "1", "--label", "x",
            pins={"OPENMU_PIN": "000000"}, expect=FAILED)
    check("2 tries left" in r.err, "first wrong PIN: exit 1, '2 tries left'", r.err)
    check(info(st, 1)["pin_tries"] == 2, "card info shows 2 tries left")
    r, j = cli_json(st, "card", "keypart-gen", "--reader", "1", "--label", "x",
                    pins={"OPENMU_PIN": "000001"}, expect=FAILED)
    check("1 try left" in r.err, "second wrong PIN: '1 try left'", r.err)
    check(j["error"]["code"] == FAILED and "1 try left" in j["error"]["message"],
          "--json error object with code and message", r.out)
    r = cli(st, "card", "keypart-gen", "--reader", "1", "--label", "x",
            pins={"OPENMU_PIN": "000002"}, expect=BLOCKED)
    check("blocked" in r.err and "ZONE-A" in r.err,
          "third wrong PIN: exit 5, blocked, the message names the zone", r.err)
    e = info(st, 1)
    check(e["blocked"] is True and e["pin_tries"] == 0, "card info: blocked, 0 tries", str(e))
    r, j = cli_json(st, "card", "keypart-gen", "--reader", "1", "--label", "x",
                    pins={"OPENMU_PIN": P1}, expect=BLOCKED)
    check(j["error"]["kind"] == "blocked" and info(st, 1)["keyparts"] == 0,
          "the right PIN does not help a blocked card (exit 5, nothing made)", r.out)


def unblock(st, root):
    blocked = {"OPENMU_NEW_PIN": "192837"}
    new_ca(st, "caB", 0, root, "ZONE-B", B1, B2, label="ca-b")
    r = cli(st, "card", "pin-unblock", "--reader", "1", "--ca-reader", "0",
            pins={**ca_pins(B1, B2), **blocked}, expect=WRONG_CARD)
    check("ZONE-A" in r.err and "ZONE-B" in r.err,
          "pin-unblock with the CA card of ZONE-B: exit 4, both zones named", r.err)
    check(info(st, 1)["blocked"] is True, "the card is still blocked")

    new_ca(st, "caX", 0, root, "ZONE-A", X1, X2, label="impostor")
    r = cli(st, "card", "pin-unblock", "--reader", "1", "--ca-reader", "0",
            pins={**ca_pins(X1, X2), **blocked}, expect=None)
    check(r.rc in (FAILED, WRONG_CARD),
          "pin-unblock with another CA card that reuses the zone id ZONE-A is refused", str(r))
    check(info(st, 1)["blocked"] is True, "the card is still blocked after the impostor")

    swap(st, 0, "caA")
    cli(st, "card", "pin-unblock", "--reader", "1", "--ca-reader", "0",
        pins={**ca_pins(A1, A2), "OPENMU_NEW_PIN": P1})
    e = info(st, 1)
    check(e["blocked"] is False and e["pin_tries"] == 3,
          "its own CA card unblocks it: 3 tries", str(e))
    cli(st, "card", "keypart-gen", "--reader", "1", "--label", "after unblock",
        pins={"OPENMU_PIN": P1})
    check(info(st, 1)["keyparts"] == 1, "the new PIN works after the unblock")


def wrong_ca_pin(st):
    """CA card caA in reader 0; a blank card in reader 1."""
    st.new_card("bl1", label="blank")
    swap(st, 1, "bl1")
    with open(st.image("bl1"), "rb") as f:
        before = f.read()
    for p1, p2, which in ((A1, "999999", 2), ("999999", A2, 1)):
        r = cli(st, "card", "init-ep11", "--reader", "1", "--ca-reader", "0",
                pins={**ca_pins(p1, p2), "OPENMU_NEW_PIN": "424242"}, expect=FAILED)
        check(f"wrong CA PIN {which}" in r.err and "4 tries left" in r.err,
              f"init-ep11 with a wrong CA PIN {which}: exit 1, named, 4 tries left", r.err)
        with open(st.image("bl1"), "rb") as f:
            check(f.read() == before, "the blank card's image did not change at all")
        check(info(st, 1)["type"] == "blank", "the card is still blank")
    ca = info(st, 0)
    check(ca["pin1_tries"] == 4 and ca["pin2_tries"] == 4,
          "the CA card counted one wrong try per PIN", str(ca))
    r = cli(st, "card", "init-ep11", "--reader", "1", "--ca-reader", "0",
            pins={**ca_pins(A1, A2), "OPENMU_NEW_PIN": "12345"}, expect=USAGE)
    check("6 digits" in r.err and info(st, 0)["pin1_tries"] == 4,
          "a 5-digit new PIN is a usage error", r.err)
    cli(st, "card", "init-ep11", "--reader", "1", "--ca-reader", "0",
        pins={**ca_pins(A1, A2), "OPENMU_NEW_PIN": "424242"})
    ca = info(st, 0)
    check(ca["pin1_tries"] == 5 and ca["pin2_tries"] == 5 and info(st, 1)["type"] == "EP11",
          "with the right PINs it works and both counters are reset", str(ca))


def other_zone_copy(st):
    """ep1 (ZONE-A) to epB (ZONE-B) is refused."""
    swap(st, 0, "caB")
    new_ep11(st, "epB", 1, 0, B1, B2, PB, label="ep-b")
    swap(st, 0, "ep1")
    r = cli(st, "card", "copy", "--reader", "0", "--to-reader", "1",
            pins={"OPENMU_PIN": P1, "OPENMU_TARGET_PIN": PB}, expect=WRONG_CARD)
    check("ZONE-A" in r.err and "ZONE-B" in r.err,
          "copy to a card of another zone: exit 4, both zone ids named", r.err)
    check(keyparts(st, 1) == [] and info(st, 1)["admin_name"] is None,
          "the other zone's card received nothing")
    check(len(keyparts(st, 0)) == 1, "the source card kept its key part")


def misc_errors(st, root):
    """ep1 in reader 0, epB in reader 1."""
    r = cli(st, "card", "info", expect=USAGE)
    check("--reader" in r.err, "two OpenMU cards and no --reader: exit 2, asks for --reader",
          r.err)
    r = cli(st, "card", "keypart-gen", "--reader", "0", "--label", "x", expect=USAGE)
    check("OPENMU_PIN" in r.err and info(st, 0)["pin_tries"] == 3,
          "no PIN source and no terminal: exit 2 naming OPENMU_PIN, no try spent", r.err)
    r = cli(st, "card", "keypart-gen", "--reader", "0", "--label", "x",
            pins={"OPENMU_PIN": "12a456"}, expect=USAGE)
    check("6 digits" in r.err and info(st, 0)["pin_tries"] == 3,
          "a PIN that is not 6 digits: exit 2, no try spent", r.err)
    r = cli(st, "--pin-fd", "0", "card", "keypart-gen", "--reader", "0", "--label", "x",
            input="", expect=USAGE)
    check("--pin-fd" in r.err, "--pin-fd with no line: exit 2", r.err)

    swap(st, 1, "caA")
    r = cli(st, "card", "keypart-gen", "--reader", "1", "--label", "x",
            pins={"OPENMU_PIN": P1}, expect=WRONG_CARD)
    check("CA card" in r.err, "keypart-gen on a CA card: exit 4", r.err)
    r = cli(st, "card", "init-ca", "--reader", "1", "--root", root, "--zone", "Z",
            pins=ca_pins(A1, A2), expect=WRONG_CARD)
    check("not a blank card" in r.err, "init-ca on a CA card: exit 4", r.err)
    r = cli(st, "card", "init-ca", "--reader", "1", "--root", "/nonexistent/root.pem",
            "--zone", "Z", pins=ca_pins(A1, A2), expect=IO)
    check("/nonexistent/root.pem" in r.err, "init-ca with a missing root file: exit 6", r.err)
    r = cli(st, "card", "cert", "--reader", "1", "--out", "/nonexistent/dir/ca.pem",
            expect=IO)
    check("ca.pem" in r.err, "cert --out into a missing folder: exit 6", r.err)
    r = cli(st, "card", "init-ca", "--reader", "1", "--root", root, "--zone", "bad zone!",
            pins=ca_pins(A1, A2), expect=USAGE)
    check("--zone" in r.err, "init-ca with a bad zone id: exit 2", r.err)

    st.remove(1)
    r, j = cli_json(st, "card", "info", "--reader", "1", expect=NO_CARD)
    check("no card" in r.err and j["error"]["code"] == NO_CARD,
          "card info on an empty reader: exit 3, 'no card'", r.err)
    r = cli(st, "card", "info", "--reader", "7", expect=NO_CARD)
    check("no reader" in r.err, "card info on an unknown reader: exit 3", r.err)


def foreign(st):
    """ep1 in reader 0; reader 1 gets a vicc card."""
    if not vicc.available():
        print("# vicc or pycryptodome missing: foreign-card checks skipped")
        return
    st.insert_foreign(1)
    r, j = cli_json(st, "card", "info", "--reader", "1", expect=WRONG_CARD)
    check("not an OpenMU card" in r.err and j["error"]["kind"] == "wrong-card",
          "a vicc card: exit 4, 'not an OpenMU card'", r.err)
    r = cli(st, "readers")
    check("not an OpenMU card" in r.out, "readers marks the vicc card", r.out)
    r, j = cli_json(st, "card", "info")
    check(j["serial"] == info(st, 0)["serial"],
          "without --reader the OpenMU card is chosen over the foreign one", r.out)
    st.remove(0)
    r = cli(st, "card", "info", expect=WRONG_CARD)
    check("not an OpenMU card" in r.err, "only a foreign card present: exit 4", r.err)
    st.remove_foreign(1)
    r = cli(st, "card", "info", expect=NO_CARD)
    check("no card" in r.err, "no card at all: exit 3", r.err)


def pulled(st, args, name, pins=None):
    """Runs openmu-cli ARGS on card name in reader 0, pulls the card while
    it runs, and checks the error and the image."""
    st.insert(name, 0)
    env = dict(st.env)
    env.update(pins or {})
    st.secrets += list((pins or {}).values())
    argv = cli_argv(*args, "--reader", "0")
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    # in the second APDU: at least one more follows it
    time.sleep(1.5 * DELAY_MS / 1000)
    check(proc.poll() is None, f"'{' '.join(args)}' still runs when the card is pulled")
    st.remove(0)
    out, err = proc.communicate(timeout=120)
    st.outputs += [out, err]
    took = time.monotonic() - t0
    check(proc.returncode == NO_CARD and "removed" in err,
          f"'{' '.join(args)}' with the card pulled: exit 3, says 'removed' ({took:.1f} s)",
          f"exit {proc.returncode}\n{out}{err}")
    with open(st.image(name), "rb") as f:
        check(len(f.read()) > 0, "the card image is still there")
    st.insert(name, 0)
    e = info(st, 0)
    check(e["type"] == "EP11" and e["blocked"] is False,
          "the card loads again after re-insertion", str(e))
    st.remove(0)


def removal(images):
    with Stack(readers=1, delay_ms=DELAY_MS) as st:
        for name, data in images.items():
            with open(st.image(name), "wb") as f:
                f.write(data)
        before = images["ep1"]
        pulled(st, ["card", "keyparts"], "ep1")
        with open(st.image("ep1"), "rb") as f:
            check(f.read() == before, "a pulled keyparts left the image byte for byte as it was")
        pulled(st, ["card", "keypart-gen", "--label", "pulled"], "ep1",
               pins={"OPENMU_PIN": P1})
        st.insert("ep1", 0)
        n = len(keyparts(st, 0))
        check(n in (1, 2), "after a pulled keypart-gen the card holds the old or the new "
              f"set of key parts ({n})")
        cli(st, "card", "keypart-gen", "--reader", "0", "--label", "after removal",
            pins={"OPENMU_PIN": P1})
        check(len(keyparts(st, 0)) == n + 1, "and keypart-gen works again")


def main():
    with Stack(readers=2) as st:
        root, _ = make_root(st)
        new_ca(st, "caA", 0, root, "ZONE-A", A1, A2, label="ca-a")
        new_ep11(st, "ep1", 1, 0, A1, A2, P1, label="ep-a")
        wrong_pins(st)
        unblock(st, root)
        swap(st, 0, "caA")
        wrong_ca_pin(st)
        other_zone_copy(st)
        misc_errors(st, root)
        foreign(st)
        for reader in (0, 1):
            if st.held().get(reader):
                st.remove(reader)
        with open(st.image("ep1"), "rb") as f:
            images = {"ep1": f.read()}
    removal(images)


if __name__ == "__main__":
    main_wrapper(main)
