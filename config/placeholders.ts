// Kernel-argument placeholders: `{ip}` in config becomes an iPXE setting in stage-2.
export const PLACEHOLDERS = ["ip", "netmask", "gateway", "dns", "hostname", "mac", "site", "domain"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Splits an argument into literal text and placeholder names; returns an error text for a bad brace. */
export function parsePlaceholders(
  arg: string,
): { parts: Array<{ text: string } | { placeholder: Placeholder }> } | { error: string } {
  const parts: Array<{ text: string } | { placeholder: Placeholder }> = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(arg); m; m = re.exec(arg)) {
    if (m.index > last) parts.push({ text: arg.slice(last, m.index) });
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1])) {
      return {
        error: `has an unknown placeholder {${m[1]}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(" ")})`,
      };
    }
    parts.push({ placeholder: m[1] as Placeholder });
    last = re.lastIndex;
  }
  const rest = arg.slice(last);
  if (/[{}]/.test(rest) || parts.some((p) => "text" in p && /[{}]/.test(p.text))) {
    return { error: "has an unmatched { or } (placeholders look like {ip})" };
  }
  if (rest) parts.push({ text: rest });
  return { parts };
}
