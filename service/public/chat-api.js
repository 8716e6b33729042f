// The API as the page uses it: relative URLs, so the page works in the Space and locally.

const HEALTH_POLL_MS = 2000;

/** What went wrong before or instead of a stream; `message` is written for the reader. */
export class ChatFailure extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, code?: string | null, retryAfter?: number | null, conversationId?: string | null }} [details]
   */
  constructor(message, details = {}) {
    super(message);
    this.name = "ChatFailure";
    this.status = details.status ?? 0;
    this.code = details.code ?? null;
    this.retryAfter = details.retryAfter ?? null;
    this.conversationId = details.conversationId ?? null;
  }
}

const url = (path) => new URL(path, document.baseURI);

/** POST /api/chat. Resolves with the response whatever its status; rejects on network failure. */
export function postChat({ message, conversationId }, signal) {
  const body = { message, mode: "general" };
  if (conversationId) body.conversation_id = conversationId;
  return fetch(url("api/chat"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
  });
}

export function getConversation(id, signal) {
  return fetch(url(`api/conversation/${encodeURIComponent(id)}`), { headers: { Accept: "application/json" }, signal });
}

/**
 * Reads the event stream exactly as the book's existing client does: split the bytes on
 * "\n", keep lines that start with "data: ", parse the rest as JSON. Comments and
 * unparseable lines are skipped.
 */
export async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += decoder.decode(value, { stream: !done });
      const lines = buffer.split("\n");
      buffer = done ? "" : (lines.pop() ?? "");
      for (const raw of lines) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (!line.startsWith("data: ")) continue;
        let event;
        try {
          event = JSON.parse(line.slice(6));
        } catch {
          continue;
        }
        if (event && typeof event === "object") yield event;
      }
      if (done) return;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** The `{"error":{"code","message"}}` body of a non-2xx answer, as a ChatFailure. */
export async function failureOf(response) {
  let error = null;
  if ((response.headers.get("content-type") ?? "").includes("json")) {
    try {
      const body = await response.json();
      if (body && typeof body.error === "object" && body.error !== null) error = body.error;
    } catch {
      // A proxy's page, or a broken body: fall back to the status line.
    }
  }
  const retryAfter = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  const status = response.status;
  const fallback = `The service answered ${status}${response.statusText ? ` ${response.statusText}` : ""}.`;
  return new ChatFailure(typeof error?.message === "string" && error.message ? error.message : fallback, {
    status,
    code: typeof error?.code === "string" ? error.code : null,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
    conversationId: typeof error?.conversation_id === "string" ? error.conversation_id : null,
  });
}

/**
 * True when the answer means "the service is not up yet" rather than a real error: a
 * starting or restarting service, or the Space's proxy answering for a sleeping container.
 */
export function isWakingUp(failure) {
  if (failure.code === "service_starting" || failure.code === "shutting_down") return true;
  return failure.code === null && [502, 503, 504].includes(failure.status);
}

/**
 * Polls GET /api/health every 2 s until the service is past start-up (any status but
 * "starting"). Calls `onPoll` with "starting" or "unreachable" after each miss. Rejects
 * with the signal's reason on abort, and with a ChatFailure after `limitMs`.
 */
export async function waitUntilAwake(signal, { limitMs = 5 * 60_000, onPoll = () => {} } = {}) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    await sleep(HEALTH_POLL_MS, signal);
    let state = "unreachable";
    try {
      const response = await fetch(url("api/health"), { cache: "no-store", signal });
      const report = await response.json().catch(() => null);
      if (report && typeof report.status === "string") state = report.status;
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
    }
    if (state !== "starting" && state !== "unreachable") return;
    onPoll(state);
    if (Date.now() > deadline) {
      throw new ChatFailure("The service did not wake up. Please try again in a few minutes.", { code: "wake_timeout" });
    }
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
