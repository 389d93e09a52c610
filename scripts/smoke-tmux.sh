#!/usr/bin/env bash
# Smoke test of the reading room in a real terminal (tmux), as a new user meets it:
# empty store → welcome → the example in a throw-away store and back → the example put
# into the member's store → open an item → select the 2nd recommendation →
# write a note → save → set a stance → quit; then the note must be in the store.
# The machine has no keyring (DAGSORDEN_KEYRING=off): the first start asks for a
# passphrase at the terminal, without echo; the commands after it find the key in the
# login session's cache, and the note is not readable in the store file.
# Meanwhile a second terminal imports a meeting, which must appear without a restart,
# and the window is resized from 200 to 60 columns and back.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "smoke: no tmux; skipped"; exit 0; }
work=$(mktemp -d)
sock="dagsorden-smoke-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/dagsorden" ./cmd/dagsorden
data="$work/data"
bin="$work/dagsorden"
export XDG_RUNTIME_DIR="$work/run" DAGSORDEN_KEYRING=off
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DAGSORDEN_PASSPHRASE
pass="hemmelig sætning til røgtesten"

fail() {
  echo "smoke: FAIL: $*"
  echo "--- screen:"; tmux -L "$sock" capture-pane -pt smoke 2>/dev/null || true
  exit 1
}
screen() { tmux -L "$sock" capture-pane -pt smoke; }
# wait_for TEXT: poll the screen until TEXT shows (at most 10 s).
wait_for() {
  for _ in $(seq 100); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  fail "waited for \"$1\""
}
keys() { tmux -L "$sock" send-keys -t smoke "$@"; sleep 0.3; }

tmux -L "$sock" new-session -d -s smoke -x 120 -y 40 \
  "env DAGSORDEN_AUTHOR=smoke TERM=xterm-256color $bin --data $data --lang da; sleep 5"
wait_for "Choose a passphrase"
tmux -L "$sock" send-keys -t smoke -l "$pass"; keys Enter
wait_for "The same again"
screen | grep -qF "$pass" && fail "the passphrase was echoed"
tmux -L "$sock" send-keys -t smoke -l "$pass"; keys Enter
wait_for "Velkommen til dagsorden"
# enter shows the example in a throw-away store: closing it comes back to the welcome
# screen, and the member's store is still empty.
keys Enter
wait_for "Fjordby"
keys q
wait_for "Velkommen til dagsorden"
"$bin" --data "$data" meetings 2>&1 | grep -q "no meetings" || fail "looking at the example put it into the member's store"
# i puts the example into the member's own store.
keys i
wait_for "Fjordby"
# Open item 2 (the budget), select its 2nd recommendation, write a note.
keys j
keys Enter
wait_for "Budget 2027-2030"
keys ']' ']'
keys n
sleep 0.5
tmux -L "$sock" send-keys -t smoke -l "Hvad koster lånet?"
sleep 0.3
keys C-s
sleep 0.5
keys s s
sleep 0.5

# A second terminal imports another meeting while the UI is open.
if [ -f ../shared/seeds/001_147b9d108b7927a9.txt ]; then
  "$bin" --data "$data" import ../shared/seeds/001_147b9d108b7927a9.txt >/dev/null
  keys Escape
  keys Escape
  wait_for "KKR Hovedstaden"
fi

# Resize from 200 to 60 columns and back; the screen must still make sense.
for w in 200 60 200 100; do
  tmux -L "$sock" resize-window -t smoke -x "$w" -y 40
  sleep 0.4
  widest=$(screen | wc -L)
  [ "$widest" -le "$w" ] || fail "a line of $widest columns on a $w-column screen after resize"
  screen | grep -q "Fjordby" || fail "the meeting list is gone after resizing to $w columns"
done
keys '?'
wait_for "skift holdning"
keys G
wait_for "ctrl+c"
keys Escape
keys q
sleep 1

out=$("$bin" --data "$data" note list --json) # the key from the session cache: no passphrase
grep -qaF "Hvad koster" "$data/dagsorden.db" && fail "the note is readable in the store file"
echo "$out" | grep -q '"Hvad koster lånet?"' || fail "the note is not in the store: $out"
echo "$out" | grep -q '"stance": "against"' || fail "the stance is not imod: $out"
echo "$out" | grep -q '"recommendation": 1' || fail "the note is not on recommendation 1: $out"
# A new login session (nothing cached): the passphrase is asked again; a wrong one is
# refused with a sentence and asked once more.
mkdir -m 700 "$work/run2"
tmux -L "$sock" new-session -d -s smoke2 -x 120 -y 20 \
  "env XDG_RUNTIME_DIR=$work/run2 $bin --data $data note list; sleep 5"
screen2() { tmux -L "$sock" capture-pane -pt smoke2; }
for _ in $(seq 100); do screen2 | grep -qF "Passphrase of the store" && break; sleep 0.1; done
screen2 | grep -qF "Passphrase of the store" || fail "no passphrase prompt in a new session"
tmux -L "$sock" send-keys -t smoke2 -l "forkert"; tmux -L "$sock" send-keys -t smoke2 Enter
for _ in $(seq 100); do screen2 | grep -qF "try again" && break; sleep 0.1; done
screen2 | grep -qF "try again" || fail "a wrong passphrase was not refused: $(screen2)"
tmux -L "$sock" send-keys -t smoke2 -l "$pass"; tmux -L "$sock" send-keys -t smoke2 Enter
for _ in $(seq 100); do screen2 | grep -qF "Hvad koster" && break; sleep 0.1; done
screen2 | grep -qF "Hvad koster" || fail "the right passphrase did not open the store: $(screen2)"

echo "smoke: ok (passphrase without echo → welcome → throw-away example and back → example kept → note on recommendation 1 with stance against; live import; resize; help; a new session asks again and refuses a wrong passphrase)"
