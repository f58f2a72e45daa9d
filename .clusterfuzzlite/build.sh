#!/bin/bash -eu
# build.sh - OSS-Fuzz / ClusterFuzzLite build of tlsaudit's fuzz targets.
#
# The contract (OSS-Fuzz "new project guide", ClusterFuzzLite "build integration"):
# compile with $CC and $CFLAGS (they carry the sanitizer and -fsanitize=fuzzer-no-link
# coverage flags), link each target with $LIB_FUZZING_ENGINE (through $CXX: the
# engines are C++), and leave in $OUT, for each target T:
#   T                   the fuzzer
#   T_seed_corpus.zip   corpus/T/ (regressions/ included), flat
#   T.dict              fuzz/T.dict
#   T.options           [libfuzzer] dict = T.dict, max_len = ...
# $SRC/tlsaudit is the checkout (the Dockerfile copies it there); the directory of
# this script's parent is used when it is not.
#
# OpenSSL: OSS-Fuzz's base image (Ubuntu 20.04) has OpenSSL 1.1.1, and MSan wants
# every library instrumented, so when $SRC/openssl holds an OpenSSL 3.x checkout
# (the Dockerfile clones one) it is built here, static, with $CC $CFLAGS. Otherwise
# the system's OpenSSL 3 is used (Debian 12: the simulated contract of
# tools/ossfuzz-check).
#
# Only the positive targets ship: the negative canaries (fuzz/CMakeLists.txt,
# *_negative) are built to crash and would be reported as bugs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SRC:?}" "${OUT:?}" "${CC:?}" "${CXX:?}" "${LIB_FUZZING_ENGINE:?}"
CFLAGS=${CFLAGS:-}
if [ -f "$SRC/tlsaudit/fuzz/fuzz_target.h" ]; then
  project=$SRC/tlsaudit
else
  project=$(cd "$here/.." && pwd)
fi
work=${WORK:-$(mktemp -d)}/tlsaudit-build
rm -rf "$work"
mkdir -p "$work/obj" "$OUT"

TARGETS=(sid_callback shutdown_schedule shutdown_records)
declare -A MAX_LEN=([sid_callback]=256 [shutdown_schedule]=1024 [shutdown_records]=1024)
# Link flags per target, as fuzz/CMakeLists.txt has them (tools/ossfuzz-check
# fails when the two lists differ): sid_callback answers the id cache itself and
# reseeds the randomness per input.
declare -A TARGET_LDFLAGS=(
  [sid_callback]="-Wl,--wrap=SSL_has_matching_session_id -Wl,--wrap=RAND_bytes -Wl,--wrap=RAND_priv_bytes -Wl,--wrap=RAND_bytes_ex -Wl,--wrap=RAND_priv_bytes_ex"
)

# ---- OpenSSL
ssl_cflags=() ssl_libs=(-lssl -lcrypto)
if [ -f "$SRC/openssl/Configure" ]; then
  (
    cd "$SRC/openssl"
    # MemorySanitizer cannot see what assembly writes: C only under it.
    asm=()
    [ "${SANITIZER:-}" = memory ] && asm=(no-asm)
    ./Configure no-shared no-tests no-module "${asm[@]}" linux-x86_64 --prefix="$work/openssl" \
      --libdir=lib CC="$CC" CFLAGS="$CFLAGS" >/dev/null
    make -j"$(nproc)" build_libs >/dev/null
    make install_dev >/dev/null
  )
  ssl_cflags=(-I"$work/openssl/include")
  ssl_libs=("$work/openssl/lib/libssl.a" "$work/openssl/lib/libcrypto.a")
fi

# ---- libtlsaudit, instrumented like the targets
cc_flags=(-std=gnu11 -I"$project/src/include" -I"$project/src/core" -I"$project/src/sid"
          -I"$project/src/shutdown" -I"$project/src/endpoint" -I"$project/fuzz" "${ssl_cflags[@]}")
# OSS-Fuzz's CFLAGS carry their own -O level; a bare contract gets -O1 -g.
[[ " $CFLAGS " == *" -O"* ]] || cc_flags+=(-O1 -g)
# The harness's own files in src/ get no coverage (fuzz/harness.ignore says why).
lib_flags=()
[[ " $CFLAGS " == *fuzzer-no-link* || " $CFLAGS " == *-fsanitize-coverage=* ]] \
  && lib_flags=(-fsanitize-coverage-ignorelist="$project/fuzz/harness.ignore")
objs=() jobs=0
for c in "$project"/src/*/*.c; do
  o=$work/obj/src_$(basename "$c" .c).o
  # shellcheck disable=SC2086 # CFLAGS is a list of flags
  $CC $CFLAGS "${cc_flags[@]}" "${lib_flags[@]}" -c "$c" -o "$o" &
  objs+=("$o")
  jobs=$((jobs + 1))
  if [ $jobs -ge "$(nproc)" ]; then wait -n; jobs=$((jobs - 1)); fi
done
# wait -n reports each compiler's status; a plain wait would not, so check the objects.
while [ $jobs -gt 0 ]; do wait -n; jobs=$((jobs - 1)); done
for o in "${objs[@]}"; do [ -s "$o" ] || { echo "build.sh: compiling ${o##*/} failed" >&2; exit 1; }; done
ar rcs "$work/libtlsaudit.a" "${objs[@]}"
for c in fuzz_common fixed_time; do
  # shellcheck disable=SC2086
  $CC $CFLAGS "${cc_flags[@]}" -c "$project/fuzz/$c.c" -o "$work/obj/$c.o"
done

# ---- the targets and what ClusterFuzz reads beside them
for t in "${TARGETS[@]}"; do
  # shellcheck disable=SC2086
  $CC $CFLAGS "${cc_flags[@]}" -DTA_FUZZ_NAME="\"$t\"" -c "$project/fuzz/$t.c" -o "$work/obj/$t.o"
  # shellcheck disable=SC2086
  $CXX $CFLAGS "$work/obj/$t.o" "$work/obj/fuzz_common.o" "$work/obj/fixed_time.o" \
    "$work/libtlsaudit.a" ${TARGET_LDFLAGS[$t]:-} "${ssl_libs[@]}" \
    -lpthread -ldl -lm \
    $LIB_FUZZING_ENGINE -o "$OUT/$t"

  rm -f "$OUT/${t}_seed_corpus.zip"
  if [ -d "$project/corpus/$t" ]; then
    # Flat (-j): a seed in regressions/ keeps its own name, which never collides
    # with a top-level seed's (tools/gen_corpus.c and tools/fuzz --save name them).
    (cd "$project/corpus/$t" && find . -type f ! -name '.*' -print0 | sort -z \
       | if command -v zip >/dev/null; then xargs -0 zip -q -j -X "$OUT/${t}_seed_corpus.zip"
         else python3 -c 'import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.stdin.read().split("\0"):
        if f:
            z.write(f, os.path.basename(f))' "$OUT/${t}_seed_corpus.zip"; fi)
  fi
  {
    echo "[libfuzzer]"
    if [ -f "$project/fuzz/$t.dict" ]; then
      cp "$project/fuzz/$t.dict" "$OUT/$t.dict"
      echo "dict = $t.dict"
    fi
    echo "max_len = ${MAX_LEN[$t]}"
  } >"$OUT/$t.options"
done
echo "build.sh: built ${TARGETS[*]} into $OUT"
