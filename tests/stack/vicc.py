# SPDX-License-Identifier: Apache-2.0
"""Runs vsmartcard's Debian python vicc (/usr/bin/vicc, package
vsmartcard-vpicc) unchanged, as a card that is NOT an OpenMU card.

As packaged it does not start: its modules live in
/usr/lib/python3/site-packages/virtualsmartcard (not on sys.path) and it
imports `Crypto` while Debian ships pycryptodome as `Cryptodome`. Run as a
script, this file fixes both and then runs /usr/bin/vicc with the same
arguments, e.g.  python3 vicc.py -t iso7816 -H 127.0.0.1 -P PORT
From Python, start(port, ...) returns the subprocess.
"""

import importlib
import importlib.abc
import importlib.util
import os
import runpy
import subprocess
import sys

VICC = "/usr/bin/vicc"
VICC_SITE = "/usr/lib/python3/site-packages/virtualsmartcard"
PYTHON = "/usr/bin/python3"


class _CryptoAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `Crypto` and `Crypto.X` with the modules `Cryptodome(.X)`."""

    def find_spec(self, name, path=None, target=None):
        if name == "Crypto" or name.startswith("Crypto."):
            real = "Cryptodome" + name[len("Crypto"):]
            if importlib.util.find_spec(real) is None:
                return None
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("Cryptodome" + spec.name[len("Crypto"):])

    def exec_module(self, module):
        pass


def available():
    """True when vicc and pycryptodome are installed."""
    return os.path.exists(VICC) and os.path.isdir(VICC_SITE) and \
        importlib.util.find_spec("Cryptodome") is not None


def argv(port, host="127.0.0.1", card_type="iso7816"):
    """Command line that runs vicc against vpcd at host:port."""
    return [PYTHON, os.path.abspath(__file__), "-t", card_type, "-H", host,
            "-P", str(port)]


def start(port, env=None, log=None, host="127.0.0.1", card_type="iso7816"):
    """Starts vicc connected to vpcd at host:port; output goes to log (a
    file object) or is discarded. The caller stops it (SIGTERM)."""
    out = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen(argv(port, host, card_type), env=env,
                            stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def _main():
    if not available():
        sys.stderr.write("vicc.py: /usr/bin/vicc or python3-pycryptodome missing "
                         "(apt-get install vsmartcard-vpicc python3-pycryptodome)\n")
        return 1
    sys.path.insert(0, VICC_SITE)
    sys.meta_path.insert(0, _CryptoAlias())
    sys.argv = [VICC] + sys.argv[1:]
    runpy.run_path(VICC, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
