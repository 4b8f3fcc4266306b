# sshd.bash - an sshd of the test's own on 127.0.0.1 standing in for a
# deploy host: throwaway host and client keys, its own config, a free
# port; started and stopped by its PID.  Sourced by the delivery suites
# after test_helper.bash.
# shellcheck shell=bash

# start_sshd DIR: sshd state in DIR; exports DEPLOY_HOST, DEPLOY_PORT,
# DEPLOY_USER, DEPLOY_KEY and DEPLOY_KNOWN_HOSTS for ci/deploy.
start_sshd() {
	local dir=$1 port
	mkdir -p "$dir"
	chmod 700 "$dir"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" -C hd-test-host
	ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key" -C hd-test-client
	cp "$dir/client_key.pub" "$dir/authorized_keys"
	port=$(free_port)
	cat > "$dir/sshd_config" <<-CONF
		Port $port
		ListenAddress 127.0.0.1
		HostKey $dir/host_key
		PidFile $dir/sshd.pid
		AuthorizedKeysFile $dir/authorized_keys
		AllowUsers $(id -un)
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		X11Forwarding no
		AllowTcpForwarding no
		PrintMotd no
		LogLevel VERBOSE
	CONF
	# sshd's privilege separation folder (Debian's unit makes it).
	mkdir -p /run/sshd
	/usr/sbin/sshd -t -f "$dir/sshd_config" || return 1
	/usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>>"$dir/sshd.log" 3>&- &
	echo $! > "$dir/sshd.pid.test"
	wait_port "$port" || { cat "$dir/sshd.log" >&2; return 1; }
	printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" > "$dir/known_hosts"
	export DEPLOY_HOST=127.0.0.1 DEPLOY_PORT=$port DEPLOY_USER
	DEPLOY_USER=$(id -un)
	export DEPLOY_KEY=$dir/client_key DEPLOY_KNOWN_HOSTS=$dir/known_hosts
}

stop_sshd() {
	stop_pid "$1/sshd.pid.test"
}
