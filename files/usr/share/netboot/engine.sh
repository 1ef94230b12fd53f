# Finding the JavaScript engine that runs netboot, and saying what to do when
# there is none. Sourced by /usr/bin/netboot:
#   . /usr/share/netboot/engine.sh
#   netboot_find_engine || { netboot_engine_missing >&2; exit 127; }
#   exec "$NETBOOT_ENGINE" $NETBOOT_ENGINE_FLAGS "$NETBOOT_JS" ...
# node where it is installed (OpenWrt 23.05/24.10's feed; it keeps netboot's
# native ubus client and sockets), else QuickJS's qjs (25.12's feed, every
# target). Paths are taken relative to this file so an unpacked package (an
# image root, a test) works as well as the installed one.

NETBOOT_SHARE="${NETBOOT_SHARE:-/usr/share/netboot}"
NETBOOT_JS="$NETBOOT_SHARE/netboot.js"

netboot_executable() {
	[ -n "$1" ] && [ -x "$1" ] && [ ! -d "$1" ]
}

# Sets NETBOOT_ENGINE to the first node found ($NETBOOT_NODE, node on PATH,
# Entware's /opt/bin/node), else to qjs ($NETBOOT_QJS, qjs on PATH) with
# NETBOOT_ENGINE_FLAGS=--std (std and os as globals, as netboot expects).
netboot_find_engine() {
	local candidate
	for candidate in "$NETBOOT_NODE" "$(command -v node)" /opt/bin/node; do
		netboot_executable "$candidate" && { NETBOOT_ENGINE="$candidate"; NETBOOT_ENGINE_FLAGS=; return 0; }
	done
	for candidate in "$NETBOOT_QJS" "$(command -v qjs)"; do
		netboot_executable "$candidate" && { NETBOOT_ENGINE="$candidate"; NETBOOT_ENGINE_FLAGS=--std; return 0; }
	done
	return 1
}

# What is missing and how to provide it, for this router.
netboot_engine_missing() {
	local release arch
	release="$( . /etc/openwrt_release 2>/dev/null; echo "${DISTRIB_RELEASE:-}" )"
	arch="$(uname -m 2>/dev/null)"
	echo "netboot: no JavaScript engine: netboot runs under node (Node.js 18 or newer,"
	echo "package node) or qjs (QuickJS, package quickjs). Looked for: \$NETBOOT_NODE${NETBOOT_NODE:+ ($NETBOOT_NODE)},"
	echo "node on PATH ($PATH), /opt/bin/node, \$NETBOOT_QJS${NETBOOT_QJS:+ ($NETBOOT_QJS)}, qjs on PATH."
	echo
	if command -v apk >/dev/null 2>&1; then
		echo "This is OpenWrt ${release:-25.12 or later} (apk). Install QuickJS from the packages feed:"
		echo "  apk update && apk add quickjs"
	elif command -v opkg >/dev/null 2>&1; then
		case "$arch" in
		aarch64|arm*|i386|i686|x86_64)
			echo "Install node from the packages feed (OpenWrt 23.05: node 18, 24.10: node 20):"
			echo "  opkg update && opkg install node"
			echo "The feed builds node only for CPUs with a floating-point unit; if opkg"
			echo "finds no node for this router, use one of the ways below."
			netboot_engine_options
			;;
		*)
			echo "OpenWrt's packages feed has no node for $arch (it builds node for"
			echo "aarch64, arm, i386 and x86_64 with an FPU), and its quickjs package"
			echo "starts with OpenWrt 25.12. Provide an engine yourself:"
			netboot_engine_options
			;;
		esac
	else
		echo "Install Node.js 18 or newer, or QuickJS, and make sure \`node\` or \`qjs\` is on PATH."
	fi
}

netboot_engine_options() {
	echo "  - Entware on USB storage or extroot (entware.net): \`opkg install node\` there"
	echo "    gives /opt/bin/node, which netboot finds."
	echo "  - A node or qjs binary for this CPU linked against musl (OpenWrt's C library),"
	echo "    e.g. built with the 24.10 SDK's packages feed: put it on PATH, or run"
	echo "    netboot with NETBOOT_NODE=/path/to/node or NETBOOT_QJS=/path/to/qjs."
	echo "netboot looks for an engine each time it starts; nothing else needs changing."
}
