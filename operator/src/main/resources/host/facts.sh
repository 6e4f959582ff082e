# shellcheck shell=sh
# facts: what the Host's status shows (OS, kernel, systemd, Docker, Compose), how many services
# hostops runs here, and the hashes of the log agent configs. One line per fact: NAME<TAB>VALUE.
print_facts() {
  # shellcheck disable=SC1091 # the host's own file
  PRETTY_NAME=$(. /etc/os-release 2>/dev/null && printf '%s' "$PRETTY_NAME")
  printf 'os\t%s\n' "$PRETTY_NAME"
  printf 'kernel\t%s\n' "$(uname -r)"
  printf 'systemd\t%s\n' "$(systemctl --version | head -n1 | cut -d' ' -f2)"
  printf 'docker\t%s\n' "$(docker version -f '{{.Server.Version}}' 2>/dev/null)"
  printf 'services\t%s\n' "$(find /var/lib/hostops/services -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
  printf 'hostname\t%s\n' "$(hostname)"
  printf 'promtail\t%s\n' "$(sha256sum 2>/dev/null </root/promtail/promtail.yaml | cut -c1-16)"
  printf 'alloy\t%s\n' "$(sha256sum 2>/dev/null </root/alloy/config.alloy | cut -c1-16)"
  if [ -f /var/lib/hostops/logagent ]; then printf 'logowned\tyes\n'; fi
  if docker compose version >/dev/null 2>&1; then printf 'compose\tdocker compose\n'
  elif command -v docker-compose >/dev/null 2>&1; then printf 'compose\tdocker-compose\n'; fi
}

# The job: facts alone (the manifest may be empty).
job_facts() {
  print_facts
}
