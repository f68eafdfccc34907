#!/bin/sh
# launch.sh: a launcher that execs the real program, as service wrappers and
# interpreter shims do.  `launch.sh CMD ARGS...` runs CMD in its own process.
exec "$@"
