import { BundleError } from "./bundle-error.ts";

const PLACEHOLDER = "{{DOCS_LINK}}";
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * The Space's README links its /docs. The app lives on its own host, not under
 * huggingface.co, so the link needs that host; without it the README names the pattern.
 * `spaceHost` is a host name as the Space's SPACE_HOST gives it (served over https), or
 * the app's origin as the Hub's `host` field gives it (`https://owner-space.hf.space`).
 */
export function renderReadme(template: Buffer, spaceHost: string | undefined): Buffer {
  const origin = originOf(spaceHost?.trim());
  const link = origin
    ? `[${origin}/docs](${origin}/docs)`
    : "`/docs` on the Space's own address, `https://<owner>-<space>.hf.space/docs` (the Space page embeds that address)";
  return Buffer.from(template.toString("utf8").replaceAll(PLACEHOLDER, link));
}

function originOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^https?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      if (url.pathname === "/" && !url.search && !url.hash && !url.username) return url.origin;
    } catch {
      // reported below
    }
  } else if (HOST.test(value)) {
    return `https://${value}`;
  }
  throw new BundleError("BUNDLE_INPUT", "SPACE_HOST must be a host name such as owner-space.hf.space, or an origin such as https://owner-space.hf.space");
}
