# SPDX-License-Identifier: Apache-2.0
"""The stack-test harness: a private pcscd with vpcd readers, openmu-cardsim
driving them, and helpers to run the real programs against that stack.

    from stackenv import Stack, build_path
    with Stack(readers=2) as st:
        st.new_card("ca1")
        st.insert("ca1", 0)
        st.cli("card", "info", "--reader", st.reader_name(0))

The private pcscd gets its listening socket by socket activation (a Unix
socket bound here and passed as fd 3 with LISTEN_FDS/LISTEN_PID), so it
never touches /run/pcscd; clients find it through PCSCLITE_CSOCK_NAME in
st.env. Everything started is stopped by PID when the `with` block ends,
also on exceptions and SIGTERM. OPENMU_KEEP_TMP=1 keeps the temp folder.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PCSCD = "/usr/sbin/pcscd"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
OPENSC_TOOL = "/usr/bin/opensc-tool"
READER_PREFIX = "OpenMU vpcd"
SKIP = 77
DEADLINE_S = 10.0
POLL_S = 0.1


class StackError(Exception):
    """Something in the stack did not behave; the message says what."""


class CtlError(StackError):
    """The cardsim control socket answered `error: MESSAGE`."""


def build_path(rel):
    """Path of rel inside the build tree ($OPENMU_BUILD_DIR, set by meson)."""
    build = os.environ.get("OPENMU_BUILD_DIR")
    if not build:
        raise StackError("OPENMU_BUILD_DIR is not set: run stack tests with "
                         "'meson test --suite stack' or set it to the build folder")
    return os.path.join(build, rel)


def source_path(rel):
    """Path of rel inside the source tree ($OPENMU_SOURCE_DIR, or this file's)."""
    src = os.environ.get("OPENMU_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    return os.path.join(src, rel)


def _port_free(port):
    """vpcd listens on all interfaces: the port must be free there."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("0.0.0.0", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _free_port_pair(taken):
    """A port P such that P and P+1 are free (vpcd's two slots)."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("0.0.0.0", 0))
        port = s.getsockname()[1]
        s.close()
        if port >= 65535 or port in taken or port + 1 in taken:
            continue
        if _port_free(port) and _port_free(port + 1):
            return port
    raise StackError("found no two consecutive free TCP ports for vpcd")


def _stop(proc, name, grace=5.0):
    """SIGTERM, wait, SIGKILL after grace seconds. Returns the exit status."""
    if proc is None or proc.poll() is not None:
        return None if proc is None else proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        sys.stderr.write(f"stackenv: {name} ignored SIGTERM for {grace:.0f} s; killing it\n")
        proc.kill()
        return proc.wait()


class _Pcscd:
    """pcscd started by fork + exec with its socket on fd 3; behaves like a
    small Popen (poll/wait/send_signal/kill) for _stop()."""

    def __init__(self, sock_path, conf, log_path, env):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sock_path)
        listener.listen(64)
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        child_env = dict(env)
        for k in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
            child_env.pop(k, None)
        pid = os.fork()
        if pid == 0:
            try:
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(log_fd, 1)
                os.dup2(log_fd, 2)
                fd = listener.fileno()
                if fd != 3:
                    os.dup2(fd, 3)
                # When the socket already was fd 3, dup2 was a no-op and the
                # fd is still close-on-exec.
                os.set_inheritable(3, True)
                child_env["LISTEN_FDS"] = "1"
                child_env["LISTEN_PID"] = str(os.getpid())
                os.execve(PCSCD, [PCSCD, "-f", "-c", conf], child_env)
            finally:
                os._exit(127)
        os.close(log_fd)
        listener.close()
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(PCSCD, timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)


class Stack:
    """A private PC/SC stack with `readers` vpcd readers served by
    openmu-cardsim. See the module docstring."""

    def __init__(self, readers=2, trace=False, delay_ms=0):
        if not 1 <= readers <= 16:
            raise ValueError("readers must be 1 to 16")
        self.readers = readers
        self.trace = trace
        self.delay_ms = delay_ms
        self.outputs = []
        self.secrets = []
        self.tmp = None
        self.deck = None
        self.env = None
        self.ports = []
        self.trace_path = None
        self.cardsim_log = None
        self.pcscd_log = None
        self.ctl_path = None
        self._cardsim = None
        self._pcscd = None
        self._foreign = {}
        self._old_sigterm = None
        self._names = {}

    # -- set-up and tear-down ------------------------------------------------

    def __enter__(self):
        missing = [p for p in (PCSCD, VPCD_DRIVER) if not os.path.exists(p)]
        if missing:
            print(f"SKIP: {', '.join(missing)} not installed "
                  "(apt-get install pcscd vsmartcard-vpcd)")
            sys.exit(SKIP)
        self._old_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    @staticmethod
    def _on_sigterm(signum, frame):
        raise SystemExit(128 + signum)

    def _start(self):
        self.tmp = tempfile.mkdtemp(prefix="openmu-stack-")
        os.chmod(self.tmp, 0o700)
        self.deck = os.path.join(self.tmp, "deck")
        home = os.path.join(self.tmp, "home")
        for d in (self.deck, home):
            os.mkdir(d, 0o700)
        sock = os.path.join(self.tmp, "pcscd.comm")
        self.ctl_path = os.path.join(self.tmp, "cardsim.ctl")
        self.cardsim_log = os.path.join(self.tmp, "cardsim.log")
        self.pcscd_log = os.path.join(self.tmp, "pcscd.log")
        self.trace_path = os.path.join(self.tmp, "apdu.trace") if self.trace else None

        self.env = dict(os.environ)
        self.env.update({
            "PCSCLITE_CSOCK_NAME": sock,
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_RUNTIME_DIR": self.tmp,
            "OPENMU_CARDSIM_CTL": self.ctl_path,
            "OPENMU_DECK": self.deck,
            "LC_ALL": "C.UTF-8",
        })

        conf = self._write_reader_conf()
        self._pcscd = _Pcscd(sock, conf, self.pcscd_log, self.env)
        self._wait(lambda: len(self._pcsc_readers()) >= self.readers,
                   f"pcscd did not list {self.readers} vpcd readers", self.pcscd_log)

        cardsim = build_path("applet-sim/openmu-cardsim")
        if not os.access(cardsim, os.X_OK):
            raise StackError(f"{cardsim} is not built")
        argv = [cardsim, "serve", "--deck", self.deck, "--ctl", self.ctl_path,
                "--vpcd", ",".join(str(p) for p in self.ports), "--host", "127.0.0.1"]
        if self.delay_ms:
            argv += ["--delay-ms", str(self.delay_ms)]
        if self.trace_path:
            argv += ["--trace", self.trace_path]
        with open(self.cardsim_log, "ab") as log:
            self._cardsim = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=log, env=self.env)
        self._wait(self._ctl_ready, "openmu-cardsim did not open its control socket",
                   self.cardsim_log)

    def _write_reader_conf(self):
        """One reader.conf entry per two readers, each with its own copy of
        the driver when there are several (the driver keeps globals)."""
        entries = (self.readers + 1) // 2
        taken = set()
        text = []
        for e in range(entries):
            port = _free_port_pair(taken)
            taken.update((port, port + 1))
            self.ports += [port, port + 1]
            lib = VPCD_DRIVER
            if entries > 1:
                lib = os.path.join(self.tmp, f"libifdvpcd-{e}.so")
                shutil.copy(VPCD_DRIVER, lib)
            letter = chr(ord("A") + e)
            text.append(f'FRIENDLYNAME "{READER_PREFIX} {letter}"\n'
                        f"DEVICENAME /dev/null:0x{port:X}\n"
                        f"LIBPATH {lib}\n"
                        f"CHANNELID 0x{port:X}\n\n")
            for slot in (0, 1):
                self._names[2 * e + slot] = (f"{READER_PREFIX} {letter} ", f" {slot:02X}")
        self.ports = self.ports[:self.readers]
        conf = os.path.join(self.tmp, "reader.conf")
        with open(conf, "w") as f:
            f.write("".join(text))
        return conf

    def close(self):
        """Stops everything started (idempotent) and removes the temp dir."""
        for reader in list(self._foreign):
            _stop(self._foreign.pop(reader), "vicc")
        status = _stop(self._cardsim, "openmu-cardsim")
        if status not in (None, 0):
            sys.stderr.write(f"stackenv: openmu-cardsim exited with {status}\n")
            self._dump(self.cardsim_log)
        self._cardsim = None
        _stop(self._pcscd, "pcscd")
        self._pcscd = None
        if self.tmp:
            for name in ("pcscd.comm", "cardsim.ctl"):
                try:
                    os.unlink(os.path.join(self.tmp, name))
                except FileNotFoundError:
                    pass
            if os.environ.get("OPENMU_KEEP_TMP") == "1":
                sys.stderr.write(f"stackenv: kept {self.tmp}\n")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None

    def stop_cardsim(self):
        """Stops openmu-cardsim with SIGTERM (SIGKILL after 5 s) and returns
        its exit status; the rest of the stack keeps running."""
        status = _stop(self._cardsim, "openmu-cardsim")
        self._cardsim = None
        return status

    # -- waiting and diagnostics ---------------------------------------------

    def _wait(self, cond, what, log=None, deadline=DEADLINE_S):
        end = time.monotonic() + deadline
        while True:
            if cond():
                return
            for proc, name in ((self._pcscd, "pcscd"), (self._cardsim, "openmu-cardsim")):
                if proc is not None and proc.poll() is not None:
                    self._dump(log)
                    raise StackError(f"{what}: {name} exited with {proc.returncode}")
            if time.monotonic() > end:
                self._dump(log)
                raise StackError(f"{what} within {deadline:.0f} s")
            time.sleep(POLL_S)

    @staticmethod
    def _dump(path):
        if path and os.path.exists(path):
            with open(path, errors="replace") as f:
                tail = f.read()[-4000:]
            sys.stderr.write(f"--- {path} (end) ---\n{tail}\n---\n")

    def _pcsc_readers(self):
        """{pcsc reader name: card present} from `opensc-tool -l`."""
        r = subprocess.run([OPENSC_TOOL, "-l"], env=self.env, capture_output=True,
                           text=True, timeout=20)
        out = {}
        for line in r.stdout.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0].isdigit() and parts[1] in ("Yes", "No"):
                name = parts[2].strip()
                if READER_PREFIX in name:
                    name = name[name.index(READER_PREFIX):]
                    out[name] = parts[1] == "Yes"
        return out

    def reader_name(self, reader):
        """Full PC/SC name of reader (index as given to openmu-cardsim)."""
        self._check_reader(reader)
        head, tail = self._names[reader]
        for name in self._pcsc_readers():
            if name.startswith(head) and name.endswith(tail):
                return name
        raise StackError(f"pcscd does not list reader {reader} ({head.strip()} ...{tail})")

    def card_present(self, reader):
        """True when pcscd reports a card in reader."""
        self._check_reader(reader)
        head, tail = self._names[reader]
        for name, present in self._pcsc_readers().items():
            if name.startswith(head) and name.endswith(tail):
                return present
        return False

    def wait_card(self, reader, present=True, deadline=DEADLINE_S):
        what = "card present" if present else "reader empty"
        self._wait(lambda: self.card_present(reader) == present,
                   f"pcscd did not report {what} in reader {reader}",
                   self.cardsim_log, deadline)

    def _check_reader(self, reader):
        if not isinstance(reader, int) or not 0 <= reader < self.readers:
            raise ValueError(f"reader must be 0 to {self.readers - 1}")

    # -- the control socket --------------------------------------------------

    def _ctl_ready(self):
        try:
            self.ctl("list")
            return True
        except (OSError, CtlError):
            return False

    def ctl(self, *words):
        """Sends one request to openmu-cardsim; returns its reply lines
        (without the final ok); raises CtlError on `error: ...`."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(self.ctl_path)
            s.sendall((" ".join(str(w) for w in words) + "\n").encode())
            data = b""
            lines = []
            while True:
                while b"\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        raise StackError("openmu-cardsim closed the control connection "
                                         f"without an answer to {words!r}")
                    data += chunk
                line, data = data.split(b"\n", 1)
                line = line.decode()
                if line == "ok":
                    return lines
                if line.startswith("error: "):
                    raise CtlError(line[len("error: "):])
                lines.append(line)

    def held(self):
        """{reader: card name or None} as openmu-cardsim reports it."""
        out = {}
        for line in self.ctl("list"):
            idx, _port, name = line.split(" ", 2)
            out[int(idx)] = None if name == "-" else name
        return out

    # -- cards ---------------------------------------------------------------

    def image(self, name):
        return os.path.join(self.deck, name + ".card")

    def new_card(self, name, label=None):
        argv = [build_path("applet-sim/openmu-cardsim"), "new", "--deck", self.deck, name]
        if label is not None:
            argv += ["--label", label]
        self.run(argv)
        return self.image(name)

    def insert(self, name, reader):
        """Inserts card name in reader and waits until pcscd sees it."""
        self._check_reader(reader)
        if reader in self._foreign:
            raise StackError(f"reader {reader} holds a foreign card; remove_foreign first")
        self.ctl("insert", name, reader)
        self.wait_card(reader, True)

    def remove(self, reader):
        """Removes the card from reader and waits until pcscd sees it empty."""
        self._check_reader(reader)
        self.ctl("remove", reader)
        self.wait_card(reader, False)

    def insert_foreign(self, reader, card_type="iso7816"):
        """Puts a vsmartcard vicc (not an OpenMU card) in reader."""
        import vicc
        self._check_reader(reader)
        if reader in self._foreign:
            raise StackError(f"reader {reader} already holds a foreign card")
        if self.held().get(reader):
            self.remove(reader)
        log = open(os.path.join(self.tmp, f"vicc-{reader}.log"), "ab")
        try:
            proc = vicc.start(self.ports[reader], env=self.env, log=log,
                              card_type=card_type)
        finally:
            log.close()
        self._foreign[reader] = proc

        def present():
            if proc.poll() is not None:
                raise StackError(f"vicc exited with {proc.returncode}; see "
                                 f"{self.tmp}/vicc-{reader}.log")
            return self.card_present(reader)
        self._wait(present, f"pcscd did not see the vicc card in reader {reader}")

    def remove_foreign(self, reader):
        proc = self._foreign.pop(reader, None)
        if proc is None:
            raise StackError(f"reader {reader} holds no foreign card")
        _stop(proc, "vicc")
        self.wait_card(reader, False)

    # -- running programs ----------------------------------------------------

    def run(self, argv, env=None, input=None, check=True, timeout=300):
        """Runs argv with st.env (+ env); records stdout/stderr in
        st.outputs; check=True raises StackError on a nonzero exit."""
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        r = subprocess.run([str(a) for a in argv], env=full_env, input=input,
                           capture_output=True, text=True, timeout=timeout)
        self.outputs += [r.stdout, r.stderr]
        if check and r.returncode != 0:
            raise StackError(f"{' '.join(str(a) for a in argv)} exited with "
                             f"{r.returncode}\n--- stdout ---\n{r.stdout}"
                             f"--- stderr ---\n{r.stderr}")
        return r

    def cli(self, *args, env=None, input=None, check=True, pin_env=None, timeout=300):
        """Runs openmu-cli. pin_env: extra variables holding PINs; merged
        into the environment and their values kept in st.secrets, so that
        secrecy checks can look for them in st.outputs."""
        full = dict(env or {})
        if pin_env:
            full.update(pin_env)
            self.secrets += [v for v in pin_env.values() if v]
        return self.run([build_path("cli/openmu-cli"), *args], env=full, input=input,
                        check=check, timeout=timeout)
