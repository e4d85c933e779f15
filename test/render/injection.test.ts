// No config value may add iPXE commands: for every free-text field and every payload, the config
// is either rejected or the rendered scripts come out clean.
import { ConfigError } from "../../config/errors";
import { validateStackConfig } from "../../config/validate";
import { lintScript } from "../../ipxe/render/lint";
import { renderStage1 } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
import { originLayout } from "../../origin/layout";
import { prodRaw } from "../support/prod-config";

type Raw = ReturnType<typeof prodRaw>;
const fields: Array<[string, (r: Raw, v: string) => void]> = [
  ["site name", (r, v) => (r.sites[0].name = `ams1${v}`)],
  ["site description", (r, v) => (r.sites[0].description = `Row A${v}`)],
  ["menu title", (r, v) => (r.sites[0].menu.title = `Menu${v}`)],
  ["entry id", (r, v) => (r.sites[0].menu.entries[3].id = `shell${v}`)],
  ["entry label", (r, v) => (r.sites[0].menu.entries[0].label = `Install${v}`)],
  ["kernel argument", (r, v) => (r.sites[0].menu.entries[0].args = [`quiet${v}`])],
  ["fixed hostname", (r, v) => (r.sites[2].network.fixed[0].hostname = `db1${v}`)],
  ["fixed mac", (r, v) => (r.sites[2].network.fixed[0].mac = `52:54:00:a1:00:01${v}`)],
  ["domain", (r, v) => (r.sites[0].network.domain = `ams1.example.com${v}`)],
  ["gateway", (r, v) => (r.sites[0].network.gateway = `10.20.0.1${v}`)],
  [
    "artefact name",
    (r, v) => (
      (r.artifacts[`k${v}`] = r.artifacts["rescue-vmlinuz"]),
      (r.sites[1].menu.entries[0].kernel = `k${v}`)
    ),
  ],
  ["origin hostname", (r, v) => (r.origin.hostname = `boot.example.com${v}`)],
];
const payloads = [
  "\nshell",
  "\r\nshell",
  " || shell",
  " && shell",
  "${net0/ip}",
  "; shell",
  " #x",
  "\u0000",
  "\u001b[2J",
  '"',
  "\\",
];

describe.each(fields)("%s", (_field, set) => {
  test.each(payloads.map((p) => [JSON.stringify(p), p]))(
    "payload %s is rejected or neutralised",
    (_label, payload) => {
      const raw = prodRaw();
      set(raw, payload);
      let config;
      try {
        config = validateStackConfig(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return; // rejected, with a message (checked in validate-table.test.ts)
      }
      // Accepted: then nothing of the payload may reach a script as a command.
      for (const object of originLayout(config, { baseUrl: "https://boot.example.com" })) {
        if (object.content.kind !== "inline" || !object.key.endsWith(".ipxe")) continue;
        expect(lintScript(object.content.text)).toEqual([]);
        expect(object.content.text).not.toContain(payload);
      }
    },
  );
});

describe("renderer guard", () => {
  const config = validateStackConfig(prodRaw());
  test.each(["https://boot.example.com\nshell", "https://boot.example.com/${x}", "http://a.b/x||shell"])(
    "refuses base URL %j",
    (baseUrl) => {
      expect(() => renderStage1(config.sites[0], { baseUrl })).toThrow(/could inject iPXE commands/);
      expect(() => renderStage2(config.sites[0], config.artifacts, { baseUrl })).toThrow(
        /could inject iPXE commands/,
      );
    },
  );
});
