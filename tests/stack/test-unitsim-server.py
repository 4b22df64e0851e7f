# SPDX-License-Identifier: Apache-2.0
"""openmu-unitsim over TLS with the test client (tests/unitsim/unit-test-client):
5000 keys through the service API, a master key loaded with software-signed
admin blocks, committed and rotated, and every key still unwraps to the same
value, also after a restart; the recovery unit's auto-init of another unit;
refusals: a service call without the token, a unit that does not chain to
the instance root (a server started from another init folder, refused by
TLS and, with TLS verification off, by the OA check), plaintext
connections, bad frame lengths and random messages (each answered, nothing
changed, the server stays up). Also checks the test-only --dump-plaintext."""

import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitsim_stack import (CLIENT, EXIT_REFUSED, EXIT_TRUST, Admins, Instance,  # noqa: E402
                           check, imprint, run_main, status)

ADMINS = ["alice", "bob", "carol"]


def unit_address(ini, unit):
    group = None
    for line in open(ini):
        line = line.strip()
        if line.startswith("["):
            group = line
        elif group == f"[unit {unit}]" and line.startswith("address="):
            host, port = line.split("=", 1)[1].rsplit(":", 1)
            return host, int(port)
    raise AssertionError(f"no address for {unit} in {ini}")


def impostor_ini(tmp, ini, unit, address):
    """A copy of ini whose unit points at another instance's unit."""
    out, group = [], None
    for line in open(ini):
        s = line.strip()
        if s.startswith("["):
            group = s
        if group == f"[unit {unit}]" and s.startswith("address="):
            line = f"address={address[0]}:{address[1]}\n"
        out.append(line)
    path = os.path.join(tmp, "impostor.ini")
    with open(path, "w") as f:
        f.writelines(out)
    return path


def test_keys_and_rotate(inst, adm, tmp):
    r = inst.client("unit1", "load-key", *adm.sign("alice", "bob"), "11" * 32, "22" * 32)
    check(r.rc == 0, "unit1: first master key loaded and committed", str(r))
    r = inst.client("unit1", "admin", "set-immediate", *adm.sign("alice"))
    check(r.rc == 0, "unit1: set immediate", str(r))
    t0 = time.monotonic()
    r = inst.client("unit1", "create-keys", "5000", "svc")
    check(r.rc == 0 and "created 5000" in r.stdout, "5000 keys created through the service API",
          str(r))
    print(f"# 5000 KEY CREATE requests in {time.monotonic() - t0:.1f} s")
    check(status(inst, "unit1")["keys"] == "5000", "status shows 5000 keys")
    r = inst.client("unit1", "create-one")
    check(r.rc == EXIT_REFUSED and "storage-full" in r.stdout, "key 5001 is refused", str(r))
    snap = os.path.join(tmp, "snapshot.txt")
    r = inst.client("unit1", "snapshot", snap)
    check(r.rc == 0, "every key wraps a test value", str(r))
    before = status(inst, "unit1")

    r = inst.client("unit1", "load-key", *adm.sign("alice", "bob"), "33" * 32, "44" * 32,
                    "55" * 32)
    check(r.rc == 0, "a 3-part master key loaded and committed", str(r))
    new_vp = r.kv()["vp"]
    st = status(inst, "unit1")
    check(st["new-state"] == "3" and st["new-vp"] == new_vp, "new register FULL-COMMITTED", st)
    t0 = time.monotonic()
    r = inst.client("unit1", "admin", "rotate", *adm.sign("carol"))
    check(r.rc == 0, "rotate signed by one admin", str(r))
    print(f"# rotate of 5000 keys over TLS in {time.monotonic() - t0:.3f} s")
    st = status(inst, "unit1")
    check(st["cur-vp"] == new_vp and st["cur-vp"] != before["cur-vp"] and st["new-state"] == "0",
          "current register holds the new master key, new register empty", st)
    r = inst.client("unit1", "verify", snap)
    check(r.rc == 0 and "verified 5000" in r.stdout,
          "after rotate every key unwraps to the same value", str(r))
    r = inst.client("unit1", "admin", "rotate", *adm.sign("carol"))
    check(r.rc == EXIT_REFUSED and "new-uncommitted" in r.stdout, "a second rotate is refused",
          str(r))
    return snap, new_vp


