#!/usr/bin/env bash
# Install minyi-kiosk as a 24/7 appliance on Raspberry Pi OS (run as root from the
# repository checkout). Idempotent. See systemd/README.md.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
DEST=/opt/minyi-kiosk
id kiosk >/dev/null 2>&1 || useradd --system --create-home --home-dir /var/lib/minyi-kiosk kiosk
install -d -o kiosk -g kiosk -m 0750 /var/lib/minyi-kiosk /var/lib/minyi-kiosk-keys
install -d -m 0755 /etc/minyi-kiosk
if [ "$SRC" != "$DEST" ]; then
  rsync -a --delete --exclude .venv --exclude .git "$SRC/" "$DEST/"
fi
bash "$DEST/.ci/setup"
if [ ! -f /etc/minyi-kiosk/kiosk.toml ]; then
  cat > /etc/minyi-kiosk/kiosk.toml <<'TOML'
# Edit station.number before first use: it is part of every tracking code.
[station]
number = "0001"
name = "24小时民意工作站"

[storage]
data_dir = "/var/lib/minyi-kiosk/data"
key_file = "/var/lib/minyi-kiosk-keys/pii.key"
TOML
fi
install -m 0644 "$DEST/systemd/minyi-kiosk-ui.service" "$DEST/systemd/minyi-kiosk-sync.service" /etc/systemd/system/
install -m 0644 "$DEST/systemd/99-minyi-kiosk.rules" /etc/udev/rules.d/
# Hardware watchdog for PID 1 and journal size caps (see systemd/README.md): the manager
# reads system.conf.d only when it re-executes.
install -d -m 0755 /etc/systemd/system.conf.d /etc/systemd/journald.conf.d
install -m 0644 "$DEST/systemd/minyi-kiosk-watchdog.conf" /etc/systemd/system.conf.d/minyi-kiosk-watchdog.conf
install -m 0644 "$DEST/systemd/minyi-kiosk-journald.conf" /etc/systemd/journald.conf.d/minyi-kiosk.conf
systemctl daemon-reexec
systemctl restart systemd-journald
udevadm control --reload-rules || true
systemctl daemon-reload
systemctl enable --now minyi-kiosk-sync.service minyi-kiosk-ui.service
sudo -u kiosk KIOSK_CONFIG=/etc/minyi-kiosk/kiosk.toml "$DEST/.venv/bin/kiosk" doctor || true
