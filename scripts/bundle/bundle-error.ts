/** Why a bundle was refused: one line per problem, naming the file, never a value. */
export type BundleFinding = { file: string; reason: string };

export type BundleErrorCode = "BUNDLE_SECRET" | "BUNDLE_INPUT" | "BUNDLE_OUT_DIR";

export class BundleError extends Error {
  readonly code: BundleErrorCode;
  readonly findings: BundleFinding[];

  constructor(code: BundleErrorCode, message: string, findings: BundleFinding[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = "BundleError";
    this.code = code;
    this.findings = findings;
  }
}
