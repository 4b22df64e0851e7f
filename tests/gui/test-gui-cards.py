#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every card action of the Smart Cards page driven as the officers use it:
Xvfb + private D-Bus + AT-SPI (dogtail), against a private pcscd +
openmu-cardsim (4 readers).

The cards are prepared with openmu-cli: the CA card of zone ZONE-A in
reader 0, alice's EP11 card (two key parts) in reader 1, bob's EP11 card in
reader 2, and an EP11 card of another zone (ZONE-B) in reader 3. In the
window, each result checked with openmu-cli where the window could lie:

1. Generate signature key on alice's card: the admin name appears; again
   with a key present, the dialog refuses to go on until "replace" is
   ticked.
2. A wrong PIN: the info bar says how many tries are left.
3. Change PIN: new PINs that differ are refused without touching the card;
   then the PIN is changed and the new PIN works (openmu-cli sign).
4. Delete key part: the selected part leaves the list and the card.
5. Copy card: to the ZONE-B card, refused in the card layer's words; to
   bob's card, which then holds alice's parts and signature key.
6. Unblock PIN: bob's card, blocked by wrong PINs, gets a new PIN with the
   CA card found among the other readers.
7. Back up CA card: to a blank card chosen in the reader list.
8. Zeroize: the backup card, with its new PINs, after a confirmation that
   names it; it is blank again."""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "stack"))

from guikit import check, choose, click, dialog, fill, node, run_main, text_of, wait, wait_text  # noqa: E402,E501
from cardcli import (BLOCKED, FAILED, Stack, cli, info, keyparts, make_root,  # noqa: E402
                     new_ca, new_ep11, swap)

CA1, CA2 = "739214", "581736"
ALICE, ALICE_NEW = "620481", "135790"
BOB, BOB_NEW = "407395", "246802"
ZONE_B_PIN = "952608"
BACKUP1, BACKUP2 = "864202", "975313"


def prepare_cards(st):
    root, _ = make_root(st)
    new_ca(st, "ca-b", 2, root, "ZONE-B", CA1, CA2, label="CA B")
    new_ep11(st, "zone-b", 3, 2, CA1, CA2, ZONE_B_PIN, label="other zone")
    new_ca(st, "ca", 0, root, "ZONE-A", CA1, CA2, label="CA A")
    new_ep11(st, "alice", 1, 0, CA1, CA2, ALICE, label="alice")
    new_ep11(st, "bob", 2, 0, CA1, CA2, BOB, label="bob")
    for label in ("part one", "part two"):
        cli(st, "card", "keypart-gen", "--reader", 1, "--label", label,
            pins={"OPENMU_PIN": ALICE})


def select_reader(app, st, reader, card_type):
    """Selects reader's row and waits until the page shows its card (by
    serial, as openmu-cli reads it)."""
    name = st.reader_name(reader)
    serial = info(st, reader)["serial"]
    row = wait(lambda: app.findChild(lambda n: n.roleName == "list item" and
                                     n.name.startswith("reader ") and
                                     n.description.startswith(name),
                                     retry=False, requireResult=False),
               f"the row of reader {reader}")
    row.click()
    wait(lambda: text_of(app, "card serial") == serial and
         text_of(app, "card type") == card_type, f"{card_type} card of reader {reader} shown")


def sensitive(app, name):
    b = wait(lambda: node(app, name, "push button"), f"button '{name}'")
    return b.sensitive


def run_dialog(app, button, title, values, ok, confirm=None, choice=None):
    """Opens the dialog of button, fills it and answers ok; confirm: the
    check box that must be ticked first (OK is checked insensitive
    before); choice: (key, option) to pick. Returns the guidance text."""
    click(app, button)
    dlg = dialog(app, title)
    guide = node(dlg, "guidance", "label").text
    if choice:
        choose(dlg, *choice)
    fill(dlg, values)
    okb = node(dlg, ok, "push button")
    if confirm:
        check(not okb.sensitive, f"'{title}': {ok} stays insensitive until '{confirm}' is ticked")
        click(dlg, confirm, role="check box")
        wait(lambda: okb.sensitive, f"'{ok}' enabled once '{confirm}' is ticked")
    okb.click()
    return guide


def part_labels(app):
    return [n.text for n in app.findChildren(lambda n: n.roleName == "label" and
                                             n.name.startswith("key part "))]


def sigkey(app, st):
    wait_text(app, "card admin", "–")
    guide = run_dialog(app, "Generate signature key", "Generate signature key",
                       {"admin-name": "Alice Admin", "pin": ALICE}, "Generate")
    check("alice" in guide, "the signature key dialog names the card", guide)
    wait_text(app, "message", "Signature key of Alice Admin generated", 60)
    wait_text(app, "card admin", "Alice Admin")
    check(info(st, 1)["admin_name"] == "Alice Admin",
          "the admin name appears; openmu-cli reads it from the card")
    first = info(st, 1)["admin_key_id"]

    run_dialog(app, "Generate signature key", "Generate signature key",
               {"admin-name": "Alice Second", "pin": ALICE}, "Generate", confirm="replace")
    wait_text(app, "card admin", "Alice Second", 60)
    i = info(st, 1)
    check(i["admin_name"] == "Alice Second" and i["admin_key_id"] != first,
          "with the replacement confirmed, a new key replaces the old one", str(i))


def wrong_pin(app, st):
    run_dialog(app, "Generate key part", "Generate key part",
               {"description": "never made", "pin1": "000000"}, "Generate")
    msg = wait_text(app, "message", "tries left", 60)
    check("wrong PIN, 2 tries left" in msg, "a wrong PIN: the info bar says 2 tries left", msg)
    wait(lambda: text_of(app, "card PIN tries") == "2", "the page shows 2 PIN tries")
    check(len(keyparts(st, 1)) == 2, "no key part was made with the wrong PIN")


def change_pin(app, st):
    run_dialog(app, "Change PIN", "Change PIN",
               {"pin": ALICE, "new-pin": ALICE_NEW, "new-pin-again": "999999"}, "Change")
    msg = wait_text(app, "message", "differ")
    check("nothing was sent to the card" in msg, "new PINs that differ are refused", msg)
    # a CHANGE REFERENCE DATA with the right PIN would have reset the counter
    tries = info(st, 1)["pin_tries"]
    check(tries == 2, "the card was not touched: openmu-cli still reads 2 tries", str(tries))

    run_dialog(app, "Change PIN", "Change PIN",
               {"pin": ALICE, "new-pin": ALICE_NEW, "new-pin-again": ALICE_NEW}, "Change")
    wait_text(app, "message", "PIN of the EP11 card in reader", 60)
    wait(lambda: text_of(app, "card PIN tries") == "3", "the page shows 3 PIN tries")
    data = os.path.join(st.tmp, "data.txt")
    with open(data, "w") as f:
        f.write("signed with the new PIN\n")
    sig = os.path.join(st.tmp, "data.sig")
    cli(st, "card", "sign", "--reader", 1, "--in", data, "--out", sig,
        pins={"OPENMU_PIN": ALICE_NEW})
    r = cli(st, "card", "sign", "--reader", 1, "--in", data, "--out", sig,
            pins={"OPENMU_PIN": ALICE}, expect=FAILED)
    check("wrong PIN" in r.err, "the new PIN works with openmu-cli and the old one no longer",
          str(r))


def delete_part(app, st):
    parts = keyparts(st, 1)
    gone = parts[0]
    wait(lambda: len(part_labels(app)) == 2, "2 key parts listed")
    check(not sensitive(app, "Delete key part"), "Delete key part needs a selected key part")
    row = wait(lambda: node(app, f"slot {gone['slot']}", "list item"), "the key part's row")
    row.click()
    guide = run_dialog(app, "Delete key part", "Delete key part", {"pin": ALICE_NEW}, "Delete",
                       confirm="confirm")
    check(gone["label"] in guide and gone["vp"].lower() in guide.lower(),
          "the delete dialog names the key part and its VP", guide)
    wait_text(app, "message", f"Key part in slot {gone['slot']} deleted", 60)
    wait(lambda: len(part_labels(app)) == 1, "the list shrinks to 1 key part")
    left = keyparts(st, 1)
    check(len(left) == 1 and left[0]["slot"] != gone["slot"],
          "openmu-cli: the card holds the other key part only", str(left))


def copy_card(app, st):
    pins = {"pin": ALICE_NEW, "target-pin": ZONE_B_PIN}
    guide = run_dialog(app, "Copy card", "Copy card", pins, "Copy", confirm="replace",
                       choice=("target-reader", st.reader_name(3)))
    check("in another reader" in guide, "the copy dialog says where the target card goes",
          guide)
    msg = wait_text(app, "message", "zone", 60)
    check("this card belongs to zone ZONE-A, the target card to zone ZONE-B" in msg,
          "a target of another zone is refused in the card layer's words", msg)
    check(keyparts(st, 3) == [], "the ZONE-B card received nothing")

    pins = {"pin": ALICE_NEW, "target-pin": BOB}
    run_dialog(app, "Copy card", "Copy card", pins, "Copy", confirm="replace",
               choice=("target-reader", st.reader_name(2)))
    wait_text(app, "message", "is copied to the card in", 60)
    src, dst = keyparts(st, 1), keyparts(st, 2)
    check([p["vp"] for p in dst] == [p["vp"] for p in src] and len(dst) == 1,
          "openmu-cli: bob's card holds alice's key part", f"{src} / {dst}")
    check(info(st, 2)["admin_name"] == "Alice Second", "and alice's signature key")


def unblock(app, st):
    for n in range(3):
        cli(st, "card", "pin-change", "--reader", 2,
            pins={"OPENMU_PIN": "000000", "OPENMU_NEW_PIN": "111111"},
            expect=BLOCKED if n == 2 else FAILED)
    select_reader(app, st, 2, "EP11")
    wait_text(app, "card PIN tries", "blocked")
    check(not sensitive(app, "Generate key part") and not sensitive(app, "Change PIN") and
          sensitive(app, "Unblock PIN"), "a blocked card offers Unblock PIN, not its keys")
    guide = run_dialog(app, "Unblock PIN", "Unblock PIN",
                       {"pin1": CA1, "pin2": CA2, "new-pin": BOB_NEW,
                        "new-pin-again": BOB_NEW}, "Unblock")
    check("Insert the CA card of zone ZONE-A in another reader" in guide,
          "the unblock dialog says which CA card goes where", guide)
    msg = wait_text(app, "message", "has its new PIN", 60)
    check(st.reader_name(0) in msg, "the CA card was found in reader 0", msg)
    wait(lambda: text_of(app, "card PIN tries") == "3", "3 PIN tries again")
    data = os.path.join(st.tmp, "data.txt")
    cli(st, "card", "sign", "--reader", 2, "--in", data, "--out", data + ".sig2",
        pins={"OPENMU_PIN": BOB_NEW})
    check(True, "openmu-cli signs with bob's new PIN")


def backup_and_zeroize(app, st):
    swap(st, 3, "blank")
    select_reader(app, st, 0, "CA")
    run_dialog(app, "Back up CA card", "Back up CA card",
               {"pin1": CA1, "pin2": CA2, "new-pin1": BACKUP1, "new-pin1-again": BACKUP1,
                "new-pin2": BACKUP2, "new-pin2-again": BACKUP2}, "Back up",
               choice=("target-reader", st.reader_name(3)))
    wait_text(app, "message", "is now a backup CA card of zone ZONE-A", 60)
    i = info(st, 3)
    check(i["type"] == "CA" and i["zone_id"] == "ZONE-A",
          "openmu-cli: reader 3 holds a CA card of zone ZONE-A", str(i))

    select_reader(app, st, 3, "CA")
    guide = run_dialog(app, "Zeroize card", "Zeroize card", {"pin1": BACKUP1, "pin2": BACKUP2},
                       "Zeroize", confirm="confirm")
    check(st.reader_name(3) in guide and "cannot be undone" in guide,
          "the zeroize dialog names the card and says it cannot be undone", guide)
    wait_text(app, "message", "is zeroized", 60)
    wait_text(app, "card type", "blank")
    check(info(st, 3)["type"] == "blank",
          "the backup card's own PINs zeroized it; openmu-cli sees a blank card")


def cards(g):
    t0 = time.monotonic()
    with Stack(readers=4) as st:
        st.new_card("blank")
        prepare_cards(st)
        print(f"# cards prepared in {time.monotonic() - t0:.1f} s", flush=True)
        app = g.start_app(["--non-unique"], env=st.env)
        wait_text(app, "readers status", "4 with a card")
        select_reader(app, st, 1, "EP11")
        sigkey(app, st)
        wrong_pin(app, st)
        change_pin(app, st)
        delete_part(app, st)
        copy_card(app, st)
        unblock(app, st)
        backup_and_zeroize(app, st)
        status = g.stop_app()
        check(status == 0, "openmu quits cleanly", f"status {status}")


if __name__ == "__main__":
    run_main(cards)
