import { basename } from "node:path";
import { secretValuesOf, type SecretValue } from "../../service/src/secrets.ts";
import type { BundleFinding } from "./bundle-error.ts";

// A database password alone is worth looking for, but short ones ("postgres") are also
// package names in the lockfile: in files, only longer ones are searched for alone.
const MIN_FILE_PASSWORD_LENGTH = 12;

const SECRET_FILE_NAMES: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /^\.env(\..*)?$/i, reason: "is an .env file" },
  { pattern: /\.(pem|key|p12|pfx|jks|keystore)$/i, reason: "is a key or certificate file" },
  { pattern: /^id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$/i, reason: "is an SSH key" },
  { pattern: /^\.(npmrc|netrc|pypirc|git-credentials)$/i, reason: "is a credentials file" },
];

const SECRET_CONTENT: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/, reason: "contains a private key block" },
  { pattern: /\bhf_[A-Za-z0-9]{30,}/, reason: "contains what looks like a Hugging Face token (hf_...)" },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/, reason: "contains what looks like a Google API key (AIza...)" },
  { pattern: /\b(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{30,}/, reason: "contains what looks like a GitHub token" },
  {
    // A connection string with a password for anything but this machine.
    pattern: /postgres(ql)?:\/\/[^\s:@/'"`]+:[^\s@/'"`]+@(?!localhost[:/'"`\s]|127\.0\.0\.1[:/'"`\s])/,
    reason: "contains a Postgres connection string with a password",
  },
];

/** The values to look for, read from the given environment (the names and rule of ../../service/src/secrets.ts); never logged. */
export function secretValuesFrom(env: Readonly<Record<string, string | undefined>>): SecretValue[] {
  return secretValuesOf(env).filter((s) => !s.label.startsWith("the password") || s.value.length >= MIN_FILE_PASSWORD_LENGTH);
}

/** Every reason to believe this file carries a secret; empty when it looks clean. */
export function scanFile(file: string, content: Buffer, secrets: readonly SecretValue[]): BundleFinding[] {
  const findings: BundleFinding[] = [];
  const name = basename(file);
  for (const rule of SECRET_FILE_NAMES) {
    if (rule.pattern.test(name)) findings.push({ file, reason: rule.reason });
  }
  const text = content.toString("latin1");
  for (const rule of SECRET_CONTENT) {
    if (rule.pattern.test(text)) findings.push({ file, reason: rule.reason });
  }
  for (const secret of secrets) {
    if (content.includes(secret.value)) findings.push({ file, reason: `contains ${secret.label}` });
  }
  return findings;
}
