// Operator figures (issue 9, item 5), measured on a real boot of a prompt site: how many key
// events boot a machine whose address differs from the pre-filled one only in its host part, and
// how long after the last key the menu is on screen. The boot test asserts the goals; `npm run
// bench` prints the same measurement. Keys are counted where they are sent (QMP send-key).
import { SiteConfig, StackConfig } from "../config/schema";
import { bootSession } from "./session";

export const OPERATOR_GOALS = { keystrokes: 10, menuAfterLastKeyMs: 2000, powerCycleOnlyStates: 0 } as const;

/** The stage-1 prompts that follow the address, each kept with Enter when pre-filled. */
const FOLLOWING_PROMPTS = /^(Netmask|Gateway|DNS server):/;

export interface PromptFigures {
  site: string;
  prefilled: string;
  typed: string;
  /** Key events from the first prompt to the menu (Enter included). */
  keystrokes: number;
  /** ms from the last key event to the menu's default entry on screen (polled every 50 ms). */
  menuAfterLastKeyMs: number;
  /** ms from QEMU start to the first prompt. */
  promptAtMs: number;
}

/**
 * Boots `site` (a prompt site with a pre-filled address), changes only the host part of the
 * address to `address`, keeps the other pre-filled values, and stops once the menu shows.
 */
export async function measurePromptFigures(opts: {
  stack: StackConfig;
  site: string;
  address: string;
  reportDir?: string;
  log?: (line: string) => void;
}): Promise<PromptFigures> {
  const site = opts.stack.sites.find((s) => s.name === opts.site);
  const prefilled = site?.network.address;
  if (!site || site.network.mode !== "prompt" || !prefilled)
    throw new Error(`site ${opts.site}: operator figures need a prompt site with a pre-filled address`);
  let figures: PromptFigures | undefined;
  await bootSession(
    {
      stack: opts.stack,
      site: opts.site,
      firmware: "bios",
      noDhcp: true,
      exclusive: true, // it measures how soon the menu follows a key
      reportDir: opts.reportDir,
      log: opts.log,
    },
    async ({ op, run }) => {
      await op.waitFor(new RegExp(`IP address: ${prefilled.replace(/\./g, "\\.")}`), {
        timeoutMs: 90_000,
        where: "last",
      });
      const promptAtMs = Date.now() - run.startedAt;
      const before = op.keyEvents;
      await op.edit(prefilled, opts.address);
      await op.press("ret");
      let lastKey = Date.now();
      let answered = "";
      const menu = defaultLabel(site);
      for (;;) {
        const lines = await op.screen();
        if (lines.some((l) => l.includes(menu))) break;
        const last =
          lines
            .filter((l) => l.trim())
            .pop()
            ?.trim() ?? "";
        // Each following prompt once: its line stays on screen until iPXE has read the key.
        if (FOLLOWING_PROMPTS.test(last) && last !== answered) {
          await op.press("ret");
          lastKey = Date.now();
          answered = last;
        }
        if (Date.now() - lastKey > 60_000)
          throw new Error(`no menu within 60 s of the last key; screen:\n${last}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      figures = {
        site: site.name,
        prefilled,
        typed: opts.address,
        keystrokes: op.keyEvents - before,
        menuAfterLastKeyMs: Date.now() - lastKey,
        promptAtMs,
      };
      await op.screenshot("menu");
      return "stop";
    },
  );
  return figures!;
}

function defaultLabel(site: SiteConfig): string {
  const entry = site.menu.entries.find((e) => e.id === site.menu.default);
  if (!entry) throw new Error(`site ${site.name}: menu.default ${site.menu.default} is not an entry`);
  return entry.label;
}
