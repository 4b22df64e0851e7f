# SPDX-License-Identifier: Apache-2.0
"""openmu-cardsim behind a private pcscd + vpcd, seen through real PC/SC
clients (opensc-tool, libpcsclite): ATR, SELECT, insert/remove, the control
socket and its errors, persistence of state changes, a foreign vicc card,
and a clean SIGTERM. Also prints (does not assert) the median round trip of
500 SELECTs through pcscd."""

import ctypes
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stackenv import Stack, StackError, CtlError, build_path  # noqa: E402
import vicc  # noqa: E402

ATR = "3b:88:80:01:4f:70:65:6e:4d:55:31:30:24"
SELECT_OURS = "00:A4:04:00:08:F0:4F:50:45:4E:4D:55:01"
SELECT_OTHER = "00:A4:04:00:08:F0:4F:50:45:4E:4D:55:02"
PREPARE = "80:12:00:00:00"
SW_RE = re.compile(r"Received \(SW1=0x([0-9A-Fa-f]{2}), SW2=0x([0-9A-Fa-f]{2})\)")


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}\n{detail}".rstrip())
    print(f"ok - {what}")


def sws(st, reader, *apdus):
    """Sends apdus in one opensc-tool session; returns their SWs ("90 00")."""
    argv = ["opensc-tool", "-r", str(reader)]
    for a in apdus:
        argv += ["-s", a]
    r = st.run(argv, check=False)
    found = [f"{a.upper()} {b.upper()}" for a, b in SW_RE.findall(r.stdout)]
    if len(found) != len(apdus):
        raise AssertionError(f"opensc-tool answered {len(found)} of {len(apdus)} APDUs\n"
                             f"{r.stdout}{r.stderr}")
    return found


def cardsim_ctl(st, *words):
    """The C client: openmu-cardsim ctl --ctl SOCKET WORDS..."""
    return st.run([build_path("applet-sim/openmu-cardsim"), "ctl", "--ctl", st.ctl_path,
                   *[str(w) for w in words]], check=False)


def our_readers(st):
    r = st.run(["opensc-tool", "-l"])
    return [line for line in r.stdout.splitlines() if "OpenMU vpcd" in line]


def bench(reader, count):
    """Median SCardTransmit round trip of SELECT, through libpcsclite."""
    lib = ctypes.CDLL("libpcsclite.so.1")
    LONG, DWORD = ctypes.c_long, ctypes.c_ulong

    class IoRequest(ctypes.Structure):
        _fields_ = [("dwProtocol", DWORD), ("cbPciLength", DWORD)]

    lib.SCardEstablishContext.argtypes = [DWORD, ctypes.c_void_p, ctypes.c_void_p,
                                          ctypes.POINTER(LONG)]
    lib.SCardConnect.argtypes = [LONG, ctypes.c_char_p, DWORD, DWORD, ctypes.POINTER(LONG),
                                 ctypes.POINTER(DWORD)]
    lib.SCardTransmit.argtypes = [LONG, ctypes.POINTER(IoRequest), ctypes.c_char_p, DWORD,
                                  ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(DWORD)]
    lib.SCardDisconnect.argtypes = [LONG, DWORD]
    lib.SCardReleaseContext.argtypes = [LONG]
    for f in ("SCardEstablishContext", "SCardConnect", "SCardTransmit"):
        getattr(lib, f).restype = LONG

    ctx, card, proto = LONG(), LONG(), DWORD()
    rv = lib.SCardEstablishContext(2, None, None, ctypes.byref(ctx))  # SCARD_SCOPE_SYSTEM
    if rv == 0:
        # SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | T1
        rv = lib.SCardConnect(ctx, reader.encode(), 2, 3, ctypes.byref(card),
                              ctypes.byref(proto))
    if rv != 0:
        print(f"bench: PC/SC error 0x{rv & 0xffffffff:08X}")
        return 1
    pci = IoRequest(proto.value, ctypes.sizeof(IoRequest))
    apdu = bytes.fromhex(SELECT_OURS.replace(":", ""))
    buf = ctypes.create_string_buffer(258)
    rlen = DWORD()
    times = []
    for _ in range(count):
        rlen.value = len(buf)
        t = time.perf_counter()
        rv = lib.SCardTransmit(card, ctypes.byref(pci), apdu, len(apdu), None, buf,
                               ctypes.byref(rlen))
        times.append(time.perf_counter() - t)
        if rv != 0 or buf.raw[:rlen.value] != b"\x90\x00":
            print(f"bench: transmit failed (0x{rv & 0xffffffff:08X})")
            return 1
    lib.SCardDisconnect(card, 0)
    lib.SCardReleaseContext(ctx)
    print(f"median {statistics.median(times) * 1e6:.0f} us over {count} SELECTs "
          f"(p90 {sorted(times)[int(count * 0.9)] * 1e6:.0f} us)")
    return 0


