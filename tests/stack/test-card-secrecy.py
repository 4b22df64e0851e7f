# SPDX-License-Identifier: Apache-2.0
"""No key part and no private key ever leaves a card in the clear.

A full session through openmu-cli (CA card, EP11 enrollment, signature keys,
signing, key parts, wrong PIN + unblock, PIN change, card-to-card copy, CA
backup, enrollment by the backup) runs with openmu-cardsim's APDU trace
(--trace) and the workstation's APDU trace (OPENMU_APDU_TRACE). Then every
secret the card images hold is read with $OPENMU_CARD_SECRETS (before
anything is zeroized), and none may appear - as raw bytes, or as hex in
either case with or without separators, whole or any 16-byte piece of it -
in the cardsim trace, the workstation trace, any output of openmu-cli (and
of the other programs run), or the cardsim and pcscd logs. The traces must be
non-trivial (the SELECT and the VPs the CLI printed are in them), so the test
cannot pass on empty files. PINs must not appear in CLI output, nor in the
workstation trace (its PIN data is redacted). Zeroize runs last and its
output is checked as well.
"""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardcli import (FAILED, BLOCKED, Stack, check, cli, cli_json, build_path,  # noqa: E402
                     make_root, ca_pins, keyparts, swap, new_ca, new_ep11, main_wrapper)

CA1, CA2 = "739214", "581736"
PINS = {"ep1": "620481", "ep2": "407395", "ep3": "952608", "ep4": "318264"}
SELECT_HEX = "00a4040008f04f50454e4d5501"
WINDOW = 16  # bytes: a piece this long of a secret counts as a leak
NON_HEX = re.compile(r"[^0-9a-f]")


def secrets_tool():
    path = os.environ.get("OPENMU_CARD_SECRETS")
    if path and os.access(path, os.X_OK):
        return path
    for cand in glob.glob(build_path("**/openmu-test-card-secrets"), recursive=True):
        if os.access(cand, os.X_OK):
            return cand
    raise AssertionError("openmu-test-card-secrets not found: set OPENMU_CARD_SECRETS to "
                         "its path (built by applet-sim/)")


def read_secrets(st, names):
    """[(card, kind, bytes)] of every secret held by the card images."""
    tool = secrets_tool()
    out = []
    for name in names:
        r = subprocess.run([tool, st.image(name)], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"{os.path.basename(tool)} reads {name}.card", r.stderr)
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) != 2:
                raise AssertionError(f"unexpected line from the secrets tool: {line!r}")
            out.append((name, parts[0], bytes.fromhex(parts[1])))
    return out


class Haystack:
    """One place that must not hold a secret: its raw bytes and its text
    reduced to hex digits only (so that any separator, case or line wrap
    of a hex dump is seen through)."""

    def __init__(self, what, raw):
        self.what = what
        self.raw = raw
        self.hex = NON_HEX.sub("", raw.decode("latin-1").lower())

    def leak(self, secret):
        """The first piece of secret (WINDOW bytes, or all of a shorter one)
        found here as bytes or hex, else None."""
        n = min(WINDOW, len(secret))
        for i in range(0, len(secret) - n + 1):
            piece = secret[i:i + n]
            if piece in self.raw or piece.hex() in self.hex:
                return piece
        return None


