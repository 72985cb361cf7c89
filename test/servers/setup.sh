#!/bin/bash
# Installs (apt-get, once) and starts on 127.0.0.1 the real servers the real-server tests use:
#   vsftpd  plain FTP + explicit FTPS (port 2121), explicit FTPS with TLS required on the data
#           channel (2122), implicit FTPS (2990), and a slow one for cuts in the middle (2123)
#   OpenSSH SFTP on port 2222, its own config and host key, chrooted (not under /tmp)
#   the same explicit FTPS (2124) and SFTP (2223) again for the end-to-end test alone
#   dovecot IMAP with STARTTLS (1143), IMAPS (1993), LMTP delivery (2424), user caisse@example.test
#   postfix SMTP (2525: STARTTLS offered, AUTH through dovecot once under TLS; 4465: TLS from the
#           start), delivering mail for example.test to dovecot by LMTP
# Then writes the environment variables the tests need to the file named as first argument
# (default /srv/caisse-test/env) and prints its path. Run as root; running it again restarts
# what is not running and keeps the users, passwords and keys.
#
#   test/servers/setup.sh [ENV_FILE]       install, start, write ENV_FILE
#   test/servers/setup.sh stop NAME        stop one server (ftp-plain, ftp-explicit,
#   test/servers/setup.sh start NAME       ftp-implicit, ftp-slow, ftp-e2e, sftp, sftp-e2e,
#                                          imap, smtp)
#
# Then: set -a; . /srv/caisse-test/env; set +a; npx vitest run test/transports/real.test.ts
set -eu

BASE=/srv/caisse-test
LISTEN=127.0.0.1
NAMES="ftp-plain ftp-explicit ftp-implicit ftp-slow ftp-e2e sftp sftp-e2e imap smtp"

port_of() {
  case "$1" in
    ftp-plain) echo 2121 ;; ftp-explicit) echo 2122 ;; ftp-slow) echo 2123 ;;
    ftp-implicit) echo 2990 ;; sftp) echo 2222 ;; imap) echo 1993 ;; smtp) echo 2525 ;;
    ftp-e2e) echo 2124 ;; sftp-e2e) echo 2223 ;;
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
  if [ "$1" = smtp ]; then
    postfix -c "$BASE/postfix/conf" stop >/dev/null 2>&1 || true
    return 0
  fi
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
  local name=$1 suffix=""
  [ "$name" = sftp-e2e ] && suffix=-e2e
  if pid_of "$name" >/dev/null; then return 0; fi
  if [ "$name" = smtp ] && postfix -c "$BASE/postfix/conf" status >/dev/null 2>&1; then return 0; fi
  case "$name" in
    ftp-*)
      /usr/sbin/vsftpd "$BASE/conf/$name.conf" >>"$BASE/log/$name.log" 2>&1 &
      echo $! >"$BASE/run/$name.pid"
      ;;
    sftp | sftp-e2e)
      mkdir -p /run/sshd
      /usr/sbin/sshd -t -f "$BASE/conf/sshd_config$suffix"
      /usr/sbin/sshd -D -f "$BASE/conf/sshd_config$suffix" -E "$BASE/log/$name.log" &
      echo $! >"$BASE/run/$name.pid"
      ;;
    imap)
      rm -f "$BASE/run/imap.pid"
      /usr/sbin/dovecot -c "$BASE/conf/dovecot.conf" -F >>"$BASE/log/dovecot.log" 2>&1 &
      echo $! >"$BASE/run/imap.pid"
      ;;
    smtp)
      postfix -c "$BASE/postfix/conf" status >/dev/null 2>&1 ||
        postfix -c "$BASE/postfix/conf" start >/dev/null 2>&1
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
[ -x /usr/sbin/dovecot ] || need="$need dovecot-imapd dovecot-lmtpd"
[ -x /usr/sbin/postfix ] || need="$need postfix"
if [ -n "$need" ]; then
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi

mkdir -p "$BASE/conf" "$BASE/run" "$BASE/log" "$BASE/secret" /var/run/vsftpd/empty
chmod 700 "$BASE/secret"

