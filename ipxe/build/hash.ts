import { createHash } from "node:crypto";
import * as fs from "node:fs";

export const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    fs.createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}