def detector_selftest():
    """The search finds a planted secret in every form it claims to."""
    secret = bytes(range(0x80, 0x80 + 66))
    hx = secret.hex()
    forms = {
        "raw bytes": b"x" + secret + b"y",
        "lower hex": hx.encode(),
        "upper hex with ':'": ":".join(hx[i:i + 2] for i in range(0, len(hx), 2)).upper().encode(),
        "hex with spaces": " ".join(hx[i:i + 2] for i in range(0, len(hx), 2)).encode(),
        "hex dump lines": b"\n".join(b"< " + hx[i:i + 32].upper().encode()
                                     for i in range(0, len(hx), 32)),
        "a 16-byte piece": b'"vp": "' + secret[20:36].hex().encode() + b'"',
    }
    for what, raw in forms.items():
        check(Haystack(what, raw).leak(secret) is not None, f"the leak search finds {what}")
    check(Haystack("noise", b"00" * 500 + bytes(reversed(range(256)))).leak(secret) is None,
          "the leak search does not fire on unrelated data")


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def session(st, env):
    """Every card operation once; returns the VPs printed by the CLI."""
    def c(*args, **kw):
        return cli(st, *args, env=env, **kw)

    def cj(*args, **kw):
        return cli_json(st, *args, env=env, **kw)[1]

    root, _ = make_root(st)
    st.new_card("ca1", label="ca")
    st.insert("ca1", 0)
    c("card", "init-ca", "--reader", "0", "--root", root, "--zone", "ZONE-S",
      pins=ca_pins(CA1, CA2))
    vps = []
    for name in ("ep1", "ep2", "ep3"):
        st.new_card(name, label=name)
        swap(st, 1, name)
        c("card", "init-ep11", "--reader", "1", "--ca-reader", "0",
          pins={**ca_pins(CA1, CA2), "OPENMU_NEW_PIN": PINS[name]})
    swap(st, 1, "ep1")
    pin = {"OPENMU_PIN": PINS["ep1"]}
    c("card", "sigkey-gen", "--reader", "1", "--name", "alice", pins=pin)
    msg = os.path.join(st.tmp, "block.bin")
    with open(msg, "wb") as f:
        f.write(b"admin block" * 10)
    c("card", "sign", "--reader", "1", "--in", msg, "--out", os.path.join(st.tmp, "s.der"),
      pins=pin)
    c("card", "sigkey-cert", "--reader", "1", "--out", os.path.join(st.tmp, "alice.pem"))
    for label in ("mk part 1", "mk part 2"):
        vps.append(cj("card", "keypart-gen", "--reader", "1", "--label", label,
                      pins=pin)["vp"])
    swap(st, 1, "ep2")
    vps.append(cj("card", "keypart-gen", "--reader", "1", "--label", "mk part 3",
                  pins={"OPENMU_PIN": PINS["ep2"]})["vp"])
    c("card", "keyparts", "--reader", "1")
    # wrong PINs until blocked, then unblock and change the PIN
    for wrong, code in (("190283", FAILED), ("190284", FAILED), ("190285", BLOCKED)):
        c("card", "keypart-gen", "--reader", "1", "--label", "x",
          pins={"OPENMU_PIN": wrong}, expect=code)
    c("card", "pin-unblock", "--reader", "1", "--ca-reader", "0",
      pins={**ca_pins(CA1, CA2), "OPENMU_NEW_PIN": PINS["ep2"]})
    c("card", "pin-change", "--reader", "1",
      pins={"OPENMU_PIN": PINS["ep2"], "OPENMU_NEW_PIN": "864209"})
    PINS["ep2"] = "864209"
    # copy ep1 -> ep3 (same zone)
    swap(st, 0, "ep1")
    swap(st, 1, "ep3")
    c("card", "copy", "--reader", "0", "--to-reader", "1",
      pins={"OPENMU_PIN": PINS["ep1"], "OPENMU_TARGET_PIN": PINS["ep3"]})
    check(sorted(p["vp"] for p in keyparts(st, 1)) == sorted(vps[:2]),
          "the copy arrived (so the envelope did cross the workstation)")
    # CA backup, and an enrollment by the backup
    swap(st, 0, "ca1")
    st.new_card("ca2", label="ca backup")
    swap(st, 1, "ca2")
    c("card", "ca-backup", "--reader", "0", "--to-reader", "1", pins=ca_pins(CA1, CA2))
    st.remove(0)
    st.remove(1)
    st.insert("ca2", 0)
    new_ep11(st, "ep4", 1, 0, CA1, CA2, PINS["ep4"])
    c("readers")
    c("card", "info", "--reader", "0")
    return vps


