# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the openmu-cli card stack tests (test-card-*.py):
running openmu-cli without a controlling terminal, checks, a P-521 root
made by the openssl tool, and small wrappers for the card commands.

openmu-cli runs under `setsid -w`: it has no /dev/tty, so a PIN the test
forgot to provide fails at once (exit 2) instead of waiting at a prompt,
also when the tests are started from a terminal.
"""

import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stackenv import Stack, StackError, build_path  # noqa: E402,F401

OK, FAILED, USAGE, NO_CARD, WRONG_CARD, BLOCKED, IO = 0, 1, 2, 3, 4, 5, 6
SETSID = shutil.which("setsid") or "/usr/bin/setsid"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def check(cond, what, detail=""):
    """Prints `ok - what`, or raises AssertionError with the detail."""
    if not cond:
        raise AssertionError(f"{what}\n{detail}".rstrip())
    print(f"ok - {what}", flush=True)


class Result:
    """One run of a program: argv, rc, out, err."""

    def __init__(self, argv, proc):
        self.argv = [str(a) for a in argv]
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __str__(self):
        return (f"$ {' '.join(self.argv)}\nexit {self.rc}\n--- stdout\n{self.out}"
                f"--- stderr\n{self.err}")

    def json(self):
        try:
            obj = json.loads(self.out)
        except ValueError as e:
            raise AssertionError(f"--json output does not parse: {e}\n{self}") from None
        if not isinstance(obj, dict):
            raise AssertionError(f"--json output is not one object\n{self}")
        return obj


def cli_argv(*args):
    return [SETSID, "-w", build_path("cli/openmu-cli"), *[str(a) for a in args]]


def cli(st, *args, pins=None, env=None, input=None, expect=OK, timeout=300):
    """Runs openmu-cli ARGS with st.env + pins + env. pins are the PIN
    variables (kept in st.secrets for the secrecy checks). expect: the exit
    code required (None: any)."""
    full = dict(env or {})
    if pins:
        full.update(pins)
        st.secrets += [v for v in pins.values() if v]
    r = Result(cli_argv(*args), st.run(cli_argv(*args), env=full, input=input, check=False,
                                       timeout=timeout))
    if expect is not None and r.rc != expect:
        raise AssertionError(f"expected exit {expect}\n{r}")
    return r


def cli_json(st, *args, **kw):
    """cli() with --json; returns (Result, parsed object)."""
    r = cli(st, "--json", *args, **kw)
    return r, r.json()


def run(st, *argv, expect=OK, input=None):
    r = Result(argv, st.run([str(a) for a in argv], check=False, input=input))
    if expect is not None and r.rc != expect:
        raise AssertionError(f"expected exit {expect}\n{r}")
    return r


def make_root(st, name="root"):
    """A self-signed P-521 manufacturer root made by openssl; returns
    (pem path, SHA-256 fingerprint as openssl prints it: AB:CD:...)."""
    key = os.path.join(st.tmp, f"{name}.key")
    pem = os.path.join(st.tmp, f"{name}.pem")
    run(st, OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
        "-nodes", "-keyout", key, "-out", pem, "-sha512", "-days", "3650",
        "-subj", f"/O=OpenMU test manufacturer/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    out = run(st, OPENSSL, "x509", "-in", pem, "-noout", "-fingerprint", "-sha256").out
    fpr = out.strip().split("=", 1)[1].upper()
    return pem, fpr


def ca_pins(p1, p2):
    return {"OPENMU_CA_PIN1": p1, "OPENMU_CA_PIN2": p2}


def info(st, reader):
    """card info --json of the card in reader (index)."""
    return cli_json(st, "card", "info", "--reader", reader)[1]


def keyparts(st, reader):
    """card keyparts --json: list of {slot, label, vp}."""
    return cli_json(st, "card", "keyparts", "--reader", reader)[1]["keyparts"]


def swap(st, reader, name):
    """Puts card name in reader (removing what is there)."""
    if st.held().get(reader):
        st.remove(reader)
    st.insert(name, reader)


def new_ca(st, name, reader, root, zone, p1, p2, label=None):
    """A blank card `name` made the CA card of zone in reader."""
    st.new_card(name, label=label)
    swap(st, reader, name)
    args = ["card", "init-ca", "--reader", reader, "--root", root, "--zone", zone,
            "--description", f"test zone {zone}"]
    if label:
        args += ["--label", label]
    return cli_json(st, *args, pins=ca_pins(p1, p2))[1]


def new_ep11(st, name, reader, ca_reader, ca_p1, ca_p2, pin, label=None):
    """A blank card `name` in reader enrolled by the CA card in ca_reader."""
    st.new_card(name, label=label)
    swap(st, reader, name)
    args = ["card", "init-ep11", "--reader", reader, "--ca-reader", ca_reader]
    if label:
        args += ["--label", label]
    pins = ca_pins(ca_p1, ca_p2)
    pins["OPENMU_NEW_PIN"] = pin
    return cli_json(st, *args, pins=pins)[1]


def main_wrapper(fn):
    """Runs fn(); prints a clear failure and exits 1 on AssertionError or
    StackError."""
    try:
        fn()
    except (AssertionError, StackError) as e:
        print(f"FAIL: {e}", flush=True)
        sys.exit(1)
    print("PASS", flush=True)
