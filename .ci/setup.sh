#!/usr/bin/env bash
# Installs what building and testing Gloss needs, idempotently: each step checks first and skips
# what is already there, so a warm machine spends seconds here. Called by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# The wasm-bindgen CLI must match the `=`-pinned crate exactly; read the version from Cargo.toml.
WB_VERSION=$(sed -n 's/^wasm-bindgen *= *{[^}]*version *= *"=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
[ -n "$WB_VERSION" ] || { echo "setup: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; }
TOOLS="${GLOSS_TOOLS:-$HOME/.cache/gloss-tools}"
WB_ROOT="$TOOLS/wasm-bindgen-$WB_VERSION"
# geckodriver drives Firefox ESR in tests/firefox.test.mjs, which reads GD_VERSION from this line.
GD_VERSION=0.37.1
GD_ROOT="$TOOLS/geckodriver-$GD_VERSION"

step_rust_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "wasm32-unknown-unknown: present"
  else
    log "adding wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

step_wasm_bindgen() {
  if [ -x "$WB_ROOT/bin/wasm-bindgen" ] && "$WB_ROOT/bin/wasm-bindgen" --version | grep -q " $WB_VERSION\$"; then
    log "wasm-bindgen-cli $WB_VERSION: present"
    return
  fi
  log "building wasm-bindgen-cli $WB_VERSION (about 16 minutes on 2 cores, once per machine)"
  # A plain `--locked` install fails: its lock file wants a webpki-roots release the registry does
  # not serve. Fetch the crate, pin that one dependency to the newest served release, install locked.
  local work; work=$(mktemp -d)
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked --root "$work/none" >/dev/null 2>&1 || true
  local crate
  crate=$(ls -1 "$HOME"/.cargo/registry/cache/*/wasm-bindgen-cli-"$WB_VERSION".crate 2>/dev/null | head -n1 || true)
  if [ -z "$crate" ]; then
    log "no cached crate; installing without --locked"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --root "$WB_ROOT"
  else
    tar -xzf "$crate" -C "$work"
    (cd "$work/wasm-bindgen-cli-$WB_VERSION" \
      && cargo update -p webpki-roots --precise 1.0.10 \
      && cargo install --path . --locked --root "$WB_ROOT")
  fi
  rm -rf "$work"
  "$WB_ROOT/bin/wasm-bindgen" --version
}

# chromium-l10n holds Chromium's UI languages: tests/claims.test.mjs opens the panel in a
# Japanese browser.
step_chromium() {
  if [ -x /usr/bin/chromium ] && dpkg -s chromium-l10n >/dev/null 2>&1; then
    log "chromium, chromium-l10n: present"
    return
  fi
  log "installing Debian's chromium and chromium-l10n"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-l10n >/dev/null
}

step_firefox() {
  if [ -x /usr/bin/firefox-esr ]; then
    log "firefox-esr: present"
    return
  fi
  log "installing Debian's firefox-esr"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq firefox-esr >/dev/null
}

# tests/chrome-ui.test.mjs runs headful Chromium on its own Xvfb display and drives the browser's
# own UI (the keyboard shortcut, the native context menu) with xdotool.
step_xvfb() {
  if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
    log "xvfb, xdotool: present"
    return
  fi
  log "installing Debian's xvfb and xdotool"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq xvfb xdotool >/dev/null
}

step_geckodriver() {
  # Read the version into a variable first: piped into `head`, geckodriver panics on the closed
  # pipe, which pipefail turns into a failed step.
  local reported=""
  [ -x "$GD_ROOT/bin/geckodriver" ] && reported=$("$GD_ROOT/bin/geckodriver" --version 2>/dev/null || true)
  if printf '%s\n' "$reported" | grep -q "^geckodriver $GD_VERSION\b"; then
    log "geckodriver $GD_VERSION: present"
    return
  fi
  log "building geckodriver $GD_VERSION (5 to 15 minutes on 2 cores, once per machine)"
  cargo install geckodriver --version "$GD_VERSION" --locked --root "$GD_ROOT"
  reported=$("$GD_ROOT/bin/geckodriver" --version)
  printf '%s\n' "${reported%%$'\n'*}"
}

step_npm() {
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    log "npm packages: present"
  else
    log "installing npm packages"
    npm ci --no-audit --no-fund
  fi
}

case "${1:-all}" in
  rust-target) step_rust_target ;;
  wasm-bindgen) step_wasm_bindgen ;;
  chromium) step_chromium ;;
  firefox) step_firefox ;;
  geckodriver) step_geckodriver ;;
  xvfb) step_xvfb ;;
  npm) step_npm ;;
  all) step_rust_target; step_chromium; step_firefox; step_xvfb; step_npm; step_wasm_bindgen; step_geckodriver ;;
  *) echo "usage: setup.sh [all|rust-target|wasm-bindgen|chromium|firefox|xvfb|geckodriver|npm]" >&2; exit 2 ;;
esac
