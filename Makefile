# The OpenWrt package netboot, for the buildroot or the SDK (24.10 builds an
# .ipk, 25.12 an .apk from this same file). Put this repository at
# package/netboot, run `npm ci && npm run build` in it (the package ships the
# bundle dist/netboot.js; the buildroot has no npm), then
#   make package/netboot/compile
# luci-app/Makefile builds luci-app-netboot the same way.
include $(TOPDIR)/rules.mk

PKG_NAME:=netboot
# One version for npm and OpenWrt: package.json's.
PKG_VERSION:=$(shell sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' $(CURDIR)/package.json)
PKG_RELEASE:=1
PKG_LICENSE:=GPL-2.0-only

include $(INCLUDE_DIR)/package.mk

# netboot runs under node or qjs (files/usr/share/netboot/engine.sh picks
# node first). The packages feed builds a node for routers up to
# openwrt-24.10; from 25.12 on lang/node is host-only (PKG_HOST_ONLY,
# openwrt/packages 853ea061b8) and lang/quickjs (QuickJS 2025-09-13,
# /usr/bin/qjs, every target) is what the feed has. Depend on node where the
# feed builds it for the target, else on quickjs where the feed has it, else
# on nothing: /usr/bin/netboot then says how to provide an engine.
NETBOOT_NODE_MAKEFILE:=$(wildcard $(TOPDIR)/feeds/packages/lang/node/Makefile)
NETBOOT_QUICKJS_MAKEFILE:=$(wildcard $(TOPDIR)/feeds/packages/lang/quickjs/Makefile)
NETBOOT_TARGET_NODE:=$(if $(NETBOOT_NODE_MAKEFILE),$(if $(shell grep -s '^PKG_HOST_ONLY:=1' $(NETBOOT_NODE_MAKEFILE)),,y))
NETBOOT_ENGINE_DEPENDS:=$(if $(NETBOOT_TARGET_NODE),+node,$(if $(NETBOOT_QUICKJS_MAKEFILE),+quickjs))

define Package/netboot
  SECTION:=net
  CATEGORY:=Network
  TITLE:=Network boot of diskless PCs from iSCSI targets
  PKGARCH:=all
  DEPENDS:=$(NETBOOT_ENGINE_DEPENDS)
endef

define Package/netboot/description
  Network-boot diskless PCs from an OpenWrt router: DHCP/PXE options, iPXE menus and iSCSI targets from UCI config
endef

define Package/netboot/conffiles
/etc/config/netboot
endef

define Build/Prepare
	@[ -f $(CURDIR)/dist/netboot.js ] || { \
		echo "netboot: $(CURDIR)/dist/netboot.js is missing: run 'npm ci && npm run build' there first" >&2; \
		exit 1; }
	mkdir -p $(PKG_BUILD_DIR)
	$(CP) $(CURDIR)/dist/netboot.js $(PKG_BUILD_DIR)/
endef

define Build/Compile
endef

# Modes as in scripts/package/packages.mjs (test/package.test.ts checks
# they agree): the config holds CHAP secrets, dhcp-script.sh is sourced,
# rpcd runs its plugins.
define Package/netboot/install
	$(INSTALL_DIR) $(1)/usr/bin $(1)/usr/share/netboot $(1)/etc/config $(1)/etc/init.d \
		$(1)/etc/uci-defaults $(1)/usr/libexec/rpcd
	$(INSTALL_BIN) ./files/usr/bin/netboot $(1)/usr/bin/netboot
	$(INSTALL_BIN) ./files/usr/libexec/rpcd/netboot $(1)/usr/libexec/rpcd/netboot
	$(INSTALL_DATA) ./files/usr/share/netboot/engine.sh $(1)/usr/share/netboot/engine.sh
	$(INSTALL_DATA) ./files/usr/share/netboot/dhcp-script.sh $(1)/usr/share/netboot/dhcp-script.sh
	$(INSTALL_DATA) $(PKG_BUILD_DIR)/netboot.js $(1)/usr/share/netboot/netboot.js
	$(INSTALL_CONF) ./files/etc/config/netboot $(1)/etc/config/netboot
	$(INSTALL_BIN) ./files/etc/init.d/netboot $(1)/etc/init.d/netboot
	$(INSTALL_BIN) ./files/etc/uci-defaults/90-netboot $(1)/etc/uci-defaults/90-netboot
endef

# On removal (not upgrade) of a running system, give dnsmasq back what
# netboot took from it; without an engine this only prints how to get one.
define Package/netboot/prerm
[ -n "$${IPKG_INSTROOT}" ] || [ "$${PKG_UPGRADE}" = "1" ] || /usr/bin/netboot disable || true
endef

# rpcd reads its plugins when it starts: a reload makes it run the plugin's
# `list` again, so the ubus object netboot appears (install, upgrade) and
# goes (removal).
define Package/netboot/postinst
[ -n "$${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload || true
endef

define Package/netboot/postrm
#!/bin/sh
[ -n "$${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload || true
endef

$(eval $(call BuildPackage,netboot))
