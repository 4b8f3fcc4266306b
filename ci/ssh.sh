# ci/ssh.sh - sourced by the phases that talk to the deploy host
# (ci/deploy, ci/rollback, ci/validate-model, ci/post-deploy), after
# ci/lib.sh.  The host is named by the environment:
#
#   DEPLOY_HOST         the host (unset: these phases skip)
#   DEPLOY_USER [you]   the account on it (an EC2 Debian image: admin)
#   DEPLOY_KEY          the private key file (else ssh's own defaults)
#   DEPLOY_PORT [22]    sshd's port
#   DEPLOY_KNOWN_HOSTS  a known_hosts file pinning the host's key; without
#                       it the key is trusted the first time it is seen
#                       (StrictHostKeyChecking=accept-new) and checked after
#   DEPLOY_ROOT [/opt/hd]  where the releases live on the host
#
# One ssh connection is opened and shared by every command of a phase
# (ControlMaster), and closed when the phase ends.
# shellcheck shell=bash
DEPLOY_USER=${DEPLOY_USER:-$(id -un)}
DEPLOY_PORT=${DEPLOY_PORT:-22}
DEPLOY_ROOT=${DEPLOY_ROOT:-/opt/hd}
SSH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hd-ssh.XXXXXX")
SSH=(ssh -p "$DEPLOY_PORT" -o BatchMode=yes -o ConnectTimeout=15
	-o ServerAliveInterval=15 -o ControlMaster=auto
	-o "ControlPath=$SSH_TMP/cm" -o ControlPersist=120)
if [ -n "${DEPLOY_KEY:-}" ]; then
	[ -r "$DEPLOY_KEY" ] || fail "DEPLOY_KEY: cannot read $DEPLOY_KEY"
	SSH+=(-i "$DEPLOY_KEY" -o IdentitiesOnly=yes)
fi
if [ -n "${DEPLOY_KNOWN_HOSTS:-}" ]; then
	[ -r "$DEPLOY_KNOWN_HOSTS" ] || fail "DEPLOY_KNOWN_HOSTS: cannot read $DEPLOY_KNOWN_HOSTS"
	SSH+=(-o "UserKnownHostsFile=$DEPLOY_KNOWN_HOSTS" -o StrictHostKeyChecking=yes)
else
	SSH+=(-o StrictHostKeyChecking=accept-new)
fi
SSH+=("$DEPLOY_USER@$DEPLOY_HOST")

ssh_close() {
	"${SSH[@]}" -O exit >/dev/null 2>&1 || true
	rm -rf "$SSH_TMP"
}
trap ssh_close EXIT

# on_host CMD ARG...: run a command on the host, its words quoted for
# the remote shell.
on_host() {
	"${SSH[@]}" "$(printf '%q ' "$@")"
}

# host_script COMMAND ARG...: ci/hd-host on the host, with the settings
# the phase exported as HD_* (see ci/hd-host).
host_script() {
	local v envs=()
	for v in HD_MODE HD_BIND HD_PORT HD_STAGE_PORT HD_WORKERS HD_KEEP HD_WAIT HD_SERVICE HD_ENGINE; do
		[ -z "${!v:-}" ] || envs+=("$v=${!v}")
	done
	on_host env HD_ROOT="$DEPLOY_ROOT" "${envs[@]}" "$DEPLOY_ROOT/hd-host" "$@"
}

# Copy ci/hd-host to the host (DEPLOY_ROOT/hd-host), replacing the one
# there in one rename.
install_host_script() {
	# shellcheck disable=SC2016 # $1 is the remote sh's argument
	on_host sh -c 'mkdir -p "$1" && cat > "$1/.hd-host.tmp" && chmod 755 "$1/.hd-host.tmp" && mv "$1/.hd-host.tmp" "$1/hd-host"' \
		sh "$DEPLOY_ROOT" < ci/hd-host ||
		fail "cannot reach $DEPLOY_USER@$DEPLOY_HOST:$DEPLOY_PORT or write $DEPLOY_ROOT there"
}
