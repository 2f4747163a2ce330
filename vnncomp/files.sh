# Shared by the VNN-COMP scripts: plain_file PATH prints a path to the
# uncompressed file (PATH itself, or PATH without .gz decompressed once into
# a cache directory), or fails with a message.
plain_file() {
    local f=$1
    if [ ! -f "$f" ]; then
        echo "nncert: $f: no such file" >&2
        return 1
    fi
    case "$f" in
    *.gz)
        local cache=${NNCERT_VNNCOMP_CACHE:-${TMPDIR:-/tmp}/nncert-vnncomp}
        mkdir -p "$cache" || return 1
        local out
        out="$cache/$(printf '%s' "$f" | md5sum | cut -c1-12)-$(basename "${f%.gz}")"
        if [ ! -s "$out" ]; then
            gzip -dc "$f" > "$out.tmp" && mv "$out.tmp" "$out" || return 1
        fi
        printf '%s\n' "$out"
        ;;
    *) printf '%s\n' "$f" ;;
    esac
}
