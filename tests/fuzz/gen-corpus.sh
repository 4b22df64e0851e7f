#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the seed corpora tests/fuzz/corpus/applet and
# tests/fuzz/corpus/card-image with gen-corpus.c, linked against the applet
# and protocol libraries of an existing build folder:
#   tests/fuzz/gen-corpus.sh BUILD-DIR
# Review the result with `git status` and commit it.
set -eu
build=$(cd "${1:?usage: $0 BUILD-DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
ninja -C "$build" applet-sim/libapplet-sim.a protocol/libprotocol.a >/dev/null
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
	-I"$src/applet-sim" -I"$src/protocol" -o "$tmp/gen-corpus" "$src/tests/fuzz/gen-corpus.c" \
	"$build/applet-sim/libapplet-sim.a" "$build/protocol/libprotocol.a" \
	$(pkg-config --libs libcrypto)
for d in applet card-image; do
	rm -f "$src/tests/fuzz/corpus/$d"/*
	mkdir -p "$src/tests/fuzz/corpus/$d"
done
"$tmp/gen-corpus" "$src/tests/fuzz/corpus"
ls -l "$src/tests/fuzz/corpus/applet" "$src/tests/fuzz/corpus/card-image"
