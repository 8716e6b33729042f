/**
 * The chat backend's wire format, seen from the browser: POST /api/chat answers
 * Server-Sent Events (`data: <JSON>` lines) or, before the stream, a JSON error body.
 * Framework-free, so the widget only deals in callbacks and one error type.
 */

export interface Source {
  file: string;
  heading: string;
  similarity: number;
  /** The page on the book, derived by the backend from the file and the book's route base. */
  url?: string;
}

export interface ChatRequest {
  message: string;
  mode?: 'general' | 'selection';
  /** The selected passage, in selection mode. */
  context?: string;
  /** Continues that conversation; absent starts a new one. */
  conversation_id?: string;
}

type ChatEvent =
  | {type: 'metadata'; conversation_id: string}
  // `notice` marks the backend's own words (an answer cut short), for widgets that do not
  // read `error` events; this one shows the error event's message instead.
  | {type: 'token'; content: string; notice?: boolean}
  | {type: 'done'; sources: Source[]}
  | {type: 'error'; code: string; message: string};

export interface ChatHandlers {
  onConversation(id: string): void;
  onToken(text: string): void;
  /** The backend is starting or its Space is asleep: the question is sent again after delayMs. */
  onWaking(attempt: number, delayMs: number): void;
  signal?: AbortSignal;
}

/** What the reader is told; `code` is the backend's error code, or one of this client's. */
export class ChatError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
  }
}

// A sleeping Space takes up to a minute or two to start; about three minutes in all.
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000, 15000, 15000, 15000, 15000, 15000];
const WAKING_CODES = new Set(['service_starting', 'shutting_down']);

/** Sends one question and streams its answer; resolves with its sources or throws ChatError. */
export async function askChat(apiUrl: string, request: ChatRequest, handlers: ChatHandlers): Promise<Source[]> {
  const response = await post(apiUrl, request, handlers);
  return readStream(response, handlers);
}

/** POSTs, sending again with backoff while the backend is waking up; returns a 2xx response. */
async function post(apiUrl: string, request: ChatRequest, handlers: ChatHandlers): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let response: Response | undefined;
    try {
      response = await fetch(`${apiUrl.replace(/\/+$/, '')}/api/chat`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(request),
        signal: handlers.signal,
      });
    } catch (err) {
      if (handlers.signal?.aborted) throw err;
      // No answer at all: a Space's proxy may refuse while the container starts.
    }
    if (response?.ok) return response;
    const error = response ? await errorOf(response, handlers) : undefined;
    const waking = response === undefined || (response.status === 503 && (error === undefined || WAKING_CODES.has(error.code)));
    const delayMs = RETRY_DELAYS_MS[attempt];
    if (!waking || delayMs === undefined) {
      throw error ?? new ChatError('unreachable', 'The chat service could not be reached. Please try again later.');
    }
    handlers.onWaking(attempt + 1, delayMs);
    await sleep(delayMs, handlers.signal);
  }
}

/**
 * The backend's JSON error body as a ChatError; undefined when the body is not ours
 * (a proxy's page, as a sleeping Space answers).
 */
async function errorOf(response: Response, handlers: ChatHandlers): Promise<ChatError | undefined> {
  const body = (await response.json().catch(() => undefined)) as {error?: {code?: unknown; message?: unknown; conversation_id?: unknown}} | undefined;
  const {code, message, conversation_id} = body?.error ?? {};
  // A question stored before the failure opened its conversation: the next one continues it.
  if (typeof conversation_id === 'string') handlers.onConversation(conversation_id);
  if (typeof code !== 'string' || typeof message !== 'string') {
    return response.status === 503 ? undefined : new ChatError('http_error', `The chat service answered ${response.status} ${response.statusText}.`);
  }
  return new ChatError(code, message);
}

async function readStream(response: Response, handlers: ChatHandlers): Promise<Source[]> {
  if (!response.body) throw new ChatError('cut', 'The answer did not arrive. Please try again.');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        // Comment lines (": keep-alive") and blank separators carry no event.
        if (!line.startsWith('data: ')) continue;
        const event = JSON.parse(line.slice(6)) as ChatEvent;
        if (event.type === 'metadata') handlers.onConversation(event.conversation_id);
        else if (event.type === 'token' && !event.notice) handlers.onToken(event.content);
        else if (event.type === 'done') return event.sources;
        else if (event.type === 'error') throw new ChatError(event.code, event.message);
      }
    }
  } finally {
    // Frees the connection when we stop reading early (an error event, an abort).
    reader.cancel().catch(() => undefined);
  }
  throw new ChatError('cut', 'The answer was cut off before it finished. Please ask again.');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, {once: true});
  });
}
