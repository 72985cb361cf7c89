#!/bin/bash
# Installs (apt-get, once) and starts on 127.0.0.1 the real servers the real-server tests use:
#   vsftpd  plain FTP + explicit FTPS (port 2121), explicit FTPS with TLS required on the data
#           channel (2122), implicit FTPS (2990), and a slow one for cuts in the middle (2123)
#   OpenSSH SFTP on port 2222, its own config and host key, chrooted (not under /tmp)
# Then writes the environment variables the tests need to the file named as first argument
# (default /srv/caisse-test/env) and prints its path. Run as root; running it again restarts
# what is not running and keeps the users, passwords and keys.
#
#   test/servers/setup.sh [ENV_FILE]       install, start, write ENV_FILE
#   test/servers/setup.sh stop NAME        stop one server (ftp-plain, ftp-explicit,
#   test/servers/setup.sh start NAME       ftp-implicit, ftp-slow, sftp)
#
# Then: set -a; . /srv/caisse-test/env; set +a; npx vitest run test/transports/real.test.ts
set -eu

BASE=/srv/caisse-test
LISTEN=127.0.0.1
NAMES="ftp-plain ftp-explicit ftp-implicit ftp-slow sftp"

port_of() {
  case "$1" in
    ftp-plain) echo 2121 ;; ftp-explicit) echo 2122 ;; ftp-slow) echo 2123 ;;
    ftp-implicit) echo 2990 ;; sftp) echo 2222 ;;
  esac
}

pid_of() {
  local file="$BASE/run/$1.pid" pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

stop_one() {
  local pid i=0
  if pid=$(pid_of "$1"); then
    kill "$pid"
    # Wait until it is gone, so that a test sees "connection refused".
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  rm -f "$BASE/run/$1.pid"
}

wait_port() {
  local i=0
  until (exec 3<>"/dev/tcp/$LISTEN/$1") 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 50 ]; then echo "setup.sh: nothing listens on port $1" >&2; return 1; fi
    sleep 0.1
  done
}

start_one() {
  local name=$1
  if pid_of "$name" >/dev/null; then return 0; fi
  case "$name" in
    ftp-*)
      /usr/sbin/vsftpd "$BASE/conf/$name.conf" >>"$BASE/log/$name.log" 2>&1 &
      echo $! >"$BASE/run/$name.pid"
      ;;
    sftp)
      mkdir -p /run/sshd
      /usr/sbin/sshd -t -f "$BASE/conf/sshd_config"
      /usr/sbin/sshd -D -f "$BASE/conf/sshd_config" -E "$BASE/log/sshd.log" &
      echo $! >"$BASE/run/sftp.pid"
      ;;
  esac
  wait_port "$(port_of "$name")"
}

if [ "${1:-}" = stop ]; then stop_one "$2"; exit 0; fi
if [ "${1:-}" = start ]; then start_one "$2"; exit 0; fi

ENV_FILE=${1:-$BASE/env}
if [ "$(id -u)" != 0 ]; then echo "setup.sh: run as root (it installs packages and adds users)" >&2; exit 2; fi

need=""
[ -x /usr/sbin/vsftpd ] || need="$need vsftpd"
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
command -v openssl >/dev/null || need="$need openssl"
if [ -n "$need" ]; then
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi

mkdir -p "$BASE/conf" "$BASE/run" "$BASE/log" "$BASE/secret" /var/run/vsftpd/empty
chmod 700 "$BASE/secret"

# Passwords: made once, kept.
for who in ftp sftp; do
  [ -s "$BASE/secret/$who.password" ] || openssl rand -hex 16 >"$BASE/secret/$who.password"
  chmod 600 "$BASE/secret/$who.password"
done
FTP_PASSWORD=$(cat "$BASE/secret/ftp.password")
SFTP_PASSWORD=$(cat "$BASE/secret/sftp.password")