def main():
    with Stack(readers=2, trace=True) as st:
        readers = our_readers(st)
        check(len(readers) == 2, "opensc-tool -l lists 2 readers", "\n".join(readers))

        st.new_card("blank1", label="first")
        again = st.run([build_path("applet-sim/openmu-cardsim"), "new", "--deck", st.deck,
                        "blank1"], check=False)
        check(again.returncode == 1 and "already exists" in again.stderr,
              "new refuses to overwrite a card", again.stderr)
        bad = st.run([build_path("applet-sim/openmu-cardsim"), "new", "--deck", st.deck,
                      "../evil"], check=False)
        check(bad.returncode == 2, "new refuses a bad name with exit 2", bad.stderr)

        st.insert("blank1", 1)
        check(st.card_present(1) and not st.card_present(0),
              "the card is in reader 1 only")
        atr = st.run(["opensc-tool", "-r", "1", "-a"]).stdout
        check(ATR in atr, "opensc-tool -a shows the OpenMU ATR", atr)
        check(sws(st, 1, SELECT_OURS) == ["90 00"], "SELECT of the OpenMU AID answers 90 00")
        check(sws(st, 1, SELECT_OTHER) == ["6A 82"], "SELECT of another AID answers 6A 82")

        listing = cardsim_ctl(st, "list")
        check(listing.returncode == 0 and listing.stdout.splitlines() ==
              [f"0 {st.ports[0]} -", f"1 {st.ports[1]} blank1"],
              "ctl list shows the card in reader 1", listing.stdout + listing.stderr)
        st.new_card("blank2")
        cards = cardsim_ctl(st, "cards")
        check(cards.returncode == 0 and cards.stdout.split() == ["blank1", "blank2"],
              "ctl cards lists the deck (cards made while serving included)", cards.stdout)

        twice = cardsim_ctl(st, "insert", "blank1", 0)
        check(twice.returncode == 1 and "already in reader 1" in twice.stderr,
              "the same card cannot be in two readers", twice.stderr)
        unknown = cardsim_ctl(st, "insert", "nosuch", 0)
        check(unknown.returncode == 1 and "no card named nosuch" in unknown.stderr,
              "ctl insert of an unknown card fails", unknown.stderr)
        noreader = cardsim_ctl(st, "insert", "blank2", 5)
        check(noreader.returncode == 1 and "no reader 5" in noreader.stderr,
              "ctl insert into an unknown reader fails", noreader.stderr)
        full = cardsim_ctl(st, "insert", "blank2", 1)
        check(full.returncode == 1 and "already holds card blank1" in full.stderr,
              "ctl insert into a full reader fails", full.stderr)
        empty = cardsim_ctl(st, "remove", 0)
        check(empty.returncode == 1 and "empty" in empty.stderr,
              "ctl remove of an empty reader fails", empty.stderr)
        malformed = cardsim_ctl(st, "insert", "blank2")
        check(malformed.returncode == 2, "ctl with a malformed request exits 2",
              malformed.stderr)
        try:
            st.ctl("eject", 1)
            raise AssertionError("the server accepted 'eject 1'")
        except CtlError as e:
            check("unknown command" in str(e), "the server refuses unknown commands")

        # A state change is on disk before its response arrives.
        before = open(st.image("blank1"), "rb").read()
        sw = sws(st, 1, SELECT_OURS, PREPARE)
        after = open(st.image("blank1"), "rb").read()
        check(sw[1] == "90 00" or sw[1].startswith("61"), "PREPARE succeeds", str(sw))
        check(before != after, "PREPARE changed the image on disk")

        st.remove(1)
        check(not st.card_present(1), "remove empties reader 1")
        gone = st.run(["opensc-tool", "-r", "1", "-a"], check=False)
        check(ATR not in gone.stdout, "opensc-tool -a finds no card after removal",
              gone.stdout)
        st.insert("blank1", 1)
        check(ATR in st.run(["opensc-tool", "-r", "1", "-a"]).stdout,
              "the card works again after re-insertion")
        st.insert("blank2", 0)
        check(sws(st, 0, SELECT_OURS) == ["90 00"], "a second card works in reader 0")

        with open(st.trace_path) as f:
            trace = f.read().splitlines()
        check(f"> {SELECT_OURS.replace(':', '')}" in trace and "< 9000" in trace,
              "the trace records C-APDUs and R-APDUs")

        if vicc.available():
            st.insert_foreign(0)
            check(st.held()[0] is None, "insert_foreign first removed the OpenMU card")
            sw = sws(st, 0, SELECT_OURS)
            check(sw != ["90 00"], "a foreign vicc card refuses the OpenMU AID", str(sw))
            st.remove_foreign(0)
        else:
            print("# vicc or pycryptodome missing: foreign-card check skipped")

        r = st.run([sys.executable, os.path.abspath(__file__), "--bench",
                    st.reader_name(1), "500"], check=False)
        print(f"# SELECT round trip through pcscd: {r.stdout.strip()} {r.stderr.strip()}")

        status = st.stop_cardsim()
        check(status == 0, "openmu-cardsim exits 0 on SIGTERM", str(status))
        check(not os.path.exists(st.ctl_path), "the control socket is removed at exit")
        st.wait_card(1, False)
        check(not st.card_present(1), "stopping openmu-cardsim removes the cards")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bench":
        sys.exit(bench(sys.argv[2], int(sys.argv[3])))
    try:
        sys.exit(main())
    except (AssertionError, StackError) as e:
        print(f"not ok - {e}")
        sys.exit(1)
