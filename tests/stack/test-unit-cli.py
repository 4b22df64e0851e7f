# SPDX-License-Identifier: Apache-2.0
"""`openmu-cli unit ...` against three emulated crypto units.

`openmu-unitsim init --dir D --units 3` and `serve` on loopback; then, with
openmu-cli only: list and compare the units, install admins in imprint mode
(certificates made with the openssl tool: self-signed P-521, CN=name), read
their status (admin names and key ids), compare (equal after the same admins
on every unit, a marked difference after one more admin on unit1 only),
refuse admin-add outside imprint mode, and the service-user key commands
(create, list, wrap, unwrap, delete; refused without or with a wrong token).
An instance file whose root comes from another `openmu-unitsim init` is
refused with a message that says so. Every --json output must parse.

The master key that the service API needs is set up with tke-test-mk (test
equipment: software admin keys in place of the admins' cards). Everything
started is stopped by PID, also on failures and SIGTERM. OPENMU_KEEP_TMP=1
keeps the temp folder.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_UNREACHABLE, EXIT_TRUST, EXIT_REFUSED, EXIT_DIFFER = (
    0, 2, 3, 4, 5, 6, 7)
SKIP = 77
DEADLINE_S = 20.0


def build_path(rel):
    build = os.environ.get("OPENMU_BUILD_DIR")
    if not build:
        sys.exit("OPENMU_BUILD_DIR is not set: run with 'meson test --suite stack'")
    return os.path.join(build, rel)


UNITSIM = build_path("unitsim/openmu-unitsim")
CLI = os.environ.get("OPENMU_CLI") or build_path("cli/openmu-cli")
TEST_MK = build_path("tke/tke-test-mk")
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}\n{detail}".rstrip())
    print(f"ok - {what}")


class Run:
    """The result of one program run."""

    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __str__(self):
        return (f"$ {' '.join(self.argv)}\nexit {self.rc}\n--- stdout\n{self.out}"
                f"--- stderr\n{self.err}")

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError(f"--json output does not parse: {e}\n{self}") from None


class Env:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="openmu-unit-cli-")
        self.env = dict(os.environ)
        self.env.pop("OPENMU_UNIT_TOKEN", None)
        self.env["LC_ALL"] = "C.UTF-8"
        self.server = None
        self.server_log = os.path.join(self.tmp, "unitsim.log")

    def run(self, argv, env=None, timeout=60):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env=env or self.env, stdin=subprocess.DEVNULL)
        return Run([str(a) for a in argv], p)

    def cli(self, *args, env=None):
        return self.run([CLI, *[str(a) for a in args]], env=env)

    def must(self, argv, what):
        r = self.run(argv)
        if r.rc != 0:
            raise AssertionError(f"{what} failed\n{r}")
        return r

    def serve(self, d):
        with open(self.server_log, "ab") as log:
            self.server = subprocess.Popen([UNITSIM, "serve", "--dir", d],
                                           stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                           env=self.env)

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def close(self):
        self.stop()
        if os.environ.get("OPENMU_KEEP_TMP") == "1":
            sys.stderr.write(f"kept {self.tmp}\n")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def dump_log(self):
        if os.path.exists(self.server_log):
            with open(self.server_log, errors="replace") as f:
                sys.stderr.write(f"--- unitsim log (end)\n{f.read()[-3000:]}\n---\n")


def addresses(ini):
    """[(name, host, port)] from an instance file."""
    units, name = [], None
    with open(ini) as f:
        for line in f:
            m = re.match(r"\[unit (.+)\]", line.strip())
            if m:
                name = m.group(1)
            m = re.match(r"address=(.+):(\d+)$", line.strip())
            if m and name:
                units.append((name, m.group(1), int(m.group(2))))
    return units


def wait_listening(e, ini):
    end = time.monotonic() + DEADLINE_S
    for _, host, port in addresses(ini):
        while True:
            if e.server.poll() is not None:
                e.dump_log()
                raise AssertionError(f"openmu-unitsim serve exited with {e.server.returncode}")
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > end:
                    e.dump_log()
                    raise AssertionError(f"unit on {host}:{port} did not listen in time")
                time.sleep(0.1)


def make_admin(e, name):
    """Self-signed P-521 admin certificate (SHA-512, CN=name) and its key id."""
    key = os.path.join(e.tmp, f"{name}.key")
    cert = os.path.join(e.tmp, f"{name}.pem")
    e.must([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
            "-sha512", "-nodes", "-subj", f"/CN={name}", "-days", "30", "-keyout", key,
            "-out", cert], f"openssl makes the admin certificate of {name}")
    spki = subprocess.run([OPENSSL, "x509", "-in", cert, "-noout", "-pubkey"],
                          capture_output=True, check=True).stdout
    der = subprocess.run([OPENSSL, "pkey", "-pubin", "-outform", "DER"], input=spki,
                         capture_output=True, check=True).stdout
    point = der[-133:]
    assert point[0] == 4, "not an uncompressed P-521 point"
    return key, cert, hashlib.sha256(point).hexdigest()


def foreign_instance(e, ini, other_ini, path):
    """ini with the root certificate and fingerprint of other_ini."""
    with open(other_ini) as f:
        other = f.read()
    with open(ini) as f:
        text = f.read()
    for k in ("root-certificate", "root-fingerprint"):
        v = re.search(rf"^{k}=(.*)$", other, re.M).group(1)
        text = re.sub(rf"^{k}=.*$", f"{k}={v}", text, flags=re.M)
    with open(path, "w") as f:
        f.write(text)


def row(cmp, field):
    for r in cmp["rows"]:
        if r["field"] == field:
            return r
    raise AssertionError(f"compare has no row {field}: {[r['field'] for r in cmp['rows']]}")


def main():
    for p in (UNITSIM, CLI, TEST_MK):
        if not os.access(p, os.X_OK):
            print(f"FAIL: {p} is not built")
            return 1
    e = Env()
    old = signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    try:
        test(e)
    except BaseException:
        e.dump_log()
        raise
    finally:
        e.close()
        signal.signal(signal.SIGTERM, old)
    print("all unit CLI checks passed")
    return 0


def test(e):
    d = os.path.join(e.tmp, "instance")
    d2 = os.path.join(e.tmp, "other")
    e.must([UNITSIM, "init", "--dir", d, "--units", "3"], "openmu-unitsim init (3 units)")
    e.must([UNITSIM, "init", "--dir", d2, "--units", "1"], "openmu-unitsim init (another)")
    ini = os.path.join(d, "instance.ini")
    e.env["OPENMU_INSTANCE"] = ini
    e.serve(d)
    wait_listening(e, ini)
    names = [n for n, _, _ in addresses(ini)]
    check(names == ["unit1", "unit2", "unit3"], "the instance has unit1..unit3", str(names))

    # -- list ------------------------------------------------------------------
    r = e.cli("unit", "list")
    check(r.rc == EXIT_OK, "unit list verifies every unit", str(r))
    check(all(re.search(rf"^{n}\s.*ok, verified", r.out, re.M) for n in names),
          "unit list shows each unit verified", str(r))
    j = e.cli("unit", "list", "--json").json()
    check([u["name"] for u in j["units"]] == names and all(u["verified"] for u in j["units"]),
          "unit list --json: three verified units", json.dumps(j))
    check(len(j["instance"]["root_fingerprint"]) == 64, "unit list --json: root fingerprint")
    r = e.cli("unit", "list", "--offline", "--instance", ini)
    check(r.rc == EXIT_OK and "unit3" in r.out, "unit list --offline --instance", str(r))

    # -- compare in imprint mode ---------------------------------------------
    r = e.cli("unit", "compare")
    check(r.rc == EXIT_OK and "no differences" in r.out, "three new units compare equal",
          str(r))
    cmp = e.cli("--json", "unit", "compare").json()
    check(cmp["equal"] and cmp["differences"] == 0 and len(cmp["units"]) == 3,
          "openmu-cli --json unit compare: equal", json.dumps(cmp))
    check(row(cmp, "imprint")["values"] == ["yes"] * 3, "all three in imprint mode")

    # -- admins in imprint mode ------------------------------------------------
    admins = {n: make_admin(e, n) for n in ("alice", "bob", "carol", "dave")}
    r = e.cli("unit", "admin-add", "--cert", admins["alice"][1])
    check(r.rc == EXIT_OK and r.out.count("admin alice") == 3,
          "admin-add installs alice on every unit", str(r))
    j = e.cli("unit", "admin-add", "--cert", admins["bob"][1], "--json").json()
    check(j["admin"]["name"] == "bob" and j["admin"]["key_id"] == admins["bob"][2] and
          [u["installed"] for u in j["units"]] == [True] * 3 and
          [u["transaction_counter"] for u in j["units"]] == [2] * 3,
          "admin-add --json installs bob (key id from the certificate)", json.dumps(j))
    r = e.cli("unit", "admin-add", "--cert", admins["alice"][1], "--unit", "unit2")
    check(r.rc == EXIT_REFUSED and "already installed" in r.err,
          "a second alice is refused by the unit", str(r))
    r = e.cli("unit", "admin-add", "--cert", admins["alice"][0])
    check(r.rc == EXIT_INPUT and "not an X.509 certificate" in r.err,
          "a key file is not taken for a certificate", str(r))

    # -- status ----------------------------------------------------------------
    r = e.cli("unit", "status", "--unit", "unit1")
    check(r.rc == EXIT_OK and "imprint mode          yes" in r.out and
          re.search(rf"alice\s+key id {admins['alice'][2]}", r.out) and
          re.search(rf"bob\s+key id {admins['bob'][2]}", r.out) and
          "transaction counter   2" in r.out and "unit2" not in r.out,
          "unit status --unit unit1: admins with names and key ids", str(r))
    st = e.cli("unit", "status", "--json").json()
    check(len(st["units"]) == 3, "unit status --json: every unit", json.dumps(st))
    for u in st["units"]:
        check([(a["name"], a["key_id"]) for a in u["admins"]] ==
              [("alice", admins["alice"][2]), ("bob", admins["bob"][2])] and
              u["imprint"] is True and u["signature_threshold"] == 0 and
              u["new_register"]["state"] == "EMPTY" and
              u["current_register"]["state"] == "EMPTY" and u["transaction_counter"] == 2,
              f"unit status --json: {u['name']} has alice and bob, registers empty")

    r = e.cli("unit", "compare")
    check(r.rc == EXIT_OK and "no differences" in r.out,
          "same admins on every unit: no differences", str(r))

    # -- a difference ----------------------------------------------------------
    r = e.cli("unit", "admin-add", "--cert", admins["carol"][1], "--unit", "unit1")
    check(r.rc == EXIT_OK and r.out.count("installed") == 1, "carol on unit1 only", str(r))
    r = e.cli("unit", "compare")
    carol_short = admins["carol"][2][:16]
    check(r.rc == EXIT_DIFFER and re.search(rf"^\* admin {carol_short}\s+carol\s+-\s+-",
                                            r.out, re.M),
          "compare marks carol's row", str(r))
    check(re.search(r"^\* transaction counter\s+3\s+2\s+2", r.out, re.M) and
          re.search(r"^  imprint mode", r.out, re.M), "only the differing rows are marked",
          str(r))
    cmp = e.cli("unit", "compare", "--json").json()
    carol = row(cmp, "admin:" + admins["carol"][2])
    check(carol["differs"] and carol["values"] == ["carol", "-", "-"] and
          not cmp["equal"] and cmp["differences"] == 3,
          "compare --json: carol differs (and the admin count and counter)", json.dumps(cmp))
    check(not row(cmp, "admin:" + admins["alice"][2])["differs"], "alice does not differ")

    # -- leave imprint mode on unit1 (tke-test-mk), then admin-add is refused ---
    parts = [os.urandom(32).hex(), os.urandom(32).hex()]
    r = e.must([TEST_MK, "--instance", ini, "--unit", "unit1", "--thresholds", "2,1",
                "--admin-key", admins["alice"][0], "--admin-key", admins["bob"][0],
                "--part", parts[0], "--part", parts[1]], "tke-test-mk sets up unit1")
    mk_vp = r.out.strip()
    st = e.cli("unit", "status", "--unit", "unit1", "--json").json()["units"][0]
    check(not st["imprint"] and st["signature_threshold"] == 2 and
          st["current_register"] == {"state": "VALID", "vp": mk_vp},
          "unit1 left imprint mode with a valid current master key", json.dumps(st))
    r = e.cli("unit", "admin-add", "--cert", admins["dave"][1], "--unit", "unit1")
    check(r.rc == EXIT_REFUSED and "not in imprint mode" in r.err,
          "admin-add outside imprint mode is refused with a clear message", str(r))
    j = e.cli("unit", "admin-add", "--cert", admins["dave"][1], "--unit", "unit1",
              "--json").json()
    check(j["units"][0]["installed"] is False and j["units"][0]["error"]["kind"] == "state",
          "admin-add --json reports the refusal", json.dumps(j))

    # -- service-user key commands ----------------------------------------------
    token1 = os.path.join(d, "units", "unit1", "service-token")
    token2 = os.path.join(d, "units", "unit2", "service-token")
    r = e.cli("unit", "key", "list", "--unit", "unit1")
    check(r.rc == EXIT_INPUT and "--token" in r.err,
          "a service call without the token is refused", str(r))
    r = e.cli("unit", "key", "create", "--unit", "unit1", "--token", token2)
    check(r.rc == EXIT_REFUSED and "token" in r.err,
          "a service call with another unit's token is refused by the unit", str(r))
    r = e.cli("unit", "key", "create", "--unit", "unit1", "--token", token1, "--label", "k1")
    m = re.search(r"key (\d+) created \(label \"k1\", VP ([0-9a-f]{64})\)", r.out)
    check(r.rc == EXIT_OK and m, "key create", str(r))
    h1, vp1 = int(m.group(1)), m.group(2)
    env = dict(e.env, OPENMU_UNIT_TOKEN=token1)
    k2 = e.cli("unit", "key", "create", "--unit", "unit1", "--json", env=env).json()["key"]
    check(k2["handle"] == h1 + 1 and len(k2["vp"]) == 64,
          "key create --json with the token from $OPENMU_UNIT_TOKEN", json.dumps(k2))

    data = os.path.join(e.tmp, "data.bin")
    blob = os.path.join(e.tmp, "blob.bin")
    back = os.path.join(e.tmp, "back.bin")
    secret = os.urandom(300)
    with open(data, "wb") as f:
        f.write(secret)
    r = e.cli("unit", "key", "wrap", "--unit", "unit1", "--token", token1, "--handle", h1,
              "--in", data, "--out", blob)
    check(r.rc == EXIT_OK and os.path.getsize(blob) == 300 + 28, "key wrap into a file",
          str(r))
    r = e.cli("unit", "key", "unwrap", "--unit", "unit1", "--token", token1, "--handle", h1,
              "--in", blob, "--out", back)
    with open(back, "rb") as f:
        check(r.rc == EXIT_OK and f.read() == secret, "key unwrap gives the data back", str(r))
    check(os.stat(back).st_mode & 0o077 == 0, "the unwrapped file is private (0600)")
    w = e.cli("unit", "key", "wrap", "--unit", "unit1", "--handle", k2["handle"], "--in",
              data, "--json", env=env).json()
    u = e.cli("unit", "key", "unwrap", "--unit", "unit1", "--handle", k2["handle"],
              "--blob-hex", w["blob"], "--json", env=env).json()
    check(bytes.fromhex(u["data"]) == secret and u["length"] == 300,
          "key wrap/unwrap --json round trip", json.dumps(u))
    r = e.cli("unit", "key", "unwrap", "--unit", "unit1", "--token", token1, "--handle", h1,
              "--blob-hex", w["blob"])
    check(r.rc == EXIT_REFUSED and "does not authenticate" in r.err,
          "a blob of another key does not unwrap", str(r))

    r = e.cli("unit", "key", "list", "--unit", "unit1", "--token", token1)
    check(r.rc == EXIT_OK and "2 keys" in r.out and re.search(rf"\b{h1}\s+{vp1}\s+k1", r.out),
          "key list shows both keys with VPs and labels", str(r))
    keys = e.cli("unit", "key", "list", "--unit", "unit1", "--json", env=env).json()["keys"]
    check([(k["handle"], k["vp"]) for k in keys] == [(h1, vp1), (k2["handle"], k2["vp"])],
          "key list --json", json.dumps(keys))
    r = e.cli("unit", "key", "delete", "--unit", "unit1", "--token", token1, "--handle", h1)
    check(r.rc == EXIT_OK and "deleted" in r.out, "key delete", str(r))
    keys = e.cli("unit", "key", "list", "--unit", "unit1", "--json", env=env).json()["keys"]
    check([k["handle"] for k in keys] == [k2["handle"]], "the deleted key is gone",
          json.dumps(keys))
    r = e.cli("unit", "key", "unwrap", "--unit", "unit1", "--token", token1, "--handle", h1,
              "--in", blob)
    check(r.rc == EXIT_REFUSED and "no storage key" in r.err,
          "unwrap with a deleted key is refused", str(r))
    st = e.cli("unit", "status", "--unit", "unit1", "--json").json()["units"][0]
    check(st["key_count"] == 1, "status counts the storage keys", json.dumps(st))
    r = e.cli("unit", "key", "list")
    check(r.rc == EXIT_USAGE and "--unit" in r.err, "key commands need --unit", str(r))

    # -- 5000 keys survive a master key rotation ------------------------------------
    kept = e.cli("unit", "key", "wrap", "--unit", "unit1", "--handle", k2["handle"], "--in",
                 data, "--json", env=env).json()["blob"]
    r = e.cli("unit", "key", "create", "--unit", "unit1", "--count", "4999", "--label", "bulk",
              "--json", env=env)
    check(r.rc == EXIT_OK and len(r.json()["keys"]) == 4999, "key create --count 4999", str(r)[:400])
    before = e.cli("unit", "key", "list", "--unit", "unit1", "--json", env=env).json()["keys"]
    check(len(before) == 5000, "5000 keys in storage", str(len(before)))
    r = e.cli("unit", "key", "create", "--unit", "unit1", env=env)
    check(r.rc == EXIT_REFUSED, "a 5001st key is refused", str(r))
    new_parts = [os.urandom(32).hex(), os.urandom(32).hex(), os.urandom(32).hex()]
    r = e.must([TEST_MK, "--instance", ini, "--unit", "unit1", "--thresholds", "2,1",
                "--admin-key", admins["alice"][0], "--admin-key", admins["bob"][0],
                "--part", new_parts[0], "--part", new_parts[1], "--part", new_parts[2],
                "--rotate"], "tke-test-mk loads, commits and rotates a new master key")
    new_vp = r.out.strip()
    st = e.cli("unit", "status", "--unit", "unit1", "--json").json()["units"][0]
    check(new_vp != mk_vp and st["current_register"] == {"state": "VALID", "vp": new_vp} and
          st["new_register"]["state"] == "EMPTY" and st["key_count"] == 5000,
          "after ROTATE the new master key is current and storage still holds 5000 keys",
          json.dumps(st))
    after = e.cli("unit", "key", "list", "--unit", "unit1", "--json", env=env).json()["keys"]
    check(after == before,
          "every key unwraps under the new master key to the same value (same VPs, "
          "computed by the unit from the unwrapped keys)")
    u = e.cli("unit", "key", "unwrap", "--unit", "unit1", "--handle", k2["handle"],
              "--blob-hex", kept, "--json", env=env).json()
    check(bytes.fromhex(u["data"]) == secret,
          "a blob wrapped before the rotation unwraps after it", json.dumps(u)[:200])

    # -- another instance's root --------------------------------------------------
    bad = os.path.join(e.tmp, "foreign.ini")
    foreign_instance(e, ini, os.path.join(d2, "instance.ini"), bad)
    r = e.cli("unit", "list", "--instance", bad)
    check(r.rc == EXIT_TRUST and r.err.count("does not chain to the instance root") == 3 and
          "wrong instance file or an impostor" in r.err and bad in r.err,
          "a root of another instance: every unit is refused, and the user is told why",
          str(r))
    j = e.cli("unit", "status", "--instance", bad, "--json").json()
    check(all(u["error"]["kind"] == "trust" and u["error"]["code"] == EXIT_TRUST and
              "does not chain" in u["error"]["message"] for u in j["units"]),
          "status --json with the wrong root: trust errors", json.dumps(j))
    r = e.cli("unit", "key", "list", "--instance", bad, "--unit", "unit1", "--token", token1)
    check(r.rc == EXIT_TRUST and "does not chain" in r.err,
          "no service call through an untrusted connection", str(r))

    # -- instance file errors -----------------------------------------------------
    r = e.cli("unit", "status", "--instance", os.path.join(e.tmp, "missing.ini"))
    check(r.rc == EXIT_INPUT and "does not exist" in r.err, "a missing instance file", str(r))
    env = dict(e.env)
    env.pop("OPENMU_INSTANCE")
    r = e.cli("unit", "list", env=env)
    check(r.rc == EXIT_INPUT and "OPENMU_INSTANCE" in r.err, "no instance file at all", str(r))
    r = e.cli("unit", "status", "--unit", "nope", "--json")
    check(r.rc == EXIT_USAGE and "unit1, unit2, unit3" in r.json()["error"]["message"],
          "an unknown unit name lists the units", str(r))

    # -- a unit that is down ------------------------------------------------------
    e.stop()
    r = e.cli("unit", "compare")
    check(r.rc == EXIT_UNREACHABLE and "is not reachable" in r.err,
          "units that are down are reported as unreachable", str(r))


if __name__ == "__main__":
    sys.exit(main())
