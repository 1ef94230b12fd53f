# Finding the node that runs netboot, and saying what to do when there is
# none. Sourced by /usr/bin/netboot and /etc/init.d/netboot:
#   . /usr/share/netboot/node.sh
#   netboot_find_node || { netboot_node_missing >&2; exit 127; }
#   "$NETBOOT_NODE" "$NETBOOT_JS" ...
# Paths are taken relative to this file so an unpacked package (an image
# root, a test) works as well as the installed one.

NETBOOT_SHARE="${NETBOOT_SHARE:-/usr/share/netboot}"
NETBOOT_JS="$NETBOOT_SHARE/netboot.js"

# Sets NETBOOT_NODE to the first node found: $NETBOOT_NODE itself, node on
# PATH (the feed's /usr/bin/node), then Entware's /opt/bin/node.
netboot_find_node() {
	local candidate
	for candidate in "$NETBOOT_NODE" "$(command -v node)" /opt/bin/node; do
		if [ -n "$candidate" ] && [ -x "$candidate" ] && [ ! -d "$candidate" ]; then
			NETBOOT_NODE="$candidate"
			return 0
		fi
	done
	return 1
}

# What is missing and how to provide it, for this router.
netboot_node_missing() {
	local release arch
	release="$( . /etc/openwrt_release 2>/dev/null; echo "${DISTRIB_RELEASE:-}" )"
	arch="$(uname -m 2>/dev/null)"
	echo "netboot: Node.js is missing: netboot is a JavaScript program and needs the"
	echo "\`node\` command, version 18 or newer. Looked for: \$NETBOOT_NODE${NETBOOT_NODE:+ ($NETBOOT_NODE)},"
	echo "node on PATH ($PATH), /opt/bin/node."
	echo
	if command -v apk >/dev/null 2>&1; then
		echo "This is OpenWrt ${release:-25.12 or later} (apk). Since 25.12 the packages feed has no"
		echo "node for routers: it builds node for the build host only (openwrt/packages"
		echo "commit 853ea061b8, \"node: make hostpkg only\"). Provide node 18+ for $arch yourself:"
		netboot_node_options
	elif command -v opkg >/dev/null 2>&1; then
		case "$arch" in
		aarch64|arm*|i386|i686|x86_64)
			echo "Install it from the packages feed (OpenWrt 23.05: node 18, 24.10: node 20):"
			echo "  opkg update && opkg install node"
			echo "The feed builds node only for CPUs with a floating-point unit; if opkg"
			echo "finds no node for this router, use one of the ways below."
			netboot_node_options
			;;
		*)
			echo "OpenWrt's packages feed has no node for $arch (it builds node for"
			echo "aarch64, arm, i386 and x86_64 with an FPU). Provide node 18+ yourself:"
			netboot_node_options
			;;
		esac
	else
		echo "Install Node.js 18 or newer and make sure \`node\` is on PATH."
	fi
}

netboot_node_options() {
	echo "  - Entware on USB storage or extroot (entware.net): \`opkg install node\` there"
	echo "    gives /opt/bin/node, which netboot finds."
	echo "  - A node binary for this CPU linked against musl (OpenWrt's C library),"
	echo "    e.g. built with the 24.10 SDK's packages feed: copy it to the router and"
	echo "    link it as /usr/bin/node, or run netboot with NETBOOT_NODE=/path/to/node."
	echo "netboot checks for node each time it starts; nothing else needs changing."
}
