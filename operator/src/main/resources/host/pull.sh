# shellcheck shell=sh
# pull: what a tag points at, as the host's Docker sees it (spec.update with lookup: Host, for a registry only
# the hosts reach): the host pulls the image (with the service's own registry credentials, when it has them)
# and says the digest. The image is downloaded for the restart that follows, as the unit's own pull would.
# Record: pull NAME IMAGE. Prints digest<TAB>REPO@sha256:… (each repo digest of the image), or
# failed<TAB>Docker's last error line.
pull_record() {
  case $1 in
    pull)
      service_name "$2"
      case $3 in '' | -*) echo "hostops: '$3' is not an image" >&2; exit 2 ;; esac
      if [ -d "/root/$2/.docker" ] && [ ! -L "/root/$2" ]; then
        out=$(docker --config "/root/$2/.docker" pull -q "$3" 2>&1)
      else
        out=$(docker pull -q "$3" 2>&1)
      fi || { printf 'failed\t%s\n' "$(printf '%s\n' "$out" | tail -n1)"; return 0; }
      docker image inspect -f '{{range .RepoDigests}}{{printf "digest\t%s\n" .}}{{end}}' "$3" ;;
    *) unknown_record "$1" ;;
  esac
}

# The job: every pull record.
job_pull() {
  each_record "$1" pull_record
}