# Passwords: made once, kept.
for who in ftp sftp imap imap-token; do
  [ -s "$BASE/secret/$who.password" ] || openssl rand -hex 16 >"$BASE/secret/$who.password"
  chmod 600 "$BASE/secret/$who.password"
done
FTP_PASSWORD=$(cat "$BASE/secret/ftp.password")
SFTP_PASSWORD=$(cat "$BASE/secret/sftp.password")
IMAP_PASSWORD=$(cat "$BASE/secret/imap.password")
IMAP_TOKEN=$(cat "$BASE/secret/imap-token.password")

# Users: a shell listed in /etc/shells for PAM (FTP); nologin for the SFTP-only one.
FTP_HOME=$BASE/ftp
SFTP_CHROOT=$BASE/sftp/root
id ftptest >/dev/null 2>&1 || useradd -M -d "$FTP_HOME" -s /bin/bash ftptest
id sftptest >/dev/null 2>&1 || useradd -M -d /depot -s /usr/sbin/nologin sftptest
id mailtest >/dev/null 2>&1 || useradd -M -d "$BASE/mail" -s /usr/sbin/nologin mailtest
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
# The end-to-end test's own (test/e2e/three-tills.test.ts), which the fault tests never stop.
vsftpd_conf ftp-e2e 2124 40500 force_local_logins_ssl=YES force_local_data_ssl=YES

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

# dovecot: one user, caisse@example.test, its mail under $BASE/mail (a Maildir); the same
# certificate. Its own base_dir, so that it does not meet a system dovecot.
MAIL_UID=$(id -u mailtest)
MAIL_GID=$(id -g mailtest)
mkdir -p "$BASE/mail" "$BASE/dovecot/run"
chown mailtest:mailtest "$BASE/mail"
# oauth@example.test logs in with XOAUTH2: dovecot checks the token as that user's password.
{
  printf 'caisse@example.test:{PLAIN}%s:%s:%s::%s\n' "$IMAP_PASSWORD" "$MAIL_UID" "$MAIL_GID" \
    "$BASE/mail/caisse"
  printf 'oauth@example.test:{PLAIN}%s:%s:%s::%s\n' "$IMAP_TOKEN" "$MAIL_UID" "$MAIL_GID" \
    "$BASE/mail/oauth"
} >"$BASE/secret/imap.users"
chown root:dovecot "$BASE/secret/imap.users"
chmod 640 "$BASE/secret/imap.users"
chmod 711 "$BASE/secret"
cat >"$BASE/conf/dovecot.conf" <<DOVECOT
protocols = imap lmtp
listen = $LISTEN
base_dir = $BASE/dovecot/run
state_dir = $BASE/dovecot/state
log_path = $BASE/log/dovecot.log
ssl = yes
ssl_cert = <$BASE/secret/server.crt
ssl_key = <$BASE/secret/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2
auth_username_format = %Lu
passdb {
  driver = passwd-file
  args = $BASE/secret/imap.users
}
userdb {
  driver = passwd-file
  args = $BASE/secret/imap.users
}
first_valid_uid = 100
mail_location = maildir:~/Maildir
# A test server: the mails it holds are made again by every run.
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = $LISTEN
    port = 1143
  }
  inet_listener imaps {
    address = $LISTEN
    port = 1993
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = $LISTEN
    port = 2424
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# caisse+NAME@example.test is delivered into the folder NAME (created): one per test.
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
lda_mailbox_autocreate = yes
protocol lmtp {
  postmaster_address = postmaster@example.test
}
DOVECOT
mkdir -p "$BASE/dovecot/state"
chown root:root "$BASE/dovecot" "$BASE/dovecot/state"

# postfix: its own instance (config, queue, data folders), mail for example.test handed to
# dovecot's LMTP; STARTTLS on 2525 with AUTH through dovecot, TLS from the start on 4465.
PF=$BASE/postfix
mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
chown postfix:postfix "$PF/data"
alternate=$(postconf -h alternate_config_directories 2>/dev/null || true)
case " $alternate " in
  *" $PF/conf "*) ;;
  *) postconf -e "alternate_config_directories = ${alternate:+$alternate }$PF/conf" ;;
