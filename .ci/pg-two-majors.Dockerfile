# An image holding two PostgreSQL majors, for pg_upgrade rehearsals: the newer major's
# image plus the older major's server tree copied from its own image. Built by
# .ci/pg-images.sh with `docker build --network none` (nothing is downloaded).
#
#   docker build --network none --build-arg FROM_MAJOR=15 --build-arg TO_MAJOR=17 \
#     -t recoverable/postgres:15-17 -f .ci/pg-two-majors.Dockerfile .ci
#
# The older binaries may link against libraries the newer distribution no longer ships
# (Debian trixie lacks bookworm's ICU 72, OpenLDAP 2.5 and LLVM 14): those are copied
# from the older image into a private directory registered with ld.so. JIT (llvmjit.so)
# of the older major is dropped when its LLVM is missing: JIT is then simply unavailable.
ARG FROM_MAJOR=15
ARG TO_MAJOR=17
ARG FROM_IMAGE=recoverable/postgres:${FROM_MAJOR}
ARG TO_IMAGE=recoverable/postgres:${TO_MAJOR}

FROM ${FROM_IMAGE} AS older

# Resolve, inside the newer image, which of the older binaries' libraries are missing.
FROM ${TO_IMAGE} AS resolve
ARG FROM_MAJOR
COPY --from=older /usr/lib/postgresql/${FROM_MAJOR} /usr/lib/postgresql/${FROM_MAJOR}
COPY --from=older /usr/lib/x86_64-linux-gnu /older-libs
RUN set -eu; \
    tree=/usr/lib/postgresql/${FROM_MAJOR}; mkdir -p /private; \
    if ldd $tree/lib/llvmjit.so 2>/dev/null | grep -q 'libLLVM.*not found'; then \
      rm -f $tree/lib/llvmjit.so $tree/lib/llvmjit_types.bc; rm -rf $tree/lib/bitcode; \
    fi; \
    for round in 1 2 3 4; do \
      missing=$(for f in $tree/bin/* $tree/lib/*.so; do LD_LIBRARY_PATH=/private ldd "$f" 2>/dev/null; done \
        | awk '/not found/ { print $1 }' | sort -u); \
      [ -n "$missing" ] || break; \
      for lib in $missing; do \
        [ -e "/older-libs/$lib" ] || { echo "missing $lib and not in the older image" >&2; exit 1; }; \
        cp -a /older-libs/"$lib" /private/; \
        real=$(readlink -f /older-libs/"$lib"); cp -a "$real" /private/; \
      done; \
    done; \
    ls -l /private

FROM ${TO_IMAGE}
ARG FROM_MAJOR
ARG TO_MAJOR
COPY --from=resolve /usr/lib/postgresql/${FROM_MAJOR} /usr/lib/postgresql/${FROM_MAJOR}
COPY --from=older /usr/share/postgresql/${FROM_MAJOR} /usr/share/postgresql/${FROM_MAJOR}
COPY --from=resolve /private /usr/lib/recoverable-postgresql-${FROM_MAJOR}-libs
# Register the private libraries, then fail the build if any older binary cannot load.
RUN set -eu; \
    echo /usr/lib/recoverable-postgresql-${FROM_MAJOR}-libs > /etc/ld.so.conf.d/recoverable-postgresql-${FROM_MAJOR}.conf; \
    ldconfig; \
    for f in /usr/lib/postgresql/${FROM_MAJOR}/bin/* /usr/lib/postgresql/${FROM_MAJOR}/lib/*.so; do \
      if ldd "$f" | grep -q 'not found'; then echo "$f:"; ldd "$f" | grep 'not found'; exit 1; fi; \
    done; \
    /usr/lib/postgresql/${FROM_MAJOR}/bin/postgres -V; \
    /usr/lib/postgresql/${TO_MAJOR}/bin/postgres -V; \
    /usr/lib/postgresql/${TO_MAJOR}/bin/pg_upgrade -V
