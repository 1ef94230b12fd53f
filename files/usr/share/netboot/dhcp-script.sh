# netboot's dnsmasq script, set as the dnsmasq section's `dhcpscript` by
# `netboot apply`. OpenWrt's /usr/lib/dnsmasq/dhcp-script.sh sources it (as
# USER_DHCPSCRIPT) before anything else, with dnsmasq's arguments and its
# whole environment: the only place on a stock router where the DHCP vendor
# class, user classes and tags are still there (the hotplug events it sends
# next carry only ACTION, MACADDR, IPADDR and HOSTNAME).
#
# It runs inside dnsmasq's jail (OpenWrt's dnsmasq.init): only this file,
# busybox as /bin/sh, jshn and ubus are there, and the one folder it may write
# is /var/run/dnsmasq/ (RAM). dnsmasq waits for it before the next event. So
# all of it runs in a subshell that cannot touch the sourcing script's
# variables or end it, says nothing (dnsmasq would log it) and starts no
# program but jshn and ubus: it appends the event as one JSON line to the spool
# that `netboot rpcd call clients` folds into boot journeys (src/journeys/
# spool.ts), and for a beacon whose meaning changes /etc/config/netboot (a
# task's start, a PC asking to be registered) raises procd's
# `netboot.beacon` event in the background, whose trigger runs `netboot
# apply` (src/app/beacons.ts).
(
	case "$1" in
	add) netboot_action=add ;;
	old) netboot_action=update ;;
	del) netboot_action=remove ;;
	tftp) netboot_action=tftp ;;
	*) exit 0 ;;
	esac
	# dnsmasq's DHCPv6 leases (a DUID in place of the MAC) are no PC's network boot.
	[ -z "${DNSMASQ_IAID+set}" ] || exit 0
	# Nor is dnsmasq re-announcing its leases when it starts or gets SIGHUP
	# (every reload): `old` with DNSMASQ_DATA_MISSING=1 and no classes.
	[ -z "$DNSMASQ_DATA_MISSING" ] || exit 0

	. /usr/share/libubox/jshn.sh
	json_init
	# busybox ash's clock (ASH_BASH_COMPAT, on in OpenWrt's busybox): no `date` in the jail.
	json_add_string time "$EPOCHREALTIME"
	if [ "$netboot_action" = tftp ]; then
		# tftp SIZE ADDRESS PATH
		json_add_string source tftp
		json_add_string action add
		json_add_string size "$2"
		json_add_string ip "$3"
		json_add_string path "$4"
	else
		# add|old|del MAC IP [HOSTNAME]
		json_add_string source dhcp
		json_add_string action "$netboot_action"
		json_add_string mac "$2"
		json_add_string ip "$3"
		json_add_string hostname "$4"
		json_add_string vendorclass "$DNSMASQ_VENDOR_CLASS"
		json_add_string tags "$DNSMASQ_TAGS"
		json_add_array userclass
		netboot_i=0
		# netboot keeps at most 16 user classes.
		while [ "$netboot_i" -lt 16 ] && eval "[ -n \"\${DNSMASQ_USER_CLASS$netboot_i+set}\" ]"; do
			eval "json_add_string '' \"\$DNSMASQ_USER_CLASS$netboot_i\""
			netboot_i=$((netboot_i + 1))
		done
		json_close_array
	fi
	netboot_line=$(json_dump)
	# Empty if jshn failed; 4 KiB is far longer than any real event
	# (src/journeys/events.ts bounds each field).
	[ -n "$netboot_line" ] && [ ${#netboot_line} -lt 4096 ] || exit 0

	# Two files of at most 64 KiB, enforced by the kernel: the file-size
	# limit (128 blocks of 512 bytes) makes an append past it fail (EFBIG,
	# with SIGXFSZ ignored) after writing what fits. Then the other file is
	# emptied, becomes the one written (netboot-events.slot), and takes the
	# whole line. echo writes a line under 4 KiB in one write(2) to an O_APPEND
	# file (busybox and bash), so concurrent instances never interleave lines.
	netboot_spool=/var/run/dnsmasq/netboot-events
	trap '' XFSZ
	ulimit -f 128
	read -r netboot_slot < "$netboot_spool.slot"
	[ "$netboot_slot" = 1 ] || netboot_slot=0
	if ! echo "$netboot_line" >> "$netboot_spool.$netboot_slot"; then
		netboot_slot=$((1 - netboot_slot))
		: > "$netboot_spool.$netboot_slot"
		echo "$netboot_slot" > "$netboot_spool.slot"
		echo "$netboot_line" >> "$netboot_spool.$netboot_slot"
	fi

	# procd's `service event` wants both type and data, a table (openwrt/procd
	# service/service.c, service_handle_event); /etc/init.d/netboot's raw trigger
	# on the type runs `reload` (service/trigger.c). In the background: dnsmasq
	# waits for this script, and procd coalesces a burst into one run.
	# A PC's registration request comes as its DHCP vendor class
	# (src/register/request.ts); for a TFTP event the class is unset.
	case "$netboot_action:$4" in
	tftp:*/netboot/beacon/task/*) netboot_beacon=1 ;;
	esac
	case "$DNSMASQ_VENDOR_CLASS" in
	netboot-register:*) netboot_beacon=1 ;;
	esac
	# Only the ubus call goes to the background: `[ … ] || ubus … &` would fork
	# a background shell for every event dnsmasq reports.
	if [ -n "$netboot_beacon" ]; then
		ubus call service event '{"type":"netboot.beacon","data":{}}' &
	fi
) </dev/null >/dev/null 2>&1
:
