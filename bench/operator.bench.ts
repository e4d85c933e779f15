// Operator figures (issue 9, item 5) against their goals: key events to boot a prompt site when
// only the host part of the pre-filled address changes, the menu's delay after the last key
// (both measured on a real BIOS boot of the boot-test fixture's prompt site), and the failure
// states whose only way forward is a power-cycle (counted from the table in docs/boot-tests.md).
import * as path from "node:path";
import { measurePromptFigures, OPERATOR_GOALS } from "../local/operator-figures";
import { REPO_ROOT } from "../ipxe/build/cache";
import { loadFixtureStack } from "../local/stack";
import { ensureTestOs } from "../local/testos";
import { failureStatesOf } from "./failure-states";

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

(async () => {
  const stack = loadFixtureStack(
    path.join(REPO_ROOT, "test", "fixtures", "boot", "Pulumi.boot.yaml"),
    await ensureTestOs(),
  );
  const f = await measurePromptFigures({ stack, site: "lab-prompt", address: "10.0.2.42" });
  const edit = `${f.prefilled} -> ${f.typed}`;
  emit("operator.keystrokes", f.keystrokes, "keys", { goal: `<= ${OPERATOR_GOALS.keystrokes}`, edit });
  emit("operator.menuAfterLastKey", f.menuAfterLastKeyMs, "ms", {
    goal: `<= ${OPERATOR_GOALS.menuAfterLastKeyMs}`,
  });
  const docs = path.join(REPO_ROOT, "docs", "boot-tests.md");
  const states = failureStatesOf(docs);
  if (!states)
    emit("operator.powerCycleOnlyStates", NaN, "states", {
      note: `no "Failure states" table with a power-cycle column in ${path.relative(REPO_ROOT, docs)} yet`,
    });
  else
    emit("operator.powerCycleOnlyStates", states.powerCycleOnly.length, "states", {
      goal: `<= ${OPERATOR_GOALS.powerCycleOnlyStates}`,
      of: states.states,
      ...(states.powerCycleOnly.length ? { which: states.powerCycleOnly } : {}),
    });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
