// Operator figures (issue 9, item 5) on a real BIOS boot of the prompt site: the operator changes
// only the host part of the pre-filled address (10.0.2.50 -> 10.0.2.42: Backspace twice, "42",
// Enter) and keeps the pre-filled netmask, gateway and DNS (Enter each). Key events are counted
// where they are sent (QMP send-key). `npm run bench -- operator` prints the same measurement.
//
// Proves: such a machine boots with <= 10 key events, and the menu is on screen within the goal
// after the last key (the bound is looser under load: TCG shares 2 cores with everything else).
import { measurePromptFigures, OPERATOR_GOALS } from "../../local/operator-figures";
import { BOOT_TEST_TIMEOUT_MS, expectNothingLeftBehind, fixtureStack, reportDir } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

/** A loaded 2-core machine stretches TCG timings; the goal itself is printed by the bench. */
const MENU_DELAY_BOUND_MS = 3 * OPERATOR_GOALS.menuAfterLastKeyMs;

test("host part only: <= 10 key events to the menu, and the menu follows the last key quickly", async () => {
  const f = await measurePromptFigures({
    stack: await fixtureStack(),
    site: "lab-prompt",
    address: "10.0.2.42",
    reportDir: reportDir("operator-figures"),
  });
  process.stdout.write(`operator figures: ${JSON.stringify(f)}\n`);
  // Today 8: 2 x Backspace, "4", "2", Enter at the address; Enter at netmask, gateway and DNS.
  expect(f.keystrokes).toBeGreaterThanOrEqual(5);
  expect(f.keystrokes).toBeLessThanOrEqual(OPERATOR_GOALS.keystrokes);
  expect(f.menuAfterLastKeyMs).toBeLessThanOrEqual(MENU_DELAY_BOUND_MS);
});
