import * as pulumi from "@pulumi/pulumi";

/**
 * Progress lines from inside a provider. The dynamic provider's process has no engine
 * connection, so pulumi.log writes them to its stdout, which the engine shows in the
 * update's output.
 */
export function progress(message: string): void {
  void pulumi.log.info(message);
}

export function warning(message: string): void {
  void pulumi.log.warn(message);
}
