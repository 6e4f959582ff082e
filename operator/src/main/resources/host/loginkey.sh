# shellcheck shell=sh
# loginkey: one step of a login key rotation (LoginKeyRotation.java) on the login user's authorized_keys: the
# file is written beside itself and renamed over, every other line kept byte for byte, its owner and mode kept.
# Records:
#   add USER KEY      KEY ("TYPE BASE64") added with the comment "hostops", unless a line holds its base64
#   remove USER KEY   every line holding KEY's base64 removed
#   audit LINE        appended to the audit log when the step changed the file
# A user or key outside the forms hostops writes stops the job (exit 2); a user the host lacks, exit 1.

# key_file USER KEY: sets u, k, b (the key's base64), d (~USER/.ssh), f (its authorized_keys), t (the temp file)
key_file() {
  case $1 in
    [a-z_]*) ;;
    *) echo "hostops: '$1' is not a login user" >&2; exit 2 ;;
  esac
  case $1 in
    *[!a-z0-9_-]*) echo "hostops: '$1' is not a login user" >&2; exit 2 ;;
  esac
  case $2 in
    *' '*' '* | *[!A-Za-z0-9@.+/=' '-]*) echo "hostops: not a public key as hostops writes one" >&2; exit 2 ;;
    [a-z]*' '[A-Za-z0-9+/]*) ;;
    *) echo "hostops: not a public key as hostops writes one" >&2; exit 2 ;;
  esac
  u=$1; k=$2; b=${k#* }
  h=$(getent passwd "$u" | cut -d: -f6)
  [ -n "$h" ] || { echo "no user $u" >&2; exit 1; }
  d="$h/.ssh"; f="$d/authorized_keys"; t="$f.hostops-tmp"
}

# has_key: whether a line of the file holds the key's base64 as a field
has_key() {
  [ -f "$f" ] && awk -v k="$b" '{for (i = 1; i <= NF; i++) if ($i == k) f = 1} END {exit !f}' "$f"
}

# replace_keys: the temp file, with the file's owner and mode (a new file: the user's, 600), renamed over it
replace_keys() {
  if [ -f "$f" ]; then
    chown --reference="$f" "$t"; chmod --reference="$f" "$t"
  else
    chown "$u:$(id -gn "$u")" "$t"; chmod 600 "$t"
  fi
  sync "$t"
  mv -f "$t" "$f"
  key_changed=1
}

loginkey_record() {
  case $1 in
    add)
      key_file "$2" "$3"
      has_key && return 0
      if [ ! -d "$d" ]; then mkdir -m 700 "$d"; chown "$u:$(id -gn "$u")" "$d"; fi
      { if [ -f "$f" ]; then cat "$f"; if [ -s "$f" ] && [ -n "$(tail -c1 "$f")" ]; then echo; fi; fi
        printf '%s hostops\n' "$k"; } >"$t"
      replace_keys ;;
    remove)
      key_file "$2" "$3"
      has_key || return 0
      awk -v k="$b" '{d = 0; for (i = 1; i <= NF; i++) if ($i == k) d = 1} !d' "$f" >"$t"
      replace_keys ;;
    audit) if [ "${key_changed:-}" = 1 ]; then audit_append "$2"; fi ;;
    *) unknown_record "$1" ;;
  esac
}

# The job: the records in order; the first failure stops it.
job_loginkey() {
  set -eu
  each_record "$1" loginkey_record
}
