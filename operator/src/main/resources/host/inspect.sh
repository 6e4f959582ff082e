# shellcheck shell=sh
# inspect: reads files a person asks about, changing nothing (hostops import --from-host reads the
# units it imports and asks what each mounted path is).
# Records: read PATH (prints content<TAB>PATH<TAB>BASE64 when PATH is a regular file) | stat PATH
# (prints dir<TAB>-<TAB>PATH or file<TAB>MODE<TAB>PATH; nothing when absent).
inspect_record() {
  case $1 in
    read)
      if [ -f "$2" ]; then printf 'content\t%s\t%s\n' "$2" "$(base64 -w0 <"$2")"; fi ;;
    stat)
      if [ -d "$2" ]; then printf 'dir\t-\t%s\n' "$2"
      elif [ -f "$2" ]; then printf 'file\t%s\t%s\n' "$(stat -c %a -- "$2")" "$2"; fi ;;
    *) unknown_record "$1" ;;
  esac
}

# The job: every record, in order.
job_inspect() {
  each_record "$1" inspect_record
}
