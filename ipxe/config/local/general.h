/*
 * boot-stack build options for compiled site images (mode: compile), copied into the iPXE
 * tree's src/config/local/ before building. One #define per line, each with its reason.
 * Reference: https://ipxe.org/buildcfg and ../../../docs/images.md
 */

/* Stage-2 comes from the CDN over HTTPS; upstream BIOS builds leave HTTPS off. */
#define DOWNLOAD_PROTO_HTTPS
/* Plain HTTP stays on for the local origin (http://10.0.2.100) and allowInsecureHttp sites. */
#define DOWNLOAD_PROTO_HTTP

/* network.vlan sites: vcreate (upstream BIOS builds leave it off). */
#define VLAN_CMD
/* Stage-1 menus and the operator prompts: menu/item/choose, form/present. */
#define MENU_CMD
#define FORM_CMD
/* ifopen/ifconf/ifstat and dhcp for dhcp and dhcp-then-prompt sites. */
#define IFMGMT_CMD
#define DHCP_CMD
/* route: shown in the failure menu so the operator can see what was configured. */
#define ROUTE_CMD
/* certstat/certstore: diagnose TLS to the origin at a site (BIOS builds leave it off). */
#define CERT_CMD
/* imgverify/imgtrust: lets stage-2 verify signed artefacts later. */
#define IMAGE_TRUST_CMD
/* ntp: fix a wrong RTC before certificate time checks fail. */
#define NTP_CMD
/* params/param: stage-1 posts nothing secret, but stage-2 may use request parameters. */
#define PARAM_CMD
/* ping/nslookup: operator diagnostics from the failure shell. */
#define PING_CMD
#define NSLOOKUP_CMD
/* console: switch resolution or console from scripts (BIOS builds leave it off). */
#define CONSOLE_CMD
/* poweroff/reboot: failure-menu choices. */
#define POWEROFF_CMD
#define REBOOT_CMD
/* sha256sum-style digests to check artefacts by hand. */
#define DIGEST_CMD
