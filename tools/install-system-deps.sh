#!/usr/bin/env bash
# Install the Debian/Ubuntu packages lipsync needs, only those missing. Safe to run again.
# Without root or password-less sudo it prints the exact command to run and fails.
set -euo pipefail

# package -> a file or program that shows it is installed
declare -A CHECKS=(
  [ffmpeg]="cmd:ffmpeg"
  [espeak-ng]="cmd:espeak-ng"
  [libespeak-ng1]="lib:libespeak-ng.so.1"
  [e2fsprogs]="cmd:chattr"
  # dlib's 68-point model: the independent reference of the face tests, never bundled
  [libdlib-data]="file:/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
  # headless browser: the HTML reports are checked in a real browser by the tests
  [chromium]="cmd:chromium"
  # Lua 5.4 (luac5.4 -p): the Resolve Lua launcher is parsed and run by the tests
  [lua5.4]="cmd:luac5.4"
)

missing=()
for pkg in "${!CHECKS[@]}"; do
  check=${CHECKS[$pkg]}
  case $check in
    cmd:*) command -v "${check#cmd:}" >/dev/null 2>&1 || missing+=("$pkg") ;;
    lib:*) ldconfig -p 2>/dev/null | grep -q "${check#lib:}" || missing+=("$pkg") ;;
    file:*) [ -e "${check#file:}" ] || missing+=("$pkg") ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

IFS=$'\n' missing=($(sort <<<"${missing[*]}")); unset IFS
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "lipsync needs these system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "lipsync needs: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
