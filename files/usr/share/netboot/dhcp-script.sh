# netboot's dnsmasq script, set as the dnsmasq section's `dhcpscript` by
# `netboot apply`. OpenWrt's /usr/lib/dnsmasq/dhcp-script.sh sources it (as
# USER_DHCPSCRIPT) before anything else, with dnsmasq's arguments and its
# whole environment: the only place on a stock router where the DHCP vendor
# class, user classes and tags are still there (the hotplug events it sends
# next carry only ACTION, MACADDR, IPADDR and HOSTNAME).
#
# It runs inside dnsmasq's jail, where this file, jshn and ubus are mounted
# (dnsmasq.init), and dnsmasq waits for it before the next event. So all of it
# runs in a subshell that cannot touch the sourcing script's variables or end
# it, says nothing (dnsmasq would log it), and bounds its one ubus call; a
# daemon that is not running is not an error.
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
		# The daemon accepts at most 16 user classes.
		while [ "$netboot_i" -lt 16 ] && eval "[ -n \"\${DNSMASQ_USER_CLASS$netboot_i+set}\" ]"; do
			eval "json_add_string '' \"\$DNSMASQ_USER_CLASS$netboot_i\""
			netboot_i=$((netboot_i + 1))
		done
		json_close_array
	fi
	ubus -t 1 call netboot event "$(json_dump)"
) </dev/null >/dev/null 2>&1
:
