#!/usr/bin/env bash
# The main job: installs what is missing, builds inetget and runs its demo — concurrent
# downloads from an embedded loopback server, with live progress. Extra arguments go to inetget.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_packages "${OPENINET_BUILD_PACKAGES[@]}"
configure_and_build default inetget
exec "$OPENINET_ROOT/build/default/tools/inetget/inetget" --demo "$@"