# Users: a shell listed in /etc/shells for PAM (FTP); nologin for the SFTP-only one.
FTP_HOME=$BASE/ftp
SFTP_CHROOT=$BASE/sftp/root
id ftptest >/dev/null 2>&1 || useradd -M -d "$FTP_HOME" -s /bin/bash ftptest
id sftptest >/dev/null 2>&1 || useradd -M -d /depot -s /usr/sbin/nologin sftptest
echo "ftptest:$FTP_PASSWORD" | chpasswd
echo "sftptest:$SFTP_PASSWORD" | chpasswd
mkdir -p "$FTP_HOME" "$SFTP_CHROOT/depot"
chown ftptest:ftptest "$FTP_HOME"
# sshd's chroot: root-owned and not group- or world-writable all the way up.
chown root:root "$BASE" "$BASE/sftp" "$SFTP_CHROOT"
chmod 755 "$BASE" "$BASE/sftp" "$SFTP_CHROOT"
chown sftptest:sftptest "$SFTP_CHROOT/depot"

# The certificate, with the IP as its name, so that verification stays on (given as the CA).
if [ ! -s "$BASE/secret/server.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
    -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
    -keyout "$BASE/secret/server.key" -out "$BASE/secret/server.crt" 2>/dev/null
fi
cp "$BASE/secret/server.crt" "$BASE/ca.crt"
chmod 644 "$BASE/ca.crt"

vsftpd_conf() {
  local name=$1 port=$2 pasv=$3
  shift 3
  printf '%s\n' listen=YES listen_ipv6=NO "listen_address=$LISTEN" "listen_port=$port" \
    background=NO anonymous_enable=NO local_enable=YES write_enable=YES local_umask=022 \
    chroot_local_user=YES allow_writeable_chroot=YES secure_chroot_dir=/var/run/vsftpd/empty \
    pam_service_name=vsftpd seccomp_sandbox=NO pasv_enable=YES "pasv_address=$LISTEN" \
    "pasv_min_port=$pasv" "pasv_max_port=$((pasv + 19))" ssl_enable=YES allow_anon_ssl=NO \
    ssl_ciphers=HIGH "rsa_cert_file=$BASE/secret/server.crt" \
    "rsa_private_key_file=$BASE/secret/server.key" "$@" >"$BASE/conf/$name.conf"
}
vsftpd_conf ftp-plain 2121 40100 force_local_logins_ssl=NO force_local_data_ssl=NO
vsftpd_conf ftp-explicit 2122 40200 force_local_logins_ssl=YES force_local_data_ssl=YES
vsftpd_conf ftp-implicit 2990 40300 implicit_ssl=YES force_local_logins_ssl=YES force_local_data_ssl=YES
vsftpd_conf ftp-slow 2123 40400 force_local_logins_ssl=NO force_local_data_ssl=NO local_max_rate=100000

[ -s "$BASE/secret/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$BASE/secret/ssh_host_ed25519_key"
touch "$BASE/secret/authorized_keys"
cat >"$BASE/conf/sshd_config" <<SSHD
Port 2222
ListenAddress $LISTEN
HostKey $BASE/secret/ssh_host_ed25519_key
PidFile $BASE/run/sshd-own.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $BASE/secret/authorized_keys
Subsystem sftp internal-sftp
Match User sftptest
  ChrootDirectory $SFTP_CHROOT
  ForceCommand internal-sftp -u 022
  AllowTcpForwarding no
  X11Forwarding no
SSHD

for name in $NAMES; do start_one "$name"; done

HOST_KEY=$(ssh-keygen -l -f "$BASE/secret/ssh_host_ed25519_key.pub" | awk '{print $2}')
umask 077
cat >"$ENV_FILE" <<ENV
CAISSE_REAL_SERVERS=$BASE
CAISSE_REAL_SETUP=$(cd "$(dirname "$0")" && pwd)/setup.sh
CAISSE_REAL_FTP_USER=ftptest
CAISSE_REAL_FTP_PASSWORD=$FTP_PASSWORD
CAISSE_REAL_FTP_ROOT=$FTP_HOME
CAISSE_REAL_FTP_CA=$BASE/ca.crt
CAISSE_REAL_FTP_PLAIN_PORT=2121
CAISSE_REAL_FTP_EXPLICIT_PORT=2122
CAISSE_REAL_FTP_IMPLICIT_PORT=2990
CAISSE_REAL_FTP_SLOW_PORT=2123
CAISSE_REAL_SFTP_PORT=2222
CAISSE_REAL_SFTP_USER=sftptest
CAISSE_REAL_SFTP_PASSWORD=$SFTP_PASSWORD
CAISSE_REAL_SFTP_HOST_KEY=$HOST_KEY
CAISSE_REAL_SFTP_ROOT=$SFTP_CHROOT/depot
ENV
echo "$ENV_FILE"
