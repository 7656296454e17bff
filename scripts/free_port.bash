# scripts/free_port.bash (sourced; not a command): `free_port VAR` sets VAR to a TCP port of
# 127.0.0.1 that nothing listens on, for a server about to start there; `free_port` alone
# prints it (from a $(...) subshell, which cannot remember what it handed out).
#
# It picks below the kernel's ephemeral range (net.ipv4.ip_local_port_range), where outgoing
# connections take their local ports: a port picked inside it can be taken by any client of
# the machine (a test talking to another server, say) between the check and the server's bind,
# and the server then fails with "Address already in use". Ports this shell has handed out
# through `free_port VAR` are not handed out again, so a script can take several before
# starting anything. Its locals are all _fp_*, so VAR may be any other name (p, port, ...).
# shellcheck shell=bash
_free_port_taken=" "
free_port() { # [VAR]
  local _fp_lo=32768 _fp_hi=60999 _fp_rest _fp_base _fp_span _fp_p _fp_i
  read -r _fp_lo _fp_hi _fp_rest < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  if [ "$_fp_lo" -gt 16000 ]; then
    _fp_base=15000; _fp_span=$((_fp_lo - 15000))
  elif [ "$_fp_hi" -lt 60000 ]; then
    _fp_base=$((_fp_hi + 1)); _fp_span=$((65535 - _fp_hi))
  else
    _fp_base=20000; _fp_span=20000 # no room outside the ephemeral range: pick anywhere
  fi
  for _fp_i in $(seq 1 1000); do
    _fp_p=$((_fp_base + RANDOM % _fp_span))
    case "$_free_port_taken" in *" $_fp_p "*) continue ;; esac
    (exec 3<>"/dev/tcp/127.0.0.1/$_fp_p") 2>/dev/null && continue
    _free_port_taken="$_free_port_taken$_fp_p "
    if [ $# -gt 0 ]; then printf -v "$1" '%s' "$_fp_p"; else echo "$_fp_p"; fi
    return 0
  done
  echo "free_port: no free port found after $_fp_i tries" >&2
  return 1
}
