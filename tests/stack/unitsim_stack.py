# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the unitsim stack tests: an instance folder made by
`openmu-unitsim init`, the server started by `serve` and stopped by PID,
software admins made by `openmu-unitsim test-admin`, and the test client
tests/unitsim/unit-test-client. No pcscd is needed.

OPENMU_KEEP_TMP=1 keeps the temp folder."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_REFUSED, EXIT_TRUST = 0, 1, 2, 3, 4


def build_path(rel):
    build = os.environ.get("OPENMU_BUILD_DIR")
    if not build:
        sys.exit("OPENMU_BUILD_DIR is not set: run with 'meson test --suite stack'")
    return os.path.join(build, rel)


UNITSIM = build_path("unitsim/openmu-unitsim")
CLIENT = build_path("tests/unitsim/unit-test-client")


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}\n{detail}".rstrip())
    print(f"ok - {what}", flush=True)


class Result:
    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def kv(self):
        out = {}
        for line in self.stdout.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
        return out

    def __str__(self):
        return f"$ {' '.join(self.argv)}\nrc={self.rc}\n{self.stdout}{self.stderr}"


class Instance:
    """One `openmu-unitsim init` folder and its server."""

    def __init__(self, tmp, name, units=2, recovery=1):
        self.dir = os.path.join(tmp, name)
        self.ini = os.path.join(self.dir, "instance.ini")
        self.proc = None
        self.log = os.path.join(tmp, name + "-serve.log")
        r = subprocess.run([UNITSIM, "init", "--dir", self.dir, "--units", str(units),
                            "--recovery", str(recovery), "--name", name],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"openmu-unitsim init {name}", r.stderr)

    def start(self, env=None, extra=()):
        e = dict(os.environ)
        e.update(env or {})
        logf = open(self.log, "a")
        self.proc = subprocess.Popen([UNITSIM, "serve", "--dir", self.dir, *extra],
                                     stdout=subprocess.PIPE, stderr=logf, text=True, env=e)
        logf.close()
        line = self.proc.stdout.readline()
        if not line.startswith("openmu-unitsim: serving"):
            self.proc.wait(timeout=10)
            raise AssertionError(f"serve did not start: {line!r}\n" + open(self.log).read())
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        try:
            os.kill(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def client(self, unit, *args, timeout=300, extra=()):
        argv = [CLIENT, "--instance", self.ini, "--unit", unit, *extra, *args]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return Result(argv, p)

    def client_bg(self, unit, *args, extra=()):
        argv = [CLIENT, "--instance", self.ini, "--unit", unit, *extra, *args]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)


class Admins:
    """Software admin keys (TEST ONLY; real admins sign on their cards)."""

    def __init__(self, tmp, names):
        self.key = {}
        self.cert = {}
        for n in names:
            self.key[n] = os.path.join(tmp, n + ".pem")
            self.cert[n] = os.path.join(tmp, n + ".der")
            r = subprocess.run([UNITSIM, "test-admin", "new", "--name", n, "--key",
                                self.key[n], "--cert", self.cert[n]],
                               capture_output=True, text=True, timeout=30)
            check(r.returncode == 0, f"software admin {n}", r.stderr)

    def sign(self, *names):
        out = []
        for n in names:
            out += ["--sign", self.key[n]]
        return out


def imprint(inst, unit, admins, names, sig, rev):
    """Installs admins unsigned in imprint mode, then sets the thresholds."""
    for n in names:
        r = inst.client(unit, "admin", "add-admin", "--input-file", admins.cert[n])
        check(r.rc == 0, f"{unit}: add admin {n} in imprint mode", str(r))
    r = inst.client(unit, "admin", "set-thresholds", "--input-hex", f"{sig:02x}{rev:02x}",
                    *admins.sign(*names[:sig]))
    check(r.rc == 0, f"{unit}: thresholds {sig}/{rev}", str(r))


def status(inst, unit):
    r = inst.client(unit, "status")
    check(r.rc == 0, f"{unit}: status", str(r))
    return r.kv()


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="openmu-unitsim-")
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("OPENMU_KEEP_TMP") == "1":
            print(f"# kept {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


def run_main(body):
    """Runs body(tmp, instances) and stops every server it started, also on
    failures and SIGTERM."""
    started = []

    def on_term(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    t0 = time.monotonic()
    try:
        with TempDir() as tmp:
            try:
                body(tmp, started)
            finally:
                for inst in started:
                    inst.stop()
    except AssertionError as e:
        print(f"not ok - {e}", flush=True)
        sys.exit(1)
    print(f"# done in {time.monotonic() - t0:.1f} s")
