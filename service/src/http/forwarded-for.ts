import { isIP } from "node:net";
import type { RequestHandler } from "express";

/**
 * Keeps only the X-Forwarded-For entries that are IP addresses, before Express reads the
 * header for req.ip (TRUST_PROXY_HOPS from the right). A client that reaches the app
 * without the proxy could otherwise make every request a new rate-limit bucket with any
 * text ("not-an-ip", a random word); with the text gone, req.ip falls back to the next
 * address in the chain, down to the socket's.
 */
export function forwardedForAddressesOnly(): RequestHandler {
  return function forwardedForAddresses(req, _res, next) {
    const header = req.headers["x-forwarded-for"];
    if (header !== undefined) {
      const addresses = (Array.isArray(header) ? header.join(",") : header)
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => isIP(entry) !== 0);
      if (addresses.length > 0) req.headers["x-forwarded-for"] = addresses.join(", ");
      else delete req.headers["x-forwarded-for"];
    }
    next();
  };
}
