# shellcheck shell=bash
# The commands of scripts/stack.sh (up, down, status, env, install), over the instances of the servers
# named on the command line. Sourced after lib.sh and the per-server files.

# Waits for an instance to answer; on failure prints what failed, where, and the log tail.
wait_ready() {
  local s=$1 pid=$2 timeout rc=0 out
  timeout=$(server_timeout "$s")
  out=$(probe "$s" --timeout "$timeout" ${pid:+--pid "$pid"} 2>&1) || rc=$?
  if ((rc == 0)); then
    say "$out (ready ${SECONDS}s into this run)"
    return 0
  fi
  local port
  port=$(server_port "$s")
  if ((rc == 2)); then
    err "$s (port $port): the process exited before it was ready."
  else
    err "$s (port $port): not ready within ${timeout}s."
  fi
  err "  $out"
  tail_log "$s"
  return 1
}

# Every port of every instance to start must be free before anything starts.
check_ports_free() { # check_ports_free <instance>...
  local conflicts=() s line port what owner host
  for s in "$@"; do
    while IFS= read -r line; do
      port=${line%%:*}
      what=${line#*:}
      host=$(server_host "$s")
      if port_in_use "$port" "$host"; then
        owner=$(port_owner "$port")
        conflicts+=("$s: port $port ($what) on $host is already in use${owner:+ by $owner}")
      fi
    done < <(server_ports "$s")
  done
  if ((${#conflicts[@]} > 0)); then
    for line in "${conflicts[@]}"; do err "$line"; done
    die "nothing started; free the port(s) or choose others (see the top of scripts/stack.sh)"
  fi
}

# The mode `up` asked for (--secure or not) against the one the stack may be running in.
choose_mode() { # choose_mode plain|secure
  local wanted=$1 s running=()
  load_mode
  for s in kafka registry registry-proxy cassandra; do
    [[ -n $(running_pid "$s") ]] && running+=("$s")
  done
  if ((${#running[@]} > 0)) && [[ $STACK_MODE != "$wanted" ]]; then
    local again=up
    [[ $wanted == secure ]] && again="up --secure"
    die "the stack runs in $STACK_MODE mode (${running[*]}); stop it first (scripts/stack.sh down), then $again"
  fi
  STACK_MODE=$wanted
  save_mode
}

cmd_up() {
  local servers=() instances=() s args=() mode=plain
  for s in "$@"; do
    case $s in
      --secure) mode=secure ;;
      --durable) CASSANDRA_COMMITLOG_SYNC=group ;; # each acknowledged write on disk (docs/architecture.md#durability)
      --cluster | --single) ;; # read by scripts/stack.sh before the server files (STACK_LAYOUT_ARG)
      *) args+=("$s") ;;
    esac
  done
  parse_servers "${args[@]}"
  servers=("${SERVERS[@]}")
  # Secure mode sets up certificates, SCRAM users, ACLs and roles for one node of each server only.
  if [[ $mode == secure ]] && is_cluster; then
    die "up --secure runs one node of each server, not a cluster: for a secure stack run \
scripts/stack.sh down, then up --single --secure; for a cluster, up --cluster without --secure"
  fi
  find_java17
  find_node
  choose_mode "$mode"
  if secure; then make_secure_files; fi
  instances_of "${servers[@]}"
  instances=("${INSTANCES[@]}")
  local to_start=() pids=() pid
  for s in "${instances[@]}"; do
    pid=$(running_pid "$s")
    if [[ -n $pid ]]; then
      say "$s: already running (pid $pid)"
    else
      to_start+=("$s")
    fi
  done
  check_ports_free "${to_start[@]}"
  check_layout_switch
  echo "$STACK_LAYOUT" >"$LAYOUT_FILE"
  local installs=()
  for s in "${to_start[@]}"; do
    [[ " ${installs[*]} " == *" $(server_of "$s") "* ]] || installs+=("$(server_of "$s")")
  done
  for s in "${installs[@]}"; do install_server "$s"; done
  local t0=$SECONDS
  # Slowest first: Cassandra boots while Kafka formats its storage (first run) and starts. In cluster mode
  # the other Cassandra nodes come last: a fresh one waits until cassandra-1 gossips.
  instances_of cassandra registry kafka
  local order=("${INSTANCES[0]}")
  instances_of registry kafka cassandra
  for s in "${INSTANCES[@]}"; do [[ $s == "${order[0]}" ]] || order+=("$s"); done
  for s in "${order[@]}"; do
    [[ " ${to_start[*]} " == *" $s "* ]] || continue
    say "$s: starting (log $(server_log "$s"))"
    "$(server_of "$s")_start" "$s"
  done
  # Wait for all of them at once; each waits until its instance answers a real request.
  local tmp failed=()
  tmp=$(mktemp -d)
  for s in "${instances[@]}"; do
    # Straight from the pid file: running_pid drops the file of a server that already died, and the wait
    # would then last its whole timeout instead of reporting that the process exited.
    pid=$(cat "$(pid_file "$s")" 2>/dev/null || true)
    (wait_ready "$s" "$pid" >"$tmp/$s.out" 2>"$tmp/$s.err" && touch "$tmp/$s.ok") &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for s in "${instances[@]}"; do
    cat "$tmp/$s.out"
    if [[ ! -f $tmp/$s.ok ]]; then
      cat "$tmp/$s.err" >&2
      failed+=("$s")
    fi
  done
  rm -rf "$tmp"
  if ((${#failed[@]} > 0)); then
    # An instance that this call started and that never became ready is stopped again.
    for s in "${failed[@]}"; do
      if [[ " ${to_start[*]} " == *" $s "* ]]; then stop_servers "$s" >/dev/null; fi
    done
    die "not ready: ${failed[*]}"
  fi
  if ((${#to_start[@]} > 0)); then say "started ${to_start[*]} in $((SECONDS - t0))s"; fi
  if secure && [[ " ${servers[*]} " == *" kafka "* && " ${servers[*]} " == *" cassandra "* ]]; then
    secure_setup || die "secure setup failed (users, roles, ACLs); the servers are running"
  fi
  say "ready:"
  for s in "${instances[@]}"; do
    pid=$(running_pid "$s")
    say "  $(endpoint "$s")  pid $pid, RSS $(rss_of "$pid")"
  done
  say "settings for the services: eval \"\$(scripts/stack.sh env)\" (not in the shell you run docker compose from)"
  if secure; then say "secure mode: TLS and credentials everywhere; files in $SECURE_DIR"; fi
}

cmd_down() {
  local wipe=0 args=() s
  for s in "$@"; do
    case $s in
      --wipe) wipe=1 ;;
      *) args+=("$s") ;;
    esac
  done
  parse_servers "${args[@]}"
  load_mode
  instances_of "${SERVERS[@]}"
  stop_servers "${INSTANCES[@]}"
  if ((wipe)); then
    for s in "${INSTANCES[@]}"; do
      rm -rf "${STACK_HOME:?}/$s/data" "${STACK_HOME:?}/$s/data-secure" "${STACK_HOME:?}/$s/logs" "${STACK_HOME:?}/$s/tmp"
      say "$s: data and logs deleted"
    done
    if ((${#args[@]} == 0)) && [[ -d $SECURE_DIR ]]; then
      rm -rf "${SECURE_DIR:?}"
      say "secure: certificates and passwords deleted"
    fi
    # All servers wiped: forget the layout (and a cluster's Kafka id); the next plain `up` is one node.
    if ((${#args[@]} == 0)); then rm -f "$LAYOUT_FILE" "$STACK_HOME/kafka/cluster-id"; fi
  fi
  # The next `up` chooses again; `env` prints the plain settings until then.
  if ((${#args[@]} == 0)); then rm -f "$(mode_file)"; fi
}

# Switching between one node and a cluster while the other layout's instances run would leave them orphaned.
check_layout_switch() {
  local other=single s
  [[ $STACK_LAYOUT == single ]] && other=cluster
  local names=() own
  instances_of "${ALL_SERVERS[@]}"
  own=" ${INSTANCES[*]} "
  for s in "${ALL_SERVERS[@]}"; do
    mapfile -t -O "${#names[@]}" names < <(STACK_LAYOUT=$other "${s}_instances")
  done
  for s in "${names[@]}"; do
    [[ $own == *" $s "* ]] && continue # the same instance in both layouts (the registry)
    if [[ -n $(running_pid "$s") ]]; then
      die "the $other stack is running ($s); stop it first: scripts/stack.sh down"
    fi
  done
}

# `pid <server> [n]`: the pid of node n (1..3; 1 for a single node), or nothing and exit 1 if it is down.
cmd_pid() {
  (($# >= 1 && $# <= 2)) || die "usage: scripts/stack.sh pid <server> [n]"
  parse_servers "$1"
  local n=${2:-1} s pid
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "pid: node number '$n' is not a positive integer"
  if is_cluster && [[ $1 != registry ]]; then
    ((n <= CLUSTER_SIZE)) || die "pid: $1 has nodes 1..$CLUSTER_SIZE, not $n"
    s=$1-$n
  else
    ((n == 1)) || die "pid: $1 has one node here (layout $STACK_LAYOUT), not $n"
    s=$1
  fi
  pid=$(running_pid "$s")
  [[ -n $pid ]] || {
    err "$s is not running"
    return 1
  }
  echo "$pid"
}

cmd_status() {
  local s pid state
  parse_servers "$@"
  load_mode
  instances_of "${SERVERS[@]}"
  find_node
  if secure; then say "mode: secure (files in $SECURE_DIR)"; fi
  printf '%-15s %-22s %-6s %-8s %-9s %s\n' SERVER STATE PORT PID RSS LOG
  for s in "${INSTANCES[@]}"; do
    pid=$(running_pid "$s")
    if [[ -z $pid ]]; then
      state=stopped
    elif probe "$s" --quiet >/dev/null 2>&1; then
      state="running, ready"
    else
      state="running, not ready"
    fi
    printf '%-15s %-22s %-6s %-8s %-9s %s\n' "$s" "$state" "$(server_port "$s")" "${pid:--}" \
      "$([[ -n $pid ]] && rss_of "$pid" | tr -d ' ' || echo -)" "$(server_log "$s")"
  done
}

cmd_env() {
  local s
  load_mode
  if secure; then
    secure_env
    return
  fi
  for s in "${ALL_SERVERS[@]}"; do "${s}_env"; done
}

cmd_install() {
  local s
  parse_servers "$@"
  for s in "${SERVERS[@]}"; do install_server "$s"; done
}
