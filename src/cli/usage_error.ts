/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  /** @param message what is wrong, in one line */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