esac
cat >"$PF/conf/main.cf.new" <<POSTFIX
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.example.test
mydestination =
inet_interfaces = $LISTEN
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = /var/log/caisse-test-postfix.log
virtual_mailbox_domains = example.test
virtual_transport = lmtp:inet:$LISTEN:2424
message_size_limit = 10240000
smtpd_tls_cert_file = $BASE/secret/server.crt
smtpd_tls_key_file = $BASE/secret/server.key
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $BASE/dovecot/run/auth-postfix
smtpd_sasl_auth_enable = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtp_tls_security_level = none
POSTFIX
# Debian's services without chroot (the queue is not where Debian's chroot files are), without
# port 25, then ours.
awk '/^[a-z#]/ && $2 == "inet" { next } /^[a-z]/ && NF >= 8 { $5 = "n" } { print }' \
  /etc/postfix/master.cf >"$PF/conf/master.cf.new"
cat >>"$PF/conf/master.cf.new" <<MASTER
$LISTEN:2525 inet n - n - - smtpd
$LISTEN:4465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
MASTER
# Checked (about 3 s) only when something changed; a running postfix then reloads.
postfix_changed=""
for file in main.cf master.cf; do
  if cmp -s "$PF/conf/$file.new" "$PF/conf/$file"; then rm "$PF/conf/$file.new"
  else mv "$PF/conf/$file.new" "$PF/conf/$file"; postfix_changed=yes; fi
done
if [ -n "$postfix_changed" ]; then
  postfix -c "$PF/conf" set-permissions >/dev/null 2>&1 || true
  postfix -c "$PF/conf" check
fi

# Running ones take the configs just written.
if pid_of imap >/dev/null; then doveadm -c "$BASE/conf/dovecot.conf" reload; fi
if [ -n "$postfix_changed" ] && postfix -c "$PF/conf" status >/dev/null 2>&1; then
  postfix -c "$PF/conf" reload >/dev/null 2>&1
fi
sed -e 's/^Port 2222$/Port 2223/' -e 's/sshd-own\.pid$/sshd-e2e-own.pid/' \
  "$BASE/conf/sshd_config" >"$BASE/conf/sshd_config-e2e"
for name in $NAMES; do start_one "$name"; done
wait_port 1143
wait_port 2424
wait_port 4465

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
CAISSE_REAL_FTP_E2E_PORT=2124
CAISSE_REAL_SFTP_E2E_PORT=2223
CAISSE_REAL_SFTP_USER=sftptest
CAISSE_REAL_SFTP_PASSWORD=$SFTP_PASSWORD
CAISSE_REAL_SFTP_HOST_KEY=$HOST_KEY
CAISSE_REAL_SFTP_ROOT=$SFTP_CHROOT/depot
CAISSE_REAL_IMAP_USER=caisse@example.test
CAISSE_REAL_IMAP_PASSWORD=$IMAP_PASSWORD
CAISSE_REAL_IMAP_STARTTLS_PORT=1143
CAISSE_REAL_IMAP_TLS_PORT=1993
CAISSE_REAL_IMAP_CA=$BASE/ca.crt
CAISSE_REAL_IMAP_TOKEN_USER=oauth@example.test
CAISSE_REAL_IMAP_TOKEN=$IMAP_TOKEN
CAISSE_REAL_IMAP_LOG=$BASE/log/dovecot.log
CAISSE_REAL_LMTP_PORT=2424
CAISSE_REAL_SMTP_STARTTLS_PORT=2525
CAISSE_REAL_SMTP_TLS_PORT=4465
CAISSE_REAL_SMTP_USER=caisse@example.test
CAISSE_REAL_SMTP_PASSWORD=$IMAP_PASSWORD
CAISSE_REAL_SMTP_CA=$BASE/ca.crt
ENV
echo "$ENV_FILE"