def main():
    detector_selftest()
    with Stack(readers=2, trace=True) as st:
        ws_trace = os.path.join(st.tmp, "workstation.trace")
        env = {"OPENMU_APDU_TRACE": ws_trace}
        # new_ca/new_ep11 use the stack env: the trace variable goes there too
        st.env["OPENMU_APDU_TRACE"] = ws_trace
        vps = session(st, env)
        names = ["ca1", "ca2", "ep1", "ep2", "ep3", "ep4"]
        all_secrets = read_secrets(st, names)
        kinds = sorted({k for _, k, _ in all_secrets})
        # PINs (if the tool lists them) are checked separately below
        secrets = [(n, k, s) for n, k, s in all_secrets
                   if "pin" not in k.lower() and len(s) >= WINDOW]
        print(f"# secrets: {len(secrets)} of kinds {kinds}")
        parts = {s for _, _, s in secrets if len(s) == 32}
        keys = {s for _, _, s in secrets if len(s) >= 64}
        check(len(parts) >= 3 and len(keys) >= 6,
              "the images hold the 3 key parts and at least 6 private keys (zone CA, 4 "
              "card keys, admin key) to look for", str(kinds))

        # zeroize last, after the secrets were taken
        swap(st, 1, "ep3")
        cli(st, "card", "zeroize", "--reader", "1", "--yes", env=env,
            pins={"OPENMU_PIN": PINS["ep3"]})

        tr = Haystack("the cardsim trace", file_bytes(st.trace_path))
        check(SELECT_HEX in tr.hex and tr.raw.count(b"\n") > 100,
              "the cardsim trace is non-trivial (SELECT, > 100 lines)")
        check(all(vp in tr.hex for vp in vps),
              "the cardsim trace holds response data (the printed VPs)")
        check(os.path.exists(ws_trace), "OPENMU_APDU_TRACE made the workstation trace")
        ws = Haystack("the workstation trace", file_bytes(ws_trace))
        check(ws.raw.count(b"\n") > 100 and all(vp in ws.hex for vp in vps),
              "the workstation trace is non-trivial (> 100 lines, the VPs)")
        outputs = "\n".join(st.outputs)
        check(all(vp in outputs for vp in vps), "the CLI outputs are recorded (the VPs)")

        places = [tr, ws, Haystack("the recorded program outputs", outputs.encode()),
                  Haystack("the cardsim log", file_bytes(st.cardsim_log)),
                  Haystack("the pcscd log", file_bytes(st.pcscd_log))]
        leaks = []
        for place in places:
            for card, kind, secret in secrets:
                piece = place.leak(secret)
                if piece is not None:
                    leaks.append(f"{kind} of {card} ({piece.hex()}...) in {place.what}")
        check(not leaks, f"no key part or private key ({len(secrets)} secrets) in the traces, "
              "outputs or logs", "\n".join(leaks))

        # A PIN counts as shown when it stands as a token of its own (6 digits
        # inside a longer hex or base64 string are chance), or as the hex of
        # its ASCII digits (the data of a VERIFY APDU).
        pins = sorted(set(st.secrets))
        out_hex = places[2].hex

        def shown(pin, text, hexed):
            return (re.search(rf"(?<![0-9A-Za-z+/]){pin}(?![0-9A-Za-z+/])", text) or
                    pin.encode().hex() in hexed)
        found = [p for p in pins if shown(p, outputs, out_hex)]
        check(not found and len(pins) >= 8,
              f"no PIN ({len(pins)} used) in any program output", str(found))
        found = [p for p in pins if shown(p, ws.raw.decode("latin-1"), ws.hex)]
        check(not found, "no PIN in the workstation APDU trace (redacted)", str(found))


if __name__ == "__main__":
    main_wrapper(main)
