// A stack of N sites for benchmarks: a realistic mix of modes, 5 menu entries each.
import { RawStackConfig } from "../config/validate";

const MODES = ["prompt", "static", "dhcp", "dhcp-then-prompt"] as const;

export function syntheticStack(n: number): RawStackConfig {
  const artifacts = {
    kernel: { source: "artifacts/vmlinuz", sha256: "a".repeat(64) },
    initrd: { source: "artifacts/initrd.img", sha256: "b".repeat(64) },
  };
  const sites = Array.from({ length: n }, (_, i) => {
    const second = Math.floor(i / 250) % 250;
    const third = i % 250;
    const subnet = `10.${second}.${third}.0/24`;
    const gw = `10.${second}.${third}.1`;
    const mode = MODES[i % MODES.length];
    return {
      name: `site-${i}`,
      description: `Synthetic site ${i}`,
      network: {
        mode,
        ...(mode === "dhcp" ? {} : { subnet, gateway: gw, dns: [`10.${second}.${third}.53`] }),
        ...(mode === "static"
          ? {
              fixed: [1, 2, 3].map((h) => ({
                mac: `52:54:00:00:${(i % 256).toString(16).padStart(2, "0")}:0${h}`,
                ip: `10.${second}.${third}.${10 + h}`,
                hostname: `s${i}-h${h}`,
              })),
            }
          : {}),
      },
      menu: {
        default: "install",
        timeoutSeconds: 10,
        entries: [
          {
            type: "linux",
            id: "install",
            label: "Install",
            kernel: "kernel",
            initrds: ["initrd"],
            args: ["console=ttyS0", "hostname={hostname}"],
          },
          {
            type: "linux",
            id: "rescue",
            label: "Rescue",
            kernel: "kernel",
            initrds: ["initrd"],
            args: ["rescue"],
          },
          { type: "local-disk", id: "disk", label: "Local disk" },
          { type: "shell", id: "shell", label: "iPXE shell" },
          { type: "reboot", id: "reboot", label: "Reboot" },
        ],
      },
    };
  });
  return { origin: { hostname: "boot.example.com", cloudflareZoneId: "0".repeat(32) }, artifacts, sites };
}