def test_restart(inst, snap, vp):
    inst.stop()
    inst.start()
    st = status(inst, "unit1")
    check(st["cur-vp"] == vp and st["keys"] == "5000", "state survives a restart", st)
    r = inst.client("unit1", "verify", snap)
    check(r.rc == 0, "keys still unwrap after a restart", str(r))


def test_auto_init(inst, adm):
    r = inst.client("unit1", "auto-init", "--target", "unit2", *adm.sign("alice", "bob"))
    check(r.rc == EXIT_REFUSED and "role" in r.stdout + r.stderr,
          "auto-init from an operational unit is refused", str(r))
    r = inst.client("recovery1", "auto-init", "--target", "unit2", "--parts", "3",
                    *adm.sign("alice", "bob"))
    check(r.rc == 0, "recovery1 generates a master key and exports it to unit2", str(r))
    vp = r.kv()["vp"]
    st = status(inst, "unit2")
    check(st["new-state"] == "3" and st["new-vp"] == vp, "unit2 holds it, committed", st)
    check(status(inst, "recovery1")["recovery-vp"] == vp, "same VP on the recovery unit")
    r = inst.client("unit2", "admin", "set-immediate", *adm.sign("bob"))
    check(r.rc == 0 and status(inst, "unit2")["cur-vp"] == vp, "unit2 sets it immediate",
          str(r))


def test_refusals(inst, tmp, started):
    r = inst.client("unit1", "create-one", extra=["--no-token"])
    check(r.rc == EXIT_REFUSED and "token" in r.stdout, "a service call without the token",
          str(r))
    other = Instance(tmp, "inst-b", units=1, recovery=0)
    started.append(other)
    other.start()
    fake = impostor_ini(tmp, inst.ini, "unit1", unit_address(other.ini, "unit1"))
    r = inst.client("unit1", "status")
    check(r.rc == 0, "the real unit1 is trusted")
    for extra, what in (([], "TLS handshake"), (["--skip-tls-verify"], "OA certificate check")):
        argv = [CLIENT, "--instance", fake, "--unit", "unit1", *extra, "status"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        check(p.returncode == EXIT_TRUST,
              f"a unit of another init folder is refused by the {what}",
              p.stdout + p.stderr)
    other_root = os.path.join(other.dir, "root", "root-cert.pem")
    r = inst.client("unit1", "status", extra=["--root", other_root])
    check(r.rc == EXIT_TRUST, "the real unit1 under another root is refused", str(r))

    # plaintext: the TLS handshake fails and the unit closes the connection
    host, port = unit_address(inst.ini, "unit1")
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(bytes.fromhex("00000018800101810102821000010203040506070809"
                            "0a0b0c0d0e0f"))
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    check(b"\xa0" not in data[:8] and (data == b"" or data[0] == 0x15),
          "a plaintext request gets no answer (at most a TLS alert) and is closed", repr(data))

    ctr = status(inst, "unit1")["counter"]
    for n in ("0", "0x100001", "0xffffffff"):
        r = inst.client("unit1", "frame-len", n)
        check(r.rc == 0 and "status frame" in r.stdout, f"frame length {n}: signed frame error",
              str(r))
    r = inst.client("unit1", "garbage", "400", "11")
    check(r.rc == 0 and "answered 400" in r.stdout, "400 random messages all answered", str(r))
    st = status(inst, "unit1")
    check(st["counter"] == ctr and st["keys"] == "5000", "and nothing changed", st)


def body(tmp, started):
    inst = Instance(tmp, "inst-a", units=2, recovery=1)
    started.append(inst)
    dump = os.path.join(tmp, "plaintext.log")
    inst.start(extra=["--dump-plaintext", dump])
    adm = Admins(tmp, ADMINS)
    for unit in ("unit1", "unit2", "recovery1"):
        imprint(inst, unit, adm, ADMINS, 2, 1)
    snap, vp = test_keys_and_rotate(inst, adm, tmp)
    lines = open(dump).read().splitlines()
    check(len(lines) > 5000 and all(ln.split(" ", 1)[0] in ("unit1", "unit2", "recovery1")
                                    for ln in lines),
          "--dump-plaintext logs every decrypted request", f"{len(lines)} lines")
    check(any(ln.startswith("unit1 8001018101") for ln in lines), "dump lines hold hex payloads")
    test_restart(inst, snap, vp)
    test_auto_init(inst, adm)
    test_refusals(inst, tmp, started)


if __name__ == "__main__":
    run_main(body)
