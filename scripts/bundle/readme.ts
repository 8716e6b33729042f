import { BundleError } from "./bundle-error.ts";

const PLACEHOLDER = "{{DOCS_LINK}}";
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * The Space's README links its /docs. The app lives on its own host, not under
 * huggingface.co, so the link needs that host; without it the README names the pattern.
 */
export function renderReadme(template: Buffer, spaceHost: string | undefined): Buffer {
  const host = spaceHost?.trim();
  if (host && !HOST.test(host)) {
    throw new BundleError("BUNDLE_INPUT", "SPACE_HOST must be a host name such as owner-space.hf.space");
  }
  const link = host
    ? `[https://${host}/docs](https://${host}/docs)`
    : "`/docs` on the Space's own address, `https://<owner>-<space>.hf.space/docs` (the Space page embeds that address)";
  return Buffer.from(template.toString("utf8").replaceAll(PLACEHOLDER, link));
}
