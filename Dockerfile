# The Recoverable tool image: Node 24, Recoverable with its production dependencies, and the PostgreSQL
# server and client tools of the base image, running as the unprivileged user `recoverable`.
#
# Build it with `npm run image` (docker/build.sh stages the build context: the built package, its
# production node_modules and the Node binary; no registry is contacted by `docker build` itself).
#
# BASE_IMAGE is any Debian-based PostgreSQL image with the server binaries under /usr/lib/postgresql/<major>/bin:
# the official `postgres:18` (docker pull postgres:18), or the one .ci/pg-images.sh builds from Debian's
# packages and tags with the same name. pg_dump and pg_basebackup of the newest major read every older
# server, so the newest base is the one to pick; disposable restores of that major run inside the image
# (`restore.environment: local`).
ARG BASE_IMAGE=postgres:18
FROM ${BASE_IMAGE}

# The official images start a server through their entrypoint; this image runs the tool instead.
ENTRYPOINT []

# Images made by `docker import` carry only the PATH they were given, without /usr/local/bin.
ENV PATH=/usr/local/bin:$PATH
COPY node /usr/local/bin/node
COPY app /opt/recoverable

# The base images differ on which uids they use already: take the next free one, never assume.
RUN set -eu; \
    useradd --create-home --home-dir /home/recoverable --shell /bin/sh --user-group recoverable; \
    ln -s /opt/recoverable/node_modules/recoverable/dist/cli/main.js /usr/local/bin/recoverable; \
    chmod 0755 /usr/local/bin/node /opt/recoverable/node_modules/recoverable/dist/cli/main.js; \
    mkdir -p /work; chown recoverable:recoverable /work; \
    node --version; recoverable --version

ENV NODE_ENV=production
USER recoverable
WORKDIR /work
ENTRYPOINT ["recoverable"]
CMD ["--help"]
