# firmware.mk: the Debian packages, the ARM builds and the SD-card image.
# Included by the top Makefile; run from the top of the tree.
#
#   make deb             build/deb/shukher_V_amd64.deb (native), then lintian
#   make deb-arm64       (and deb-armhf, deb-armel) cross-built in a
#                        throwaway mmdebstrap chroot; make debs: all three
#   make test-arm64      the unit tests cross-built, run under qemu
#   make image BOARD=rpi3   the SD-card image (board/BOARD), in build/image
#   make image-test      boots that image in qemu-system-aarch64 -M raspi3b
#
# The packaging files live in firmware/debian; they are copied beside a
# copy of the sources in build/deb/src at build time, with a changelog that
# carries the version. Nothing here writes outside build/.

FW_SUITE   ?= bookworm
# The Debian mirror: by default the one this machine's apt already uses for
# FW_SUITE (firmware/apt-mirror), so that a build behind an office mirror or
# cache works; FW_MIRROR=URI (and FW_SECURITY=URI for the image's security
# updates) override it.
FW_MIRROR   ?= $(or $(shell sh firmware/apt-mirror $(FW_SUITE)),$(error \
  no apt source for $(FW_SUITE) on this machine: set FW_MIRROR=URI))
FW_SECURITY ?= $(or $(shell sh firmware/apt-mirror $(FW_SUITE)-security),$(error \
  no apt source for $(FW_SUITE)-security on this machine: set FW_SECURITY=URI))
# The build chroots need no security updates (the binaries link to the
# stable ABI); the image takes them (firmware/image.sh).
FW_SOURCES  = deb $(FW_MIRROR) $(FW_SUITE) main|deb $(FW_MIRROR) $(FW_SUITE)-updates main
BOARD      ?= rpi3

FW_DEB_PKGS := debhelper dpkg-dev fakeroot lintian
FW_X_PKGS   := mmdebstrap qemu-user-static arch-test
FW_IMG_PKGS := mmdebstrap qemu-user-static genimage dosfstools mtools \
               e2fsprogs xz-utils fdisk
FW_QEMU_PKGS := qemu-system-arm

# The version: upstream 0.1.0 plus the date and hash of the last commit.
FW_UPSTREAM := 0.1.0
FW_GITREV   := $(shell git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null)
FW_VERSION  := $(FW_UPSTREAM)$(if $(FW_GITREV),+git$(FW_GITREV))
FW_SRC      := build/deb/src/shukher-$(FW_VERSION)
FW_OUT      := build/deb

.PHONY: deb debs deb-arm64 deb-armhf deb-armel deb-src test-arm64 \
        fw-deps fw-xdeps image image-test fw-clean

# Installs what a target needs when it is missing (as `make deps` does).
fw-install = @missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "firmware: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get update -qq && \
	  $$sudo apt-get install -y -qq --no-install-recommends $$missing; fi

fw-deps:
	$(call fw-install,$(FW_DEB_PKGS) $(DEB_PKGS))
fw-xdeps:
	$(call fw-install,$(FW_X_PKGS))

# A clean source tree with debian/ in place. The tree is copied from the
# work tree (not from git) so that `make deb` packages what was tested.
deb-src:
	rm -rf build/deb/src && mkdir -p $(FW_SRC)
	tar -cf - --exclude=__pycache__ --exclude='*.pyc' \
	  Makefile config.mk include src tests board firmware/man \
	  | tar -xf - -C $(FW_SRC)
	cp -r firmware/debian $(FW_SRC)/debian
	cp board/systemd/shukher.service $(FW_SRC)/debian/shukher.service
	cp board/systemd/shukher-web.service \
	  $(FW_SRC)/debian/shukher.shukher-web.service
	cp board/systemd/shukher-uplink.service \
	  $(FW_SRC)/debian/shukher.shukher-uplink.service
	cp board/systemd/shukher-clock.service \
	  $(FW_SRC)/debian/shukher.shukher-clock.service
	cp board/systemd/shukher-clock.timer \
	  $(FW_SRC)/debian/shukher.shukher-clock.timer
	cp board/sysusers.conf $(FW_SRC)/debian/shukher.sysusers
	printf '%s\n' \
	  'shukher ($(FW_VERSION)) $(FW_SUITE); urgency=medium' '' \
	  '  * Built from the shukher tree at $(or $(FW_GITREV),an unknown commit).' \
	  '' \
	  ' -- shukher maintainers <maintainers@users.noreply.r-seed-77ba227e.example>  $(shell date -R -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s))' \
	  > $(FW_SRC)/debian/changelog

# The native package. The tests are `make test`'s job, so nocheck here.
deb: fw-deps deb-src
	cd $(FW_SRC) && DEB_BUILD_OPTIONS="nocheck $(DEB_BUILD_OPTIONS)" \
	  dpkg-buildpackage -us -uc -b
	lintian --fail-on error --suppress-tags \
	  no-manual-page,initial-upload-closes-no-bugs \
	  $(FW_OUT)/src/shukher_$(FW_VERSION)_*.changes
	rm -rf $(FW_OUT)/$(shell dpkg --print-architecture)
	mkdir -p $(FW_OUT)/$(shell dpkg --print-architecture)
	mv $(FW_OUT)/src/*.deb $(FW_OUT)/src/*.buildinfo $(FW_OUT)/src/*.changes \
	  $(FW_OUT)/$(shell dpkg --print-architecture)/
	@ls -l $(FW_OUT)/$(shell dpkg --print-architecture)/*.deb

# A cross build in a throwaway chroot: mmdebstrap makes a bookworm buildd
# chroot with the foreign architecture, installs the build dependencies for
# it, builds the package, and copies the results out. The chroot is never
# kept (its target is /dev/null).
deb-arm64 deb-armhf deb-armel: deb-%: fw-deps fw-xdeps deb-src
	firmware/binfmt qemu-aarch64 qemu-arm
	rm -rf $(FW_OUT)/$* && mkdir -p $(FW_OUT)/$*
	sh firmware/xbuild $* "$(FW_SUITE)" "$(FW_SOURCES)" $(FW_SRC) \
	  $(FW_OUT)/$* deb
	lintian --fail-on error --suppress-tags \
	  initial-upload-closes-no-bugs $(FW_OUT)/$*/*.changes
	@ls -l $(FW_OUT)/$*/*.deb

debs: deb deb-arm64 deb-armhf deb-armel

# The unit tests built for arm64 in the same kind of chroot and run there
# under qemu-aarch64-static (through binfmt_misc).
test-arm64: fw-deps fw-xdeps deb-src
	firmware/binfmt qemu-aarch64
	rm -rf build/test-arm64 && mkdir -p build/test-arm64
	sh firmware/xbuild arm64 "$(FW_SUITE)" "$(FW_SOURCES)" $(FW_SRC) \
	  build/test-arm64 test

image: fw-deps
	$(call fw-install,$(FW_IMG_PKGS))
	firmware/binfmt qemu-aarch64
	@[ -f $(FW_OUT)/arm64/shukher_$(FW_VERSION)_arm64.deb ] || \
	  $(MAKE) --no-print-directory deb-arm64
	FW_MIRROR="$(FW_MIRROR)" FW_SECURITY="$(FW_SECURITY)" \
	  sh firmware/image.sh $(BOARD) $(FW_SUITE) \
	  $(FW_OUT)/arm64/shukher_$(FW_VERSION)_arm64.deb build/image

image-test:
	$(call fw-install,$(FW_QEMU_PKGS) mtools)
	sh firmware/image-test build/image/shukher-$(BOARD).img.xz

fw-clean:
	rm -rf build/deb build/test-arm64 build/image
