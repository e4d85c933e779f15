// The bench's count of power-cycle-only failure states comes from the table in the docs: the
// parser finds the section, its power-cycle column, and counts the rows that say yes.
import * as path from "node:path";
import { failureStates, failureStatesOf } from "../../bench/failure-states";

const DOC = `# Boot tests

## Failure states

Every failure state the boot tests reach:

| failure state | reached by | way forward | power-cycle only |
| --- | --- | --- | --- |
| origin never up | origin-availability.test.ts | recovery menu, retries every 5 min | no |
| stalled \\| transfer | review #7 | none | yes, before the fix |
| local disk loops | review #2 | none | Yes |

## Timings

| figure | value | power-cycle |
| --- | --- | --- |
| x | 1 | yes |
`;

test("counts the rows whose power-cycle column says yes, in that section only", () => {
  expect(failureStates(DOC)).toEqual({
    states: 3,
    powerCycleOnly: ["stalled \\| transfer", "local disk loops"],
  });
});

test("no section or no power-cycle column: no figure", () => {
  expect(failureStates("# Boot tests\n\n## Timings\n")).toBeUndefined();
  expect(
    failureStates("## Failure states\n\n| state | way forward |\n| --- | --- |\n| a | b |\n"),
  ).toBeUndefined();
});

test("the repository's docs/boot-tests.md: a table with a power-cycle column, or none yet", () => {
  const states = failureStatesOf(path.join(__dirname, "..", "..", "docs", "boot-tests.md"));
  if (states) expect(states.states).toBeGreaterThan(0);
});
