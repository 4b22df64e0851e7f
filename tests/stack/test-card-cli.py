# SPDX-License-Identifier: Apache-2.0
"""openmu-cli card commands end to end, through pcscd + vpcd + openmu-cardsim,
with openssl and opensc-tool as independent peers.

A P-521 manufacturer root made by `openssl req`; a CA card of zone ZONE-A in
reader 0 (the root fingerprint shown equals openssl's); three EP11 cards
enrolled one after the other in reader 1 while the CA card stays in reader 0;
a signature key on the first (its `card sign` signature verifies with
`openssl dgst -sha512 -verify` and the key of `card sigkey-cert`), key parts
on the other two (VPs are 64 hex digits and `card keyparts` lists them);
`card cert` of an EP11 card verifies with `openssl verify -CAfile zoneca.pem`;
a copy to a fourth card of the zone carries the same key parts, VPs and
admin key id (and signs with the same key); a backup of the CA card to a
fifth card enrolls a new card whose certificate the original zone CA
certificate verifies; zeroize; `readers`, --json, --pin-fd, --help and
--version; opensc-tool -l/-a/-s see the readers, the ATR and 90 00.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardcli import (OK, USAGE, HEX64, OPENSSL, Stack, check, cli, cli_json, run,  # noqa: E402
                     make_root, ca_pins, info, keyparts, swap, new_ca, new_ep11,
                     main_wrapper)

CA1, CA2 = "402913", "857361"
PIN = {"ep1": "271828", "ep2": "314159", "ep3": "161803", "ep4": "141421", "ep5": "173205"}
ATR = "3b:88:80:01:4f:70:65:6e:4d:55:31:30:24"
SELECT = "00:A4:04:00:08:F0:4F:50:45:4E:4D:55:01"


def pem_der(st, path):
    """DER bytes of a PEM certificate, via openssl."""
    out = os.path.join(st.tmp, os.path.basename(path) + ".der")
    run(st, OPENSSL, "x509", "-in", path, "-outform", "DER", "-out", out)
    with open(out, "rb") as f:
        return f.read()


def test_help(st):
    r = cli(st, "--help")
    for cmd in ("readers", "card info", "card init-ca", "card init-ep11", "card cert",
                "card pin-change", "card pin-unblock", "card sigkey-gen", "card sigkey-cert",
                "card sign", "card keypart-gen", "card keyparts", "card keypart-delete",
                "card copy", "card ca-backup", "card zeroize", "unit"):
        check(cmd in r.out, f"openmu-cli --help lists '{cmd}'", r.out)
    check("Exit codes" in r.out and "5  a PIN is blocked" in r.out,
          "openmu-cli --help documents the exit codes", r.out)
    r = cli(st, "card", "--help")
    check(all(c in r.out for c in ("info", "init-ca", "keypart-delete", "zeroize")),
          "openmu-cli card --help lists the card commands", r.out)
    r = cli(st, "card", "copy", "--help")
    check("--to-reader" in r.out and "OPENMU_TARGET_PIN" in r.out,
          "card copy --help names its options and PIN variables", r.out)
    r = cli(st, "--version")
    check(r.out.startswith("openmu-cli "), "--version prints the version", r.out)
    r = cli(st, "card", "frobnicate", expect=USAGE)
    check("frobnicate" in r.err, "an unknown command is a usage error (exit 2)", r.err)
    r = cli(st, "card", "info", "--no-such-option", expect=USAGE)
    check(r.err.startswith("openmu-cli: "), "errors start with 'openmu-cli: '", r.err)


def test_opensc(st):
    r = run(st, "opensc-tool", "-l")
    check(st.reader_name(0) in r.out and st.reader_name(1) in r.out,
          "opensc-tool -l lists both vpcd readers", r.out)
    r = run(st, "opensc-tool", "-r", "0", "-a")
    check(ATR in r.out, "opensc-tool -a shows the OpenMU ATR", r.out)
    r = run(st, "opensc-tool", "-r", "0", "-s", SELECT)
    check("SW1=0x90, SW2=0x00" in r.out, "opensc-tool -s SELECT of the AID answers 90 00",
          r.out)


def main():
    with Stack(readers=2) as st:
        test_help(st)
        root, root_fpr = make_root(st)

        # ---- the CA card ----
        st.new_card("ca1", label="ca-a")
        st.insert("ca1", 0)
        r = cli(st, "card", "init-ca", "--reader", "0", "--root", root, "--zone", "ZONE-A",
                "--description", "Zone A of the tests", "--label", "ca-a",
                pins=ca_pins(CA1, CA2))
        check(root_fpr in r.out, "init-ca shows the root's SHA-256 fingerprint as openssl "
              "computes it", f"{root_fpr}\n{r}")
        check(r.out.count(root_fpr) >= 2 and "Card reports root" in r.out,
              "init-ca shows the fingerprint the card reports, equal", r.out)
        ca = info(st, 0)
        check(ca["type"] == "CA" and ca["zone_id"] == "ZONE-A" and ca["label"] == "ca-a",
              "card info: a CA card of ZONE-A labelled ca-a", str(ca))
        check(ca["pin1_tries"] == 5 and ca["pin2_tries"] == 5 and ca["blocked"] is False,
              "card info: both CA PINs have 5 tries", str(ca))
        check(ca["root_fingerprint"] == root_fpr, "card info: the root fingerprint", str(ca))
        check(ca["zone_description"] == "Zone A of the tests", "card info: zone description")
        test_opensc(st)

        # ---- three EP11 cards, swapped in reader 1, the CA card stays in 0 ----
        serials = {}
        for name in ("ep1", "ep2", "ep3"):
            st.new_card(name, label=name)
            swap(st, 1, name)
            pins = ca_pins(CA1, CA2)
            pins["OPENMU_NEW_PIN"] = PIN[name]
            # no --reader: the blank card is the one not in --ca-reader
            r, j = cli_json(st, "card", "init-ep11", "--ca-reader", "0", pins=pins)
            check(j["type"] == "EP11" and j["zone_id"] == "ZONE-A",
                  f"init-ep11 enrolls {name} in ZONE-A", str(j))
            e = info(st, 1)
            check(e["type"] == "EP11" and e["pin_tries"] == 3 and e["label"] == name and
                  e["keyparts"] == 0 and e["keyparts_max"] == 85 and e["admin_name"] is None,
                  f"card info of {name}: EP11, 3 tries, no key parts, no admin", str(e))
            serials[name] = e["serial"]
        check(len(set(serials.values())) == 3, "the three cards have distinct serials",
              str(serials))

        # ---- readers ----
        r, j = cli_json(st, "readers")
        byidx = {x["index"]: x for x in j["readers"]}
        check(byidx[0].get("type") == "CA" and byidx[0].get("label") == "ca-a" and
              byidx[0].get("zone_id") == "ZONE-A",
              "readers --json: reader 0 holds the CA card ca-a of ZONE-A", r.out)
        check(byidx[1].get("type") == "EP11" and byidx[1].get("label") == "ep3",
              "readers --json: reader 1 holds the EP11 card ep3", r.out)
        r = cli(st, "readers")
        check("CA card \"ca-a\", zone ZONE-A" in r.out and "EP11 card \"ep3\"" in r.out,
              "readers shows types, labels and zones", r.out)

        # ---- signature key on ep1; sign; verify with openssl ----
        swap(st, 1, "ep1")
        pin1 = {"OPENMU_PIN": PIN["ep1"]}
        r, j = cli_json(st, "card", "sigkey-gen", "--reader", "1", "--name", "alice",
                        pins=pin1)
        check(HEX64.match(j["admin_key_id"]) and j["admin_name"] == "alice",
              "sigkey-gen: admin alice with a 64-hex key id", str(j))
        key_id = j["admin_key_id"]
        r = cli(st, "card", "sigkey-gen", "--reader", "1", "--name", "alice2", pins=pin1,
                expect=1)
        check("--replace" in r.err, "a second sigkey-gen without --replace is refused",
              r.err)
        alice = os.path.join(st.tmp, "alice.pem")
        cli(st, "card", "sigkey-cert", "--reader", "1", "--out", alice)
        subj = run(st, OPENSSL, "x509", "-in", alice, "-noout", "-subject").out
        check("CN = alice" in subj or "CN=alice" in subj, "sigkey-cert: CN = alice", subj)
        pub = os.path.join(st.tmp, "alice.pub")
        run(st, OPENSSL, "x509", "-in", alice, "-noout", "-pubkey", "-out", pub)
        txt = run(st, OPENSSL, "pkey", "-pubin", "-in", pub, "-noout", "-text").out
        check("P-521" in txt or "secp521r1" in txt, "the admin key is P-521", txt)
        msg = os.path.join(st.tmp, "message.bin")
        with open(msg, "wb") as f:
            f.write(b"OpenMU admin block to sign\x00\x01\x02" * 20)
        sig = os.path.join(st.tmp, "message.sig")
        cli(st, "card", "sign", "--reader", "1", "--in", msg, "--out", sig, pins=pin1)
        r = run(st, OPENSSL, "dgst", "-sha512", "-verify", pub, "-signature", sig, msg)
        check("Verified OK" in r.out, "openssl verifies the card's signature", r.out)
        with open(msg, "ab") as f:
            f.write(b"!")
        r = run(st, OPENSSL, "dgst", "-sha512", "-verify", pub, "-signature", sig, msg,
                expect=None)
        check(r.rc != 0, "openssl rejects the signature over altered data", str(r))
        # the PIN from --pin-fd 0 (stdin), nothing in the environment
        sig2 = os.path.join(st.tmp, "message2.sig")
        cli(st, "--pin-fd", "0", "card", "sign", "--reader", "1", "--in", msg, "--out", sig2,
            input=PIN["ep1"] + "\n")
        r = run(st, OPENSSL, "dgst", "-sha512", "-verify", pub, "-signature", sig2, msg)
        check("Verified OK" in r.out, "card sign with the PIN from --pin-fd", r.out)

        # ---- certificates: card cert verifies against the zone CA ----
        ep1_pem = os.path.join(st.tmp, "ep1.pem")
        zoneca = os.path.join(st.tmp, "zoneca.pem")
        cli(st, "card", "cert", "--reader", "1", "--out", ep1_pem)
        cli(st, "card", "cert", "--reader", "1", "--which", "ca", "--out", zoneca)
        r = run(st, OPENSSL, "verify", "-CAfile", zoneca, ep1_pem)
        check(r.out.strip().endswith("OK"), "openssl verify -CAfile zoneca.pem ep1.pem: OK",
              r.out)
        r = run(st, OPENSSL, "verify", "-CAfile", root, ep1_pem, expect=None)
        check(r.rc != 0, "the card certificate does not verify against another CA", str(r))
        ca_own = os.path.join(st.tmp, "ca-own.pem")
        cli(st, "card", "cert", "--reader", "0", "--out", ca_own)
        check(pem_der(st, ca_own) == pem_der(st, zoneca),
              "card cert of the CA card is the zone CA certificate the EP11 card holds")
        card_root = os.path.join(st.tmp, "card-root.pem")
        cli(st, "card", "cert", "--reader", "1", "--which", "root", "--out", card_root)
        check(pem_der(st, card_root) == pem_der(st, root),
              "card cert --which root: the manufacturer root the CA card received")
        r = cli(st, "card", "cert", "--reader", "1")
        check(r.out.startswith("-----BEGIN CERTIFICATE-----"),
              "card cert without --out prints the PEM", r.out)

        # ---- key parts on ep2 and ep3 ----
        vps = {}
        for name, labels in (("ep2", ["part A", "part B"]), ("ep3", ["part C"])):
            swap(st, 1, name)
            for label in labels:
                r, j = cli_json(st, "card", "keypart-gen", "--reader", "1", "--label", label,
                                pins={"OPENMU_PIN": PIN[name]})
                check(HEX64.match(j["vp"]) and j["label"] == label and
                      isinstance(j["slot"], int),
                      f"keypart-gen on {name}: slot and a 64-hex VP", str(j))
                vps[(name, label)] = (j["slot"], j["vp"])
            parts = keyparts(st, 1)
            got = {(p["label"], p["slot"], p["vp"]) for p in parts}
            want = {(lbl, *vps[(name, lbl)]) for lbl in labels}
            check(got == want, f"card keyparts of {name} lists its parts with their VPs",
                  f"{got}\n{want}")
            r = cli(st, "card", "keyparts", "--reader", "1")
            check(all(vps[(name, lbl)][1] in r.out for lbl in labels),
                  f"card keyparts (text) shows the VPs of {name}", r.out)
        all_vps = [v for _, v in vps.values()]
        check(len(set(all_vps)) == 3, "every key part has its own VP", str(all_vps))
        check(info(st, 1)["keyparts"] == 1, "card info of ep3 counts 1 key part")

        # a part to delete: generate, delete, gone
        r, j = cli_json(st, "card", "keypart-gen", "--reader", "1", "--label", "temporary",
                        pins={"OPENMU_PIN": PIN["ep3"]})
        cli(st, "card", "keypart-delete", "--reader", "1", "--slot", j["slot"],
            pins={"OPENMU_PIN": PIN["ep3"]})
        check([p["label"] for p in keyparts(st, 1)] == ["part C"],
              "keypart-delete removes exactly that part")

        # ---- copy ep2 (with a signature key of its own) to ep4 ----
        swap(st, 1, "ep2")
        r, j = cli_json(st, "card", "sigkey-gen", "--reader", "1", "--name", "bob",
                        pins={"OPENMU_PIN": PIN["ep2"]})
        bob_id = j["admin_key_id"]
        new_ep11(st, "ep4", 1, 0, CA1, CA2, PIN["ep4"], label="ep4")
        swap(st, 0, "ep2")
        r, j = cli_json(st, "card", "copy", "--reader", "0", "--to-reader", "1",
                        pins={"OPENMU_PIN": PIN["ep2"], "OPENMU_TARGET_PIN": PIN["ep4"]})
        check(j["keyparts"] == 2 and j["admin_key_id"] == bob_id,
              "copy reports 2 key parts and bob's key id", str(j))
        src, dst = keyparts(st, 0), keyparts(st, 1)
        check(sorted((p["slot"], p["label"], p["vp"]) for p in src) ==
              sorted((p["slot"], p["label"], p["vp"]) for p in dst) and len(dst) == 2,
              "the copy holds the same key parts and VPs", f"{src}\n{dst}")
        e4 = info(st, 1)
        check(e4["admin_key_id"] == bob_id and e4["admin_name"] == "bob",
              "the copy holds the same admin (name and key id)", str(e4))
        check(e4["serial"] != info(st, 0)["serial"], "the copy keeps its own serial")
        bob = os.path.join(st.tmp, "bob.pem")
        cli(st, "card", "sigkey-cert", "--reader", "0", "--out", bob)
        bob_pub = os.path.join(st.tmp, "bob.pub")
        run(st, OPENSSL, "x509", "-in", bob, "-noout", "-pubkey", "-out", bob_pub)
        sig4 = os.path.join(st.tmp, "ep4.sig")
        cli(st, "card", "sign", "--reader", "1", "--in", msg, "--out", sig4,
            pins={"OPENMU_PIN": PIN["ep4"]})
        r = run(st, OPENSSL, "dgst", "-sha512", "-verify", bob_pub, "-signature", sig4, msg)
        check("Verified OK" in r.out, "the copy signs with the source's key", r.out)

        # ---- CA backup to a fifth card; the backup enrolls a new card ----
        swap(st, 0, "ca1")
        st.new_card("ca2", label="ca-a-backup")
        swap(st, 1, "ca2")
        r, j = cli_json(st, "card", "ca-backup", "--reader", "0", "--to-reader", "1",
                        pins=ca_pins(CA1, CA2))
        check(j["type"] == "CA" and j["zone_id"] == "ZONE-A" and j["same_pins"] is True,
              "ca-backup makes a CA card of ZONE-A with the same PINs", str(j))
        b = info(st, 1)
        check(b["type"] == "CA" and b["zone_id"] == "ZONE-A" and
              b["root_fingerprint"] == root_fpr and b["serial"] != ca["serial"],
              "card info of the backup: CA of ZONE-A, same root, own serial", str(b))
        ca2_pem = os.path.join(st.tmp, "ca2.pem")
        cli(st, "card", "cert", "--reader", "1", "--out", ca2_pem)
        check(pem_der(st, ca2_pem) == pem_der(st, zoneca),
              "the backup holds the same zone CA certificate")
        st.remove(0)
        st.remove(1)
        st.insert("ca2", 0)
        e5 = new_ep11(st, "ep5", 1, 0, CA1, CA2, PIN["ep5"], label="ep5")
        check(e5["zone_id"] == "ZONE-A", "the backup CA card enrolls ep5 in ZONE-A", str(e5))
        ep5_pem = os.path.join(st.tmp, "ep5.pem")
        cli(st, "card", "cert", "--reader", "1", "--out", ep5_pem)
        r = run(st, OPENSSL, "verify", "-CAfile", zoneca, ep5_pem)
        check(r.out.strip().endswith("OK"),
              "ep5's certificate (made by the backup) verifies with the original zoneca.pem",
              r.out)

        # ---- zeroize ----
        swap(st, 1, "ep3")
        r = cli(st, "card", "zeroize", "--reader", "1", pins={"OPENMU_PIN": PIN["ep3"]},
                expect=USAGE)
        check("--yes" in r.err and info(st, 1)["type"] == "EP11",
              "zeroize without a terminal and without --yes does nothing", r.err)
        r, j = cli_json(st, "card", "zeroize", "--reader", "1", "--yes",
                        pins={"OPENMU_PIN": PIN["ep3"]})
        check(j["previous_type"] == "EP11" and j["type"] == "blank", "zeroize --yes", str(j))
        z = info(st, 1)
        check(z["type"] == "blank" and z["serial"] == serials["ep3"] and z["label"] == "ep3",
              "after zeroize the card is blank, serial and label kept", str(z))
        # the zeroized card can be enrolled again
        pins = ca_pins(CA1, CA2)
        pins["OPENMU_NEW_PIN"] = PIN["ep3"]
        r, j = cli_json(st, "card", "init-ep11", "--reader", "1", "--ca-reader", "0",
                        pins=pins)
        check(j["type"] == "EP11" and info(st, 1)["keyparts"] == 0,
              "the zeroized card enrolls again, empty", str(j))

        # ---- pin-change; CA PIN 2 change ----
        cli(st, "card", "pin-change", "--reader", "1",
            pins={"OPENMU_PIN": PIN["ep3"], "OPENMU_NEW_PIN": "246802"})
        cli(st, "card", "keypart-gen", "--reader", "1", "--label", "after change",
            pins={"OPENMU_PIN": "246802"})
        check(info(st, 1)["keyparts"] == 1, "the new PIN works after pin-change")
        cli(st, "card", "pin-change", "--reader", "0", "--pin", "2",
            pins={"OPENMU_CA_PIN2": CA2, "OPENMU_NEW_PIN": "135790"})
        r = cli(st, "card", "keyparts", "--reader", "1", "--pin-fd", "0", input="")
        check("after change" in r.out, "a command without PINs does not need --pin-fd input",
              str(r))
        # the CA card with its new PIN 2, both PINs from --pin-fd in order
        st.new_card("ep7")
        swap(st, 1, "ep7")
        cli(st, "card", "init-ep11", "--reader", "1", "--ca-reader", "0", "--pin-fd", "0",
            input=f"{CA1}\n135790\n777111\n")
        check(info(st, 1)["type"] == "EP11",
              "init-ep11 with CA PIN 1, CA PIN 2, new PIN from --pin-fd (changed PIN 2)")

        # every --json output of the session parsed (cli_json); one more for info text
        r = cli(st, "card", "info", "--reader", "0")
        check("Zone:" in r.out and "ZONE-A" in r.out and "CA PIN 2 tries left" in r.out,
              "card info text output", r.out)


if __name__ == "__main__":
    main_wrapper(main)
