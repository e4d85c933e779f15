import { UserError } from "../../errors/user-error";

/**
 * A problem building an image that the user can fix (unknown site, bad source tree, missing
 * binaries, impossible option). The message is one line that names the field and the fix.
 */
export class ImageBuildError extends UserError {
  constructor(message: string) {
    super(message, "IMAGE");
  }
}
