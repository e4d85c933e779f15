// The three forms of an artefact's source (a project file, an http(s) URL, a file of a Debian
// package at a pinned version): each mistake is named by its field, with what is expected.
import { ConfigError } from "../../config/errors";
import { validateStackConfig } from "../../config/validate";
import { prodRaw } from "../support/prod-config";

type Raw = ReturnType<typeof prodRaw>;
const linux = (r: Raw) => r.artifacts["debian12-linux"];
const pkg = (r: Raw) => linux(r).source;

function issues(mutate: (r: Raw) => void): string[] {
  const raw = prodRaw();
  mutate(raw);
  try {
    validateStackConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

test("the example's Debian package sources validate, with every field kept", () => {
  const config = validateStackConfig(prodRaw());
  expect(config.artifacts["debian12-linux"].source).toEqual({
    debianPackage: "debian-installer-12-netboot-amd64",
    version: "20230607+deb12u15",
    suite: "bookworm",
    file: "usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux",
    debSha256: "499e4609976bfd47c1b3025382fb5dddeb023350921142b919c89c4d24bd7f9b",
  });
});

test.each<[string, (r: Raw) => void]>([
  ["a project file", (r) => (linux(r).source = "artifacts/linux")],
  ["an https URL", (r) => (linux(r).source = "https://example.com/linux")],
  ["an epoch version", (r) => (pkg(r).version = "1:2.3-4")],
  [
    "a snapshot archive",
    (r) => (pkg(r).archive = "http://snapshot.debian.org/archive/debian/20250520T000000Z"),
  ],
  ["no debSha256", (r) => delete pkg(r).debSha256],
])("accepted: %s", (_label, mutate) => {
  expect(issues(mutate)).toEqual([]);
});

test.each<[string, (r: Raw) => void, string]>([
  [
    "package name with capitals",
    (r) => (pkg(r).debianPackage = "Debian-Installer"),
    'artifacts.debian12-linux.source.debianPackage: "Debian-Installer" is not a Debian package name',
  ],
  [
    "version range instead of a pin",
    (r) => (pkg(r).version = ">= 20230607"),
    'artifacts.debian12-linux.source.version: ">= 20230607" is not a Debian package version: pin the exact one',
  ],
  ["version missing", (r) => delete pkg(r).version, "artifacts.debian12-linux.source.version: is missing"],
  ["suite missing", (r) => delete pkg(r).suite, "artifacts.debian12-linux.source.suite: is missing"],
  [
    "absolute file",
    (r) => (pkg(r).file = "/usr/lib/linux"),
    'artifacts.debian12-linux.source.file: "/usr/lib/linux" is not a path inside the package',
  ],
  [
    "file climbing out",
    (r) => (pkg(r).file = "usr/../../etc/shadow"),
    'artifacts.debian12-linux.source.file: "usr/../../etc/shadow" is not a path inside the package',
  ],
  [
    "archive with a trailing slash",
    (r) => (pkg(r).archive = "http://deb.debian.org/debian/"),
    'artifacts.debian12-linux.source.archive: "http://deb.debian.org/debian/" is not an archive root URL',
  ],
  [
    "short debSha256",
    (r) => (pkg(r).debSha256 = "499e"),
    'artifacts.debian12-linux.source.debSha256: "499e" is not a sha256',
  ],
  ["unknown key (typo)", (r) => (pkg(r).sha = "x"), 'artifacts.debian12-linux.source: unknown key "sha"'],
  [
    "ftp URL",
    (r) => (linux(r).source = "ftp://example.com/linux"),
    'artifacts.debian12-linux.source: "ftp://example.com/linux" must be a local path or an http(s):// URL',
  ],
  [
    "control character in a path",
    (r) => (linux(r).source = "artifacts/li\nnux"),
    "artifacts.debian12-linux.source: ",
  ],
  [
    "a number",
    (r) => (linux(r).source = 42),
    "artifacts.debian12-linux.source: 42 must be a local path, an http(s):// URL or a { debianPackage, version, suite, file } source",
  ],
])("refused: %s", (_label, mutate, expected) => {
  const found = issues(mutate);
  expect(found).toHaveLength(1);
  expect(found[0].startsWith(expected)).toBe(true);
});
