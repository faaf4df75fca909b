#!/bin/sh
# firmware/image.sh: the SD-card image for a Raspberry Pi board.
#
#   image.sh BOARD SUITE DEB OUTDIR
#
# The base root file system (Debian SUITE arm64, the board's packages from
# board/BOARD/packages) is built once with mmdebstrap under qemu and kept in
# OUTDIR/cache, keyed on the package list; each build unpacks it, installs
# our .deb and board/rpi/overlay, and assembles the partitions with
# genimage outside any mmdebstrap hook. The result is
# OUTDIR/shukher-BOARD.img.xz with its .sha256.
set -eu

board=$1
suite=$2
deb=$3
out=$4

here=$(cd "$(dirname "$0")/.." && pwd)
bdir=$here/board/$board
[ -f "$bdir/genimage.cfg" ] || { echo "image: no board/$board" >&2; exit 64; }
mkdir -p "$out/cache"
out=$(cd "$out" && pwd)

# The mirrors: FW_MIRROR and FW_SECURITY from firmware.mk (this machine's
# own apt sources by default, see firmware/apt-mirror).
mirror=${FW_MIRROR:?set FW_MIRROR to a Debian mirror URI}
security=${FW_SECURITY:?set FW_SECURITY to a Debian security mirror URI}
pkgs=$(grep -v '^#' "$bdir/packages" | tr -s ' \n' ',,' | sed 's/,$//')
# The cache key: what goes into the base, nothing else (editing this script
# or the overlay must not cost a new base: 49 minutes on a shared 2-core
# VM, most of it mkinitramfs under emulation).
key=$(printf '%s %s %s\n' "$suite" "$pkgs" \
	"$(sha256sum < "$here/board/rpi/overlay/etc/default/raspi-firmware")" |
	sha256sum | cut -c1-12)
base=$out/cache/base-$board-$key.tar

if [ ! -f "$base" ]; then
	echo "image: building the base root file system (slow: emulated)"
	mmdebstrap --architectures=arm64 --components=main,non-free-firmware \
		--variant=apt --include="$pkgs" \
		--dpkgopt=force-confold --dpkgopt=force-confdef \
		--essential-hook="mkdir -p \"\$1/etc/default\"" \
		--essential-hook="copy-in $here/board/rpi/overlay/etc/default/raspi-firmware /etc/default" \
		"$suite" "$out/cache/tmp-$key.tar" \
		"deb $mirror $suite main non-free-firmware" \
		"deb $mirror $suite-updates main non-free-firmware" \
		"deb $security $suite-security main non-free-firmware"
	mv "$out/cache/tmp-$key.tar" "$base"
fi

work=$out/work-$board
root=$work/root
rm -rf "$work"
mkdir -p "$root"
tar -C "$root" -xpf "$base"

cleanup() {
	umount "$root/proc" 2>/dev/null || true
	umount "$root/dev" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# The board's files (fstab, watchdog, SSH, the boot-config service).
cp -a "$here/board/rpi/overlay/." "$root/"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp "$deb" "$root/tmp/shukher.deb"
# The host's resolver for apt, in place of the base's (which may be
# systemd-resolved's symlink into /run, dangling here).
rm -f "$root/etc/resolv.conf"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" sh -ec '
	export DEBIAN_FRONTEND=noninteractive
	# apt, not dpkg -i: it brings the libraries the base does not have.
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends /tmp/shukher.deb
	apt-get clean
	rm -rf /tmp/shukher.deb /var/lib/apt/lists/*
	systemctl enable systemd-networkd systemd-resolved \
		shukher-boot-config.service shukher-ssh-keys.service shukher.service \
		fake-hwclock.service
	# No password for anyone: SSH takes only the key on the boot partition.
	usermod -p "*" root
	# Host keys are made per device at first boot (shukher-ssh-keys).
	rm -f /etc/ssh/ssh_host_*
	echo shukher > /etc/hostname
	: > /etc/machine-id
'
cleanup
trap - EXIT INT TERM
# DNS: systemd-resolved (its own package in bookworm) takes the servers
# that networkd got by DHCP from the site's router; /etc/resolv.conf points
# to its stub in /run, which a read-only root does not mind. A fixed public
# resolver could be blocked on a site's network, and timesyncd needs names.
rm -f "$root/etc/resolv.conf"
ln -s ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

# The kernel command line: read-only root under a RAM overlay (given here
# rather than in the initramfs, which the base already built: a second
# mkinitramfs under emulation costs minutes).
sed -i 's/ rw / ro /; s/ rw$/ ro/; s/$/ overlayroot=tmpfs:recurse=0/' \
	"$root/boot/firmware/cmdline.txt"
# The site config and the key slot on the boot partition.
install -m 0644 "$here/board/shukher.conf" "$root/boot/firmware/shukher.conf"
cat > "$root/boot/firmware/authorized_keys" <<'KEYS'
# Put the technician's SSH public key here (one line, ssh-ed25519 ...).
KEYS
# The data partition: the database directory, owned by the service.
mkdir -p "$root/data/shukher" "$root/data/ssh"
owner=$(chroot "$root" stat -c %u:%g /var/lib/shukher)
chown "$owner" "$root/data/shukher"
chmod 0750 "$root/data/shukher"
rm -rf "${root:?}/var/lib/shukher" && mkdir -p "$root/var/lib/shukher"

rm -rf "$work/tmp" "$work/images"
genimage --config "$bdir/genimage.cfg" --rootpath "$root" \
	--tmppath "$work/tmp" --inputpath "$work/images" \
	--outputpath "$work/images"
img=$out/shukher-$board.img
mv "$work/images/shukher-$board.img" "$img"
rm -f "$img.xz"
xz -T0 -6 "$img"
(cd "$out" && sha256sum "shukher-$board.img.xz" > "shukher-$board.img.xz.sha256")
rm -rf "$work"
ls -l "$img.xz"
