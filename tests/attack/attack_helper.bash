# Shared by the attack suites (tests/attack/*.bats, tests/soak/attack-*.bats):
#   load ../attack/attack_helper   (after ../test_helper)
#
# attack_start NAME: in $BATS_FILE_TMPDIR, a logistic regression fitted
# on the real data (model.json), a report page (report.html), and a real
# lighttpd with two hd-fcgi workers from $HD_BIN started on a free
# 127.0.0.1 port by pipelines/hd-serve; exports RUN, PORT, SHM, URL and
# LPID (the lighttpd's pid).  attack_stop stops it (hd-serve stop: the
# pid it started) and removes its files.

attack_serve() {
	HD_RUN_DIR=$RUN HD_SOCKET=$RUN/s HD_PORT=$PORT \
		HD_MODEL=$BATS_FILE_TMPDIR/model.json \
		HD_REPORT=$BATS_FILE_TMPDIR/report.html HD_WORKERS=2 \
		HD_METRICS_SHM=$SHM HD_WAIT=20 "$REPO/pipelines/hd-serve" "$@"
}

attack_start() {
	cd "$BATS_FILE_TMPDIR" || return 1
	uci_split
	hd-fit-lr --cv 0 -o model.json train.csv
	printf '<!DOCTYPE html>\n<meta charset="utf-8"><title>report</title>\n' > report.html
	# A unix socket path has room for 107 bytes: keep it short.
	RUN=$(mktemp -d "/tmp/hd-$1-test.XXXXXX")
	PORT=$(free_port)
	SHM=hd$1-$$-$PORT
	export RUN PORT SHM URL=http://127.0.0.1:$PORT
	attack_serve start >/dev/null
	LPID=$(cat "$RUN/lighttpd.pid")
	export LPID
}

attack_stop() {
	attack_serve stop >/dev/null || true
	rm -f "/dev/shm/hd-fcgi-$SHM-v1" "/dev/shm/hd-fcgi-$SHM-v1.model"
	rm -rf "$RUN"
}
