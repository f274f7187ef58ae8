/**
 * A refusal the Pulumi CLI would print before it starts the program. `message` is the CLI's
 * own wording where we reproduce a rule of its source (see each rule's citation).
 */
export class PulumiLoaderError extends Error {
  constructor(
    message: string,
    /** Which file the CLI was reading when it stopped. */
    readonly file: string,
  ) {
    super(message);
    this.name = "PulumiLoaderError";
  }
}

/** The pulumi/pulumi tag whose loader these checks follow: the one our `@pulumi/pulumi` pins. */
export const PULUMI_SOURCE = "pulumi/pulumi@v3.247.0";
