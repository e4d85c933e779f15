/**
 * A problem building an image that the user can fix (missing tool, unknown site, bad source
 * tree, impossible option). The message is one line that names the field or tool and the fix.
 */
export class ImageBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageBuildError";
  }
}
