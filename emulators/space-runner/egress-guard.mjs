// The Space's egress rule inside an emulated Space: its app reaches the outside only on ports
// 80, 443 and 8080 (docs/platform-facts.md: Space networking). The space runner loads this
// into the app's Node with --import (NODE_OPTIONS). Every TCP client (net, http, https, tls,
// undici's fetch, pg, ws) opens its connection through net.Socket.prototype.connect, so that is
// where a connection to another port is held, as a blocked one is: it never opens, and the
// caller's own connect timeout ends it (undici's 10 s, pg's connectionTimeoutMillis). The
// container's own port (PORT, on loopback) is inside the Space, not egress: its HEALTHCHECK
// reaches it. Unix sockets are local too.
// Test code, never shipped; plain JavaScript, as the app's Node loads it without type stripping.
import net from "node:net";

const ALLOWED = new Set([80, 443, 8080]);
const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.|localhost$)/i;
const ownPort = Number(process.env.PORT);
const connect = net.Socket.prototype.connect;

/** Where a connect call goes, read as net's own normalizeArgs reads it: options, a path, or port and host. */
function destination(args) {
  // net.connect and tls.connect pass their already normalized [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === "object") return first.path ? { path: first.path } : { port: Number(first.port), host: first.host ?? "localhost" };
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  return { port: Number(first), host: typeof args[1] === "string" ? args[1] : "localhost" };
}

net.Socket.prototype.connect = function spaceEgressConnect(...args) {
  const to = destination(args);
  const blocked = to.path === undefined && !ALLOWED.has(to.port) && !(to.port === ownPort && LOOPBACK.test(to.host));
  if (!blocked) return connect.apply(this, args);
  // Pending, as a connection whose packets are dropped is: writes wait, nothing ever answers.
  this.connecting = true;
  return this;
};
